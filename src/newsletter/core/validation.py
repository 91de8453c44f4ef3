"""Turn pydantic's validation errors into located, editor-grade messages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Problem
from .wording import closest, describe_value, did_you_mean
from .yamlsource import Document, Loc, Scalar

# (loc, key=True?) -> Problem: a Document.problem, or the config's TOML locator.
Locate = Callable[..., Problem]
# loc -> the scalar there as the editor wrote it (Document.written), when the source keeps it.
Written = Callable[[Loc], Scalar | None]


def problems_from(
    exc: ValidationError, model: type[BaseModel], locate: Locate, written: Written | None = None
) -> list[Problem]:
    """One Problem per pydantic error, placed at the key or value it is about, quoting the
    value as written when `written` can tell."""
    problems = []
    errors = exc.errors(include_url=False)
    suggested = _suggested_keys(errors, model)
    for error in errors:
        loc = _clean_loc(error["loc"])
        if error["type"] == "missing" and loc in suggested:
            continue  # the misspelt key's "did you mean" already says it
        ctx = error.get("ctx") or {}
        if "key" in ctx:  # our validators name the mapping key that is wrong
            loc = (*loc, ctx["key"])
        key_error = error["type"] in ("extra_forbidden", "language_key")
        scalar = written(loc) if written else None
        within = {"within": ctx["within"]} if "within" in ctx else {}  # a line inside a text
        problems.append(locate(loc, _message(error, loc, model, scalar), key=key_error, **within))
    return problems


def read_as_suggested(
    data: Any, model: type[BaseModel], doc: Document
) -> tuple[Any, list[Problem]]:
    """`data` with each unknown key read as the field it most likely means (its one close
    match, when the mapping does not give that field too), so that what is written under a
    misspelt key is checked in the same run; and the "unknown key" problem of each.

    The key is moved rather than copied: a key left in place would fail the model before
    its own checks (such as a hero image's) run."""
    problems: list[Problem] = []
    return _read_as_suggested(data, model, doc, (), problems), problems


def _read_as_suggested(
    data: Any, model: type[BaseModel], doc: Document, loc: Loc, problems: list[Problem]
) -> Any:
    if isinstance(data, list):
        return [_read_as_suggested(v, model, doc, (*loc, i), problems) for i, v in enumerate(data)]
    known = _field_names(model, loc)
    if not isinstance(data, dict) or not known:
        return data
    result = {}
    for key, value in data.items():
        name = key
        close = None if key in known else closest(str(key), known)
        if close and close not in data and close not in result:
            name = close
            doc.alias((*loc, key), (*loc, name))
            problems.append(doc.problem((*loc, key), _unknown_key(key, known), key=True))
        inside = name in known
        result[name] = (
            _read_as_suggested(value, model, doc, (*loc, name), problems) if inside else value
        )
    return result


def _suggested_keys(errors: list[dict], model: type[BaseModel]) -> set[Loc]:
    suggested = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            loc = _clean_loc(error["loc"])
            close = closest(str(loc[-1]), _field_names(model, loc[:-1]))
            if close:
                suggested.add((*loc[:-1], close))
    return suggested


def _clean_loc(loc: tuple) -> Loc:
    # Drop pydantic's union/function tags such as 'function-after[...]' that are not in the file.
    return tuple(part for part in loc if isinstance(part, int) or "[" not in str(part))


def _message(error: dict[str, Any], loc: Loc, model: type[BaseModel], scalar: Scalar | None) -> str:
    kind, where, given = error["type"], dotted(loc), error.get("input")
    if kind == "extra_forbidden":
        return _unknown_key(str(loc[-1]), _field_names(model, loc[:-1]))
    if kind == "missing":
        return f"'{where}' is required"
    not_text = _why_not_text(kind, given, scalar)
    if not_text:
        return f"{where}: {not_text}"
    if kind == "too_short" and error["ctx"].get("min_length") == 1:
        return f"{where}: needs at least one item"
    read_as = scalar.read_as if scalar else None
    typed = scalar.text if read_as else given  # quote what the editor typed, not YAML's 750
    shown = f"'{typed}'" if read_as else describe_value(given)
    if kind in PLAIN_WORDS:
        return f"{where}: {shown} {PLAIN_WORDS[kind]}{_missing_colon_hint(given, model, loc)}"
    if kind in LIMITS:
        limit = next(iter((error.get("ctx") or {}).values()), "")
        return f"{where}: {shown} {LIMITS[kind]} {limit}"
    if kind == "string_too_short":
        return f"{where}: is empty"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", error["ctx"]["expected"])
        hint = did_you_mean(str(typed), choices).replace("expected", "use")
        return f"{where}: {shown} is not allowed{hint}"
    message = error["msg"].removeprefix("Value error, ")
    if read_as:  # a check that quoted the value YAML made of the text: quote the text
        message = message.replace(f"'{str(given).strip()}'", shown)
    if not where:  # a check of the whole file: its message names the keys
        return message
    if kind.startswith(("string_", "int_", "bool_", "list_", "dict_", "model_", "literal")):
        message = f"{message}, got {shown}"
    return f"{where}: {message}"


def _why_not_text(kind: str, given: Any, scalar: Scalar | None) -> str | None:
    """Why a value is not text: nothing is written, or YAML read the text as another type."""
    read_as = scalar.read_as if scalar else None
    if read_as and (kind in NOT_TEXT or given is None):
        return f"'{scalar.text}' was read as {read_as}: put it in quotes to keep it as text"
    if given is None and kind != "value_error":
        return "has no value"
    if scalar and scalar.is_empty and kind in NOT_TEXT:  # one language's text left empty
        return "has no value"
    return None


def _unknown_key(key: str, known: list[str]) -> str:
    return f"unknown key '{key}'{did_you_mean(key, known)}"


def _missing_colon_hint(given: Any, model: type[BaseModel], loc: Loc) -> str:
    """`- title One` as the last item of a list is the text 'title One', not a mapping."""
    if not isinstance(given, str) or not given.split():
        return ""
    first = given.split()[0]
    fields = _field_names(model, loc)
    return f"; is a ':' missing after '{first}'?" if first in fields else ""


# Errors saying a value is not text: for text YAML read as another type, say why instead.
NOT_TEXT = ("string_type", "text_type")

LIST_IN_YAML = "must be a list (lines starting with '- ')"  # newsletter.toml rewords it

# pydantic's error kinds, said in an editor's words (after the quoted value).
PLAIN_WORDS = {
    "int_parsing": "is not a whole number",
    "int_type": "is not a whole number",
    "int_from_float": "is not a whole number",
    "float_parsing": "is not a number",
    "float_type": "is not a number",
    "bool_parsing": "is not true or false",
    "bool_type": "is not true or false",
    "string_type": "is not text: write text, in quotes if it looks like a number or a date",
    "list_type": LIST_IN_YAML,
    "dict_type": "must be a mapping of keys to values",
    "model_type": "must be a mapping of keys to values",
}


LIMITS = {
    "greater_than": "must be more than",
    "greater_than_equal": "must be at least",
    "less_than": "must be less than",
    "less_than_equal": "must be at most",
}


def dotted(loc: Loc) -> str:
    """sections[0].entries[2].title"""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _field_names(model: type[BaseModel], loc: Loc) -> list[str]:
    """Names of the fields allowed at `loc` (walks nested models and lists of models)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if _is_model(current) else None
        if field is None:
            return []
        current = _inner_model(field.annotation)
    return list(current.model_fields) if _is_model(current) else []


def _is_model(obj: Any) -> bool:
    return isinstance(obj, type) and issubclass(obj, BaseModel)


def _inner_model(annotation: Any) -> Any:
    if _is_model(annotation):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
