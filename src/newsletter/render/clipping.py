"""What renders, but will not show as meant in mail clients: an email Gmail clips."""

from __future__ import annotations

from .renderer import RenderedIssue

GMAIL_CLIP_BYTES = 102 * 1024  # Gmail shows this much of an HTML part, then "[Message clipped]"


def issue_warnings(rendered: RenderedIssue) -> list[str]:
    """What renders, but will not show as meant in mail clients: an email Gmail clips (which
    also hides the unsubscribe link). For `build` and `validate`; the caller names the issue."""
    warnings = []
    for language, edition in rendered.editions.items():
        size = len(edition.email_html.encode("utf-8"))
        if size > GMAIL_CLIP_BYTES:
            kb = size / 1024
            shown = f"{kb:.0f}" if kb >= GMAIL_CLIP_BYTES / 1024 + 0.5 else f"{kb:.1f}"
            warnings.append(
                f"the {language} edition's email.html is {shown} KB: Gmail clips messages over "
                f'{GMAIL_CLIP_BYTES // 1024} KB (hide the rest behind a "View in browser" link '
                "or shorten it)"
            )
    return warnings
