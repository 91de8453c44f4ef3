"""A project's templates: the Jinja2 environment, the label table, and template errors.

Every mistake in a template comes out as `templates/<file>:<line>: message`: Jinja's own
errors carry the line; an MJML error in the rendered document is traced back to the template
line that wrote it by rendering once more with a marker comment before each template line
(only when something is wrong, so a good render pays nothing for it).
"""

from __future__ import annotations

import bisect
import contextlib
import difflib
import functools
import hashlib
import os
import re
import stat
import traceback
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from newsletter.core import (
    NewsletterError,
    Problem,
    ProblemsError,
    cache_home,
    display_path,
    language_fallbacks,
    utf8_problem,
)

from .compiler import MjmlError
from .locales import LABELS_FILE, labels_for, load_labels


def default_templates() -> Path:
    """The default theme: shipped in the wheel, or the repository's templates/ in a checkout."""
    shipped = Path(str(resources.files("newsletter") / "default_templates"))
    if shipped.is_dir():
        return shipped
    checkout = Path(__file__).resolve().parents[3] / "templates"
    if checkout.is_dir():
        return checkout
    raise NewsletterError("the default templates are missing from this installation")


MARKER = re.compile(r"<!--@([^\s>]+):(\d+)-->")


class Theme:
    """The templates of one project, falling back to the default theme for missing files."""

    def __init__(self, folders: list[Path]):
        self.folders = [f for f in folders if f.is_dir()]
        self.env = _environment(_Utf8Loader(self.folders), compiled_templates())
        self._marking_env: jinja2.Environment | None = None
        files = [f / LABELS_FILE for f in self.folders if (f / LABELS_FILE).is_file()]
        self.labels_shown = display_path(files[0]) if files else f"templates/{LABELS_FILE}"
        # The project's words over the default theme's: a label added to the default theme
        # after `newsletter init` copied it is still found.
        self.label_tables: dict[str, dict[str, str]] = {}
        for path in reversed(files):
            _check_utf8(path)
            for language, table in load_labels(path, display_path(path)).items():
                self.label_tables[language] = {**self.label_tables.get(language, {}), **table}

    def labels(self, language: str) -> dict[str, str]:
        return labels_for(self.label_tables, language)

    def languages_without_labels(self, languages: list[str]) -> list[str]:
        """The languages labels.toml has no table for: their editions borrow English words."""
        tables = self.label_tables
        return [code for code in languages if not set(language_fallbacks(code)) & set(tables)]

    def fonts(self) -> dict[str, str]:
        """Language -> font stack, from each language's `font` in labels.toml."""
        return {lang: t["font"] for lang, t in self.label_tables.items() if "font" in t}

    def render(self, name: str, context: Mapping[str, Any]) -> str:
        """Render a template; any mistake in it raises ProblemsError naming file and line."""
        return self._render(self.env, name, context)

    def compile(self, name: str, context: Mapping[str, Any], compile: Callable[[str], str]):
        """Render and compile; an MJML error is reported at the template line that caused it."""
        source = self.render(name, context)
        try:
            return source, compile(source)
        except MjmlError as exc:
            raise ProblemsError([self._locate(name, context, compile, exc, source)]) from None

    def _render(self, env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
        try:
            return env.get_template(name).render(context)
        except ProblemsError:  # a template file that is not UTF-8 (_Utf8Loader)
            raise
        except jinja2.TemplateSyntaxError as exc:
            where = self._shown(exc.filename, exc.name)
            line, message = _block_problem(env, exc) or (exc.lineno, exc.message or str(exc))
            raise ProblemsError([Problem(where, line, None, message)]) from None
        except Exception as exc:
            problem = self._runtime_problem(exc, name)
            if problem is None:
                raise
            raise ProblemsError([problem]) from None

    def _runtime_problem(self, exc: Exception, name: str) -> Problem | None:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if self._is_template(f)]
        if isinstance(exc, jinja2.TemplateNotFound):
            message = f"template '{exc.name}' not found in templates/"
        elif isinstance(exc, MissingAttribute):
            message = exc.explain(frames[-1].line if frames else None)
        elif isinstance(exc, jinja2.TemplateError):
            message = exc.message or str(exc)
        elif frames:
            message = f"{type(exc).__name__}: {exc}"
        else:
            return None
        if not frames:
            return Problem(self._shown(None, name), None, None, message)
        frame = frames[-1]
        return Problem(display_path(Path(frame.filename)), frame.lineno, None, message)

    def _is_template(self, frame: traceback.FrameSummary) -> bool:
        path = Path(frame.filename)
        return any(path.is_relative_to(folder) for folder in self.folders)

    def _shown(self, filename: str | None, name: str | None) -> str:
        if filename:
            return display_path(Path(filename))
        folder = self.folders[0] if self.folders else Path("templates")
        return display_path(folder / (name or "?"))

    def _locate(self, name, context, compile, exc: MjmlError, source: str) -> Problem:
        """Render again with line markers, and find the marker before the error."""
        if self._marking_env is None:
            self._marking_env = _environment(_MarkingLoader(self.folders))
        marked = self._render(self._marking_env, name, context)
        try:
            compile(marked)
        except MjmlError as again:
            # Trust the markers only if, without them, the error is where it was.
            same = again.message == exc.message
            found = same and _traced(marked, again.offset, exc.offset)
            if found:
                message = exc.message
                related = _traced(marked, again.related, exc.related)
                if related and exc.template:
                    message = exc.template.format(
                        place=f"{self._shown(None, related[0])}:{related[1]}"
                    )
                return Problem(self._shown(None, found[0]), found[1], None, message)
        if exc.offset is None:
            return Problem(self._shown(None, name), None, None, exc.message)
        # Markers changed what MJML sees: name the line of the rendered document instead.
        line = source.count("\n", 0, exc.offset) + 1
        return Problem(f"{self._shown(None, name)} (rendered)", line, None, exc.message)


class MissingAttribute(jinja2.UndefinedError):
    """A template asked an object for an attribute it does not have (often a typo)."""

    def __init__(self, message: str, obj: object, name: str):
        super().__init__(message)
        self.obj, self.name = obj, name

    def explain(self, line: str | None) -> str:
        """`entry has no attribute 'titel'; did you mean 'title'?`, naming the object as the
        template line does (else by its type), and suggesting from what it has."""
        written = re.search(rf"([A-Za-z_][\w.]*)\.{re.escape(self.name)}\b", line or "")
        what = written[1] if written else type(self.obj).__name__
        message = f"{what} has no attribute {self.name!r}"
        names = _attribute_names(self.obj)
        guess = difflib.get_close_matches(self.name, names, n=1)
        if guess:
            return f"{message}; did you mean {guess[0]!r}?"
        if 0 < len(names) <= 12:
            return f"{message}; it has {', '.join(names)}"
        return message


def _attribute_names(obj: object) -> list[str]:
    """What a template can ask `obj` for: a mapping's keys; an object's fields (in their
    order: dataclasses and pydantic models keep them in __dict__), then its methods."""
    if isinstance(obj, Mapping):
        return [key for key in obj if isinstance(key, str)]
    names = [name for name in getattr(obj, "__dict__", {}) if not name.startswith("_")]
    return names + [n for n in dir(type(obj)) if not n.startswith("_") and n not in names]


class _Undefined(jinja2.StrictUndefined):
    """StrictUndefined whose error for a missing attribute keeps the object and the name."""

    __slots__ = ()

    def __init__(self, hint=None, obj=jinja2.utils.missing, name=None, exc=jinja2.UndefinedError):
        if hint is None and obj is not jinja2.utils.missing and isinstance(name, str):
            exc = functools.partial(MissingAttribute, obj=obj, name=name)
        super().__init__(hint, obj, name, exc)


_OPTIONS = {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True, "auto_reload": False}


def _environment(
    loader: jinja2.BaseLoader, cache: jinja2.BytecodeCache | None = None
) -> jinja2.Environment:
    return jinja2.Environment(loader=loader, undefined=_Undefined, bytecode_cache=cache, **_OPTIONS)


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Templates compiled by an earlier run, kept in the user's cache folder: compiling the
    theme was most of what `check` and `send` spent on templates. Jinja recompiles a
    template whose source's checksum changed; the file names carry Jinja's version and the
    options above, which shape the compiled code too. A folder that cannot be written only
    costs the time."""

    def __init__(self, folder: Path):
        options = f"{jinja2.__version__} {sorted(_OPTIONS.items())}"
        shape = hashlib.sha256(options.encode()).hexdigest()[:12]
        super().__init__(str(folder), f"{shape}-%s.cache")

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a file cut short or garbled: compiled afresh, and written again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def compiled_templates() -> _CompiledTemplates | None:
    """The cache of compiled templates; None where its folder cannot be made, or is not
    this user's alone: Jinja runs what it loads from there (its own default folder is
    checked the same way)."""
    folder = cache_home(os.environ) / "templates"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        found = folder.lstat()
    except OSError:
        return None
    mine = stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid()
    return _CompiledTemplates(folder) if mine and not found.st_mode & 0o022 else None


# Jinja names the block it was still inside when it gave up, at the line where it gave up
# (often the end of the file): the mistake is where that block was opened. An end tag that
# closes no open block is the mistake itself, at its own line.
_INNERMOST = re.compile(r"The innermost block that needs to be closed is '(\w+)'")
_UNKNOWN_END = re.compile(r"Encountered unknown tag '(end(\w+))'")


def _block_problem(env: jinja2.Environment, exc: jinja2.TemplateSyntaxError):
    """(line, message) for a block tag left open, at the line of its opening tag, or for an
    end tag that closes nothing; None when the error is another one."""
    message = exc.message or ""
    innermost, closing = _INNERMOST.search(message), _UNKNOWN_END.search(message)
    source = getattr(exc, "source", None)
    if source is None or not (innermost or closing):
        return None
    try:
        open_tags = _open_tags(env, source, exc.lineno)
    except jinja2.TemplateSyntaxError:  # the source does not even lex: say what Jinja says
        return None
    if closing and closing[2] in _BLOCK_TAGS and closing[2] not in [t for t, _ in open_tags]:
        end, tag = closing[1], closing[2]
        return exc.lineno, (
            f"{{% {end} %}} closes no {{% {tag} %}}: remove it, or add the {{% {tag} %}} it ends"
        )
    if not innermost or not open_tags or open_tags[-1][0] != innermost[1]:
        return None
    tag, line = open_tags[-1]
    before = f"{{% {closing[1]} %}} on line {exc.lineno}" if closing else "the end of the file"
    return (
        line,
        f"{{% {tag} %}} is never closed: add {{% end{tag} %}} where it ends, before {before}",
    )


def _open_tags(env: jinja2.Environment, source: str, up_to: int) -> list[tuple[str, int]]:
    """The block tags still open (name, line), innermost last, where Jinja stopped: at the
    first end tag that closes none of them, or at line `up_to`."""
    stack: list[tuple[str, int]] = []
    tokens = [t for t in env.lex(source) if t[1] != "whitespace" and t[0] <= up_to]
    for index, (line, kind, _) in enumerate(tokens):
        if kind != "block_begin" or index + 1 >= len(tokens) or tokens[index + 1][1] != "name":
            continue
        name = tokens[index + 1][2]
        if name.startswith("end"):
            if not stack or stack[-1][0] != name[3:]:
                break  # Jinja's own complaint is about this tag
            stack.pop()
        elif name in _BLOCK_TAGS and (name != "set" or not _assigns(tokens, index + 2)):
            stack.append((name, line))
    return stack


# The tags that open a block closed by `end<tag>` (`set` too, when it assigns nothing).
_BLOCK_TAGS = {
    "if",
    "for",
    "macro",
    "call",
    "block",
    "filter",
    "with",
    "autoescape",
    "trans",
    "set",
}


def _assigns(tokens: list[tuple[int, str, str]], start: int) -> bool:
    """Whether the tag from `start` on has `=` (`{% set x = 1 %}`; `{% set x %}` is a block)."""
    for _, kind, value in tokens[start:]:
        if kind == "block_end":
            return False
        if kind == "operator" and value == "=":
            return True
    return False


def _check_utf8(path: Path) -> None:
    """A theme file saved in another encoding: where, and how to fix it."""
    try:
        problem = utf8_problem(path.read_bytes(), display_path(path))
    except OSError:
        return  # reading it again will say why it cannot be read
    if problem:
        raise ProblemsError([problem])


class _Utf8Loader(jinja2.FileSystemLoader):
    """Jinja's file loader, with a file that is not UTF-8 reported at its first bad byte."""

    def get_source(self, environment, template):
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError:
            for folder in self.searchpath:
                path = Path(folder) / template
                if path.is_file():
                    _check_utf8(path)
            raise


class _MarkingLoader(_Utf8Loader):
    """Puts `<!--@name:line-->` before every template line that starts with a tag."""

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        return _mark_lines(source, template), filename, uptodate


_TAG_LINE = re.compile(r"^(\s*)(?=<[a-zA-Z/])")


def _mark_lines(source: str, name: str) -> str:
    """Mark lines outside comments and outside mj-attributes (MRML refuses comments there)."""
    lines, in_comment, in_attributes = [], False, False
    for number, line in enumerate(source.split("\n"), start=1):
        in_attributes = in_attributes or "<mj-attributes" in line
        if not in_comment and not in_attributes:
            line = _TAG_LINE.sub(lambda m, n=number: f"{m[1]}<!--@{name}:{n}-->", line, count=1)
        in_attributes = in_attributes and "</mj-attributes" not in line
        # A marker inside <!--[if mso]> ... <![endif]--> would end that comment early.
        opened, closed = line.rfind("<!--"), line.rfind("-->")
        if opened > closed and not MARKER.match(line, opened):
            in_comment = True
        elif closed > opened:
            in_comment = False
        lines.append(line)
    return "\n".join(lines)


def _traced(marked: str, offset: int | None, unmarked: int | None) -> tuple[str, int] | None:
    """The template and line of `offset` in the marked document, if it is `unmarked` without
    the markers (else the markers changed what MJML sees, and nothing can be said)."""
    if offset is None or unmarked is None:
        return None
    if offset - sum(len(m[0]) for m in MARKER.finditer(marked, 0, offset)) != unmarked:
        return None
    return _marker_before(marked, offset)


def _marker_before(marked: str, offset: int) -> tuple[str, int] | None:
    markers = list(MARKER.finditer(marked))
    index = bisect.bisect_right([m.start() for m in markers], offset) - 1
    if index < 0:
        return None
    marker = markers[index]
    return marker[1], int(marker[2]) + marked.count("\n", marker.end(), offset)
