"""The pages of a subscriber's own signed links: unsubscribe (RFC 8058 one-click) and
preferences.

A POST to the unsubscribe link unsubscribes at once, whoever sends it: a mail provider's
one-click POST (`List-Unsubscribe=One-Click`, form-urlencoded or multipart) or the page's
button. A GET only shows the page: link scanners and previewers follow links. The tokens do
not expire (CASL asks for links that work at least 60 days after the send). A forged or
altered token, or one whose subscriber is gone (forgotten), gets the same 404 page and
changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from newsletter.config import urls
from newsletter.core import NewsletterError, one_line_problem
from newsletter.db import ACTIVE
from newsletter.delivery import PREFERENCES, UNSUBSCRIBE, InvalidToken, Personal
from newsletter.mail import preview_recipient
from newsletter.subscribers import (
    Change,
    Subscriber,
    find_by_id,
    set_preferences,
    unsubscribe_by_id,
)

from .context import Web, log, read_form, web_of
from .pages import mask

ONE_CLICK = ("List-Unsubscribe", "One-Click")  # RFC 8058's body, as mail providers POST it
PAGE_FIELD = "page"  # set by our own pages' buttons, to tell them from mail providers


def personal_link(purpose: str) -> Callable:
    """A handler of a personal link, called with whose link it is and them as stored; a bad
    token, or nobody with that id, gets the 404 page instead."""

    def decorate(handler: Callable) -> Callable:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            web = web_of(request)
            try:
                who = web.signer.check(purpose, request.path_params["token"])
            except InvalidToken:
                return _invalid(web, request)
            subscriber = await web.call(find_by_id, web.store, who.subscriber_id)
            if subscriber is None:
                return _invalid(web, request)
            return await handler(request, web, who, subscriber)

        return endpoint

    return decorate


@personal_link(UNSUBSCRIBE)
async def unsubscribe_page(request: Request, web: Web, who: Personal, subscriber: Subscriber):
    language = web.pages.language(request, subscriber.language)
    if subscriber.status != ACTIVE:
        return _unsubscribed(web, language, subscriber, who)
    return web.pages.render(
        "site/unsubscribe.html",
        language,
        email=mask(subscriber.email),
        preferences=_link(web, PREFERENCES, who),
    )


@personal_link(UNSUBSCRIBE)
async def unsubscribe(request: Request, web: Web, who: Personal, subscriber: Subscriber):
    form = await read_form(request)  # form-urlencoded or multipart
    one_click = form.get(ONE_CLICK[0]) == ONE_CLICK[1] and PAGE_FIELD not in form
    how = "one-click unsubscribe (List-Unsubscribe-Post)" if one_click else "unsubscribe page"
    made = Change(f"{how}, link of send {who.send_id}", "subscriber", web.clock())
    subscriber = await web.call(unsubscribe_by_id, web.store, who.subscriber_id, made) or subscriber
    log.info("unsubscribe: subscriber #%s (%s)", subscriber.id, how)
    language = web.pages.language(request, subscriber.language)
    return _unsubscribed(web, language, subscriber, who)


@personal_link(PREFERENCES)
async def preferences_page(request: Request, web: Web, who: Personal, subscriber: Subscriber):
    language = web.pages.language(request, subscriber.language)
    return _preferences(web, language, who, subscriber)


@personal_link(PREFERENCES)
async def save_preferences(request: Request, web: Web, who: Personal, subscriber: Subscriber):
    form = await read_form(request)
    name, language = str(form.get("name", "")).strip(), str(form.get("language", ""))
    if language not in web.config.languages:
        language = subscriber.language
    if one_line_problem(name):  # a line break or a control character
        typed = {"name": name, "language": language}
        page_language = web.pages.language(request, language)
        return _preferences(web, page_language, who, subscriber, typed, "invalid_name")
    made = Change(f"preferences page, link of send {who.send_id}", "subscriber", web.clock())
    try:
        changed = await web.call(
            set_preferences, web.store, who.subscriber_id, name, language, made
        )
    except NewsletterError as exc:  # the database's: locked, unreachable
        log.error("preferences: %s", exc)
        return web.pages.unavailable(web.pages.language(request, language))
    if changed is None:  # forgotten a moment ago
        return _invalid(web, request)
    return _preferences(web, changed.language, who, changed, saved=True)


def _preferences(
    web: Web, language: str, who: Personal, subscriber: Subscriber, typed: dict | None = None,
    error: str = "", saved: bool = False,
) -> Response:  # fmt: skip
    form = {"name": subscriber.name, "language": subscriber.language, **(typed or {})}
    active = subscriber.status == ACTIVE
    unsubscribe_link = _link(web, UNSUBSCRIBE, who)
    return _preferences_form(
        web, language, subscriber.email, form, active, unsubscribe_link, error, saved
    )


def _preferences_form(
    web: Web, language: str, email: str, form: dict, active: bool, unsubscribe_link: str,
    error: str = "", saved: bool = False,
) -> Response:  # fmt: skip
    return web.pages.render(
        "site/preferences.html",
        language,
        400 if error else 200,
        email=mask(email),
        form=form,
        active=active,
        saved=saved,
        error=web.pages.labels(language)[error] if error else "",
        unsubscribe=unsubscribe_link,
    )


def _unsubscribed(web: Web, language: str, subscriber: Subscriber, who: Personal) -> Response:
    text = web.pages.text(language, "unsubscribed", email=mask(subscriber.email))
    links = [
        web.pages.subscribe_link(language),
        {"href": _link(web, PREFERENCES, who), "text": web.pages.labels(language)["preferences"]},
    ]
    return web.pages.notice(language, "unsubscribed_title", text, links=links)


def _invalid(web: Web, request: Request) -> Response:
    language = web.pages.language(request)
    text = web.pages.text(language, "personal_link_invalid")
    return web.pages.notice(language, "link_invalid_title", text, status=404)


def _link(web: Web, purpose: str, who: Personal) -> str:
    token = web.signer.token(purpose, who)
    make = urls.unsubscribe_url if purpose == UNSUBSCRIBE else urls.preferences_url
    return make(web.config, token)


async def preview_link(request: Request) -> Response:
    """The unsubscribe link of preview.eml's made-up subscriber: it unsubscribes nobody."""
    web = web_of(request)
    language = web.pages.language(request)
    text = web.pages.text(language, "preview_link")
    return web.pages.notice(language, "unsubscribe", text)


async def preview_preferences(request: Request) -> Response:
    """The preferences link of preview.eml's made-up subscriber: their page as it would look;
    saving it changes nobody."""
    web = web_of(request)
    language = web.pages.language(request)
    made_up = preview_recipient(web.config)
    form = {"name": made_up.name, "language": language}
    return _preferences_form(web, language, made_up.email, form, True, made_up.unsubscribe_url)
