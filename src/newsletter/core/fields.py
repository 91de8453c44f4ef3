"""Field types shared by the settings and the issue files, each rule defined once.

Each raises pydantic's errors, which core.validation words for editors at the field's line.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Annotated
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from .addresses import InvalidAddress, address_key
from .text import HAS_LINE_BREAK, one_line_problem

URL_SCHEMES = ("http", "https", "mailto")


def check_url(value: str) -> str:
    """An http, https or mailto URL that mail programs and browsers open as written."""
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme.lower() not in URL_SCHEMES:
        raise PydanticCustomError(
            "url_scheme",
            "'{value}' is not allowed: links must be http, https or mailto URLs",
            {"value": value},
        )
    if parts.scheme.lower() in ("http", "https") and not parts.netloc:
        raise PydanticCustomError("url_host", "'{value}' has no host name", {"value": value})
    if parts.scheme.lower() == "mailto" and "@" not in parts.path:
        raise PydanticCustomError("url_mail", "'{value}' has no email address", {"value": value})
    if re.search(r"\s", value):
        raise PydanticCustomError(
            "url_space", "'{value}' has a space in it: check the address", {"value": value}
        )
    return value


def check_web_url(value: str) -> str:
    if not re.match(r"^https?://", value.strip(), re.I):
        raise PydanticCustomError(
            "url_scheme", "'{value}' must be an http or https URL", {"value": value}
        )
    return check_url(value)


def babel_locale(tag: str) -> Locale:
    """Babel's locale for a language tag written as BCP 47 does (`zh-Hant`, `pt-BR`: what
    HTML's lang and mail's Content-Language hold) or as Babel does (`pt_BR`).

    Raises UnknownLocaleError or ValueError when Babel does not know it.
    """
    return Locale.parse(tag.replace("-", "_"))  # Babel reads only `_` between the parts


def check_language(code: str) -> str:
    """A language tag Babel knows, kept as written (it names the edition's folder)."""
    try:
        babel_locale(code)
    except (UnknownLocaleError, ValueError):
        raise ValueError(
            f"'{code}' is not a known language code (try en, fr, ja, pt-BR, zh-Hant)"
        ) from None
    return code


def check_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{name}' is not a time zone name such as America/Toronto") from None
    return name


def check_address(address: str) -> str:
    try:
        address_key(address)
    except InvalidAddress as exc:
        raise ValueError(str(exc)) from None
    return address


def check_one_line(text: str) -> str:
    """Text that goes into a mail header or a table row: no line break, no control code."""
    why = one_line_problem(text)
    if why == HAS_LINE_BREAK:
        raise ValueError("must be one line")
    if why:
        raise ValueError(why)
    return text


Url = Annotated[str, AfterValidator(check_url)]
WebUrl = Annotated[str, AfterValidator(check_web_url)]
Language = Annotated[str, AfterValidator(check_language)]
Timezone = Annotated[str, AfterValidator(check_timezone)]
EmailAddress = Annotated[str, AfterValidator(check_address)]
OneLine = Annotated[str, AfterValidator(check_one_line)]
