"""What every stage shares: errors worded for people, YAML with positions, text rules,
language fallback, and the field types of settings and issue files."""

from .addresses import InvalidAddress, address_hashes, address_key
from .cache import cache_home
from .encoding import SAVE_AS_UTF8, read_utf8, utf8_problem
from .errors import NewsletterError, Problem, ProblemsError, reading_order
from .fields import (
    URL_SCHEMES,
    EmailAddress,
    Language,
    OneLine,
    Timezone,
    Url,
    WebUrl,
    babel_locale,
    check_one_line,
    check_url,
    check_web_url,
)
from .languages import base_language, language_fallbacks, pick_language
from .months import format_month
from .output_folder import check_output_folder
from .text import HAS_LINE_BREAK, multiline_problem, on_terminal, one_line_problem, width
from .validation import LIST_IN_YAML, Locate, dotted, problems_from, read_as_suggested
from .wording import closest, describe_value, did_you_mean, display_path, plural
from .yamlsource import Document, Loc, Scalar, load_yaml, parse_yaml
from .yamlsource import compose as compose_yaml

__all__ = [
    "HAS_LINE_BREAK",
    "LIST_IN_YAML",
    "SAVE_AS_UTF8",
    "URL_SCHEMES",
    "Document",
    "EmailAddress",
    "InvalidAddress",
    "Language",
    "Loc",
    "Locate",
    "NewsletterError",
    "OneLine",
    "Problem",
    "ProblemsError",
    "Scalar",
    "Timezone",
    "Url",
    "WebUrl",
    "address_hashes",
    "address_key",
    "babel_locale",
    "base_language",
    "cache_home",
    "check_one_line",
    "check_output_folder",
    "check_url",
    "check_web_url",
    "closest",
    "compose_yaml",
    "describe_value",
    "did_you_mean",
    "display_path",
    "dotted",
    "format_month",
    "language_fallbacks",
    "load_yaml",
    "multiline_problem",
    "on_terminal",
    "one_line_problem",
    "parse_yaml",
    "pick_language",
    "plural",
    "problems_from",
    "read_as_suggested",
    "read_utf8",
    "reading_order",
    "utf8_problem",
    "width",
]
