"""A project's templates: the Jinja2 environment, the label table, and template errors.

Every mistake in a template comes out as `templates/<file>:<line>: message`: Jinja's own
errors carry the line; an MJML error in the rendered document is traced back to the template
line that wrote it by rendering once more with a marker comment before each template line
(only when something is wrong, so a good render pays nothing for it).
"""

from __future__ import annotations

import bisect
import difflib
import functools
import re
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
    display_path,
    language_fallbacks,
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
        self.env = _environment(jinja2.FileSystemLoader(self.folders))
        self._marking_env: jinja2.Environment | None = None
        files = [f / LABELS_FILE for f in self.folders if (f / LABELS_FILE).is_file()]
        self.labels_shown = display_path(files[0]) if files else f"templates/{LABELS_FILE}"
        # The project's words over the default theme's: a label added to the default theme
        # after `newsletter init` copied it is still found.
        self.label_tables: dict[str, dict[str, str]] = {}
        for path in reversed(files):
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
        except jinja2.TemplateSyntaxError as exc:
            where = self._shown(exc.filename, exc.name)
            raise ProblemsError(
                [Problem(where, exc.lineno, None, exc.message or str(exc))]
            ) from None
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


def _environment(loader: jinja2.BaseLoader) -> jinja2.Environment:
    return jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=_Undefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


class _MarkingLoader(jinja2.FileSystemLoader):
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
