"""Rendering: an issue into its editions, once per language (Jinja2 -> MJML -> premailer),
with the text part, the theme and its self-test, and warnings about what mail clients clip.

Nothing here runs per subscriber: the personal parts are left as placeholders.
"""

from .clipping import GMAIL_CLIP_BYTES, issue_warnings
from .edition_view import EditionView
from .embedding import scoped_css
from .locales import format_month, language_name, text_direction
from .placeholders import PERSONAL_LINKS, PLACEHOLDERS, leftover_tokens, personalise
from .renderer import (
    WEB_IMAGES,
    RenderedEdition,
    RenderedIssue,
    Renderer,
    issue_images,
    render_issue,
)
from .theme import Theme, default_templates
from .theme_check import SAMPLE_ISSUE, check_theme, theme_warnings

__all__ = [
    "GMAIL_CLIP_BYTES",
    "PERSONAL_LINKS",
    "PLACEHOLDERS",
    "SAMPLE_ISSUE",
    "WEB_IMAGES",
    "EditionView",
    "RenderedEdition",
    "RenderedIssue",
    "Renderer",
    "Theme",
    "check_theme",
    "default_templates",
    "format_month",
    "issue_images",
    "issue_warnings",
    "language_name",
    "leftover_tokens",
    "personalise",
    "render_issue",
    "scoped_css",
    "text_direction",
    "theme_warnings",
]
