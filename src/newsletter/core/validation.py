"""Turn pydantic's validation errors into located, editor-grade messages."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Problem
from .wording import describe_value, did_you_mean
from .yamlsource import Loc

# (loc, key=True?) -> Problem: a Document.problem, or the config's TOML locator.
Locate = Callable[..., Problem]


def problems_from(exc: ValidationError, model: type[BaseModel], locate: Locate) -> list[Problem]:
    """One Problem per pydantic error, placed at the key or value it is about."""
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
        problems.append(locate(loc, _message(error, loc, model), key=key_error))
    return problems


def _suggested_keys(errors: list[dict], model: type[BaseModel]) -> set[Loc]:
    suggested = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            loc = _clean_loc(error["loc"])
            close = difflib.get_close_matches(str(loc[-1]), _field_names(model, loc[:-1]), 1, 0.6)
            suggested.update((*loc[:-1], name) for name in close)
    return suggested


def _clean_loc(loc: tuple) -> Loc:
    # Drop pydantic's union/function tags such as 'function-after[...]' that are not in the file.
    return tuple(part for part in loc if isinstance(part, int) or "[" not in str(part))


def _message(error: dict[str, Any], loc: Loc, model: type[BaseModel]) -> str:
    kind, where = error["type"], dotted(loc)
    if kind == "extra_forbidden":
        known = _field_names(model, loc[:-1])
        hint = did_you_mean(str(loc[-1]), known)
        return f"unknown key '{loc[-1]}'{hint}"
    if kind == "missing":
        return f"'{where}' is required"
    if error.get("input") is None and kind not in ("value_error",):
        return f"{where}: has no value"
    if kind == "too_short" and error["ctx"].get("min_length") == 1:
        return f"{where}: needs at least one item"
    shown = describe_value(error.get("input"))
    if kind in PLAIN_WORDS:
        return f"{where}: {shown} {PLAIN_WORDS[kind]}"
    if kind in LIMITS:
        limit = next(iter((error.get("ctx") or {}).values()), "")
        return f"{where}: {shown} {LIMITS[kind]} {limit}"
    if kind == "string_too_short":
        return f"{where}: is empty"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", error["ctx"]["expected"])
        hint = did_you_mean(str(error.get("input")), choices).replace("expected", "use")
        return f"{where}: {shown} is not allowed{hint}"
    message = error["msg"].removeprefix("Value error, ")
    if not where:  # a check of the whole file: its message names the keys
        return message
    if kind.startswith(("string_", "int_", "bool_", "list_", "dict_", "model_", "literal")):
        message = f"{message}, got {describe_value(error.get('input'))}"
    return f"{where}: {message}"


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
    "list_type": "must be a list (lines starting with '- ')",
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
