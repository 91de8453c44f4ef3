"""What `check` reads in one rendered edition: the parts the law and the mailbox providers
require, the images and links of its HTML, and its subject."""

from __future__ import annotations

import re
from email.message import EmailMessage
from urllib.parse import urlsplit

from newsletter.config import Config
from newsletter.core import width
from newsletter.issues import Issue
from newsletter.render import PERSONAL_LINKS, PLACEHOLDERS, RenderedEdition

from .findings import ERROR, WARNING, Finding, Locator
from .scan import collapsed, scan_html

MANY_IMAGES = 10  # more weigh on spam filters and on readers who do not load images
SUBJECT_COLUMNS = 70  # about what a mail client's list shows of a subject
# Subject words that spam filters weigh (SpamAssassin's and the providers' usual suspects).
SPAMMY = re.compile(
    r"\b(free|act now|urgent|winner|you have won|guarantee[ds]?|risk[- ]free|cash|"
    r"click here|limited time|100%|no cost|buy now|earn money|double your)\b|!!|\$\$",
    re.IGNORECASE,
)
LINK_SCHEMES = ("http", "https", "mailto", "tel")
UNSUBSCRIBE = PLACEHOLDERS["unsubscribe_url"]


def edition_findings(
    config: Config, issue: Issue, edition: RenderedEdition, message: EmailMessage, at: Locator
) -> list[Finding]:
    """Everything wrong or doubtful in one edition, without the network."""
    html = scan_html(edition.email_html)
    language = edition.language
    return [
        *_required_parts(config, edition, message, html.text, at),
        *_images(html.images, issue, language, at),
        *_links(html.links, language, at),
        *_subject(issue, edition, config, at),
    ]


def _required_parts(
    config: Config, edition: RenderedEdition, message: EmailMessage, html_text: str, at: Locator
) -> list[Finding]:
    """CASL: who sends it, their postal address, a way to reach them, a way to unsubscribe;
    and what the providers' bulk-sender rules and readers expect."""
    sender = config.sender_in(edition.language)
    text = collapsed(edition.text)
    # what -> (how it shows in the message, what the theme writes for it)
    parts = {
        "the sender's name": (collapsed(sender.name), "sender.name"),
        "the postal address": (
            collapsed(sender.postal_address.splitlines()[0]),
            "sender.postal_address",
        ),
        "the contact link": (str(sender.contact_url), "sender.contact_url"),
        "the unsubscribe link": (UNSUBSCRIBE, "placeholders.unsubscribe_url"),
    }
    found, language = [], edition.language
    for what, (needle, variable) in parts.items():
        html_has = needle in html_text or needle in edition.email_html
        for part, has in (("HTML", html_has), ("text", needle in text)):
            if not has:
                found.append(
                    at.issue(
                        ERROR,
                        language,
                        f"the {part} part does not show {what}, which CASL requires in every "
                        f"message: the theme must write {{{{ edition.{variable} }}}}",
                    )
                )
    if not edition.text.strip():
        found.append(at.issue(ERROR, language, "the message has no text part"))
    for header in ("List-Unsubscribe", "List-Unsubscribe-Post"):
        if message[header] is None:
            found.append(
                at.issue(
                    ERROR,
                    language,
                    f"the message has no {header} header, which Gmail and Yahoo require of "
                    "bulk senders (one-click unsubscribe, RFC 8058)",
                )
            )
    if not edition.preheader.strip():
        found.append(
            at.at(
                ("preheader",),
                WARNING,
                language,
                "no preheader: mail clients show the first words of the email beside the "
                "subject instead; write one under 'preheader:'",
            )
        )
    return found


def _images(
    images: list[dict[str, str | None]], issue: Issue, language: str, at: Locator
) -> list[Finding]:
    hero = issue.hero.image if issue.hero and issue.hero.image else None
    found = []
    if len(images) > MANY_IMAGES:
        found.append(
            at.issue(
                WARNING,
                language,
                f"the email has {len(images)} images: more than {MANY_IMAGES} weigh on spam "
                "filters and leave readers who block images little to read",
            )
        )
    for image in images:
        src = image.get("src") or ""
        is_hero = bool(hero) and src.rsplit("/", 1)[-1] == hero.rsplit("/", 1)[-1]
        if not (image.get("alt") or "").strip():
            message = f"the image {src!r} has no alt text: readers who block images see nothing"
            found.append(at.at(("hero", "alt") if is_hero else (), ERROR, language, message))
        if urlsplit(src).scheme != "https":
            message = (
                f"the image {src!r} is not an absolute https URL: mail clients load images "
                "from the web (the archive publishes the issue's images at base_url)"
            )
            found.append(at.at(("hero", "image") if is_hero else (), ERROR, language, message))
    return found


def _links(links: list[str], language: str, at: Locator) -> list[Finding]:
    found = []
    for href in dict.fromkeys(links):
        if href in PERSONAL_LINKS or href.startswith("#"):
            continue
        scheme = urlsplit(href).scheme
        if scheme not in LINK_SCHEMES:
            message = (
                f"the link {href!r} is not an absolute URL: in an email it leads nowhere; "
                "write it in full, with https://"
            )
            found.append(at.where_written(href, ERROR, language, message))
    return found


def _subject(issue: Issue, edition: RenderedEdition, config: Config, at: Locator) -> list[Finding]:
    subject, language = edition.subject, edition.language
    loc = ("subject",) if issue.subject else ("title",)
    field = issue.subject or issue.title
    key = field.key_for(language, config.default_language)
    if key == "*":  # one subject for every edition: said once, for the issue
        if language != config.default_language:
            return []
        language = ""
    elif key != language:  # another language's subject, said by its own edition
        return []
    else:
        loc = (*loc, key)
    found = []
    if width(subject) > SUBJECT_COLUMNS:
        found.append(
            at.at(
                loc,
                WARNING,
                language,
                f"the subject is {width(subject)} columns long: mail clients show about "
                f"{SUBJECT_COLUMNS} and cut the rest",
            )
        )
    letters = [c for c in subject if c.isascii() and c.isalpha()]
    if len(letters) >= 10 and sum(c.isupper() for c in letters) > 0.6 * len(letters):
        message = "the subject is mostly capitals, which spam filters count against it"
        found.append(at.at(loc, WARNING, language, message))
    spammy = list(dict.fromkeys(match[0] for match in SPAMMY.finditer(subject)))
    if spammy:
        said = ", ".join(repr(words) for words in spammy)
        message = f"the subject says {said}, which spam filters count against it"
        found.append(at.at(loc, WARNING, language, message))
    return found
