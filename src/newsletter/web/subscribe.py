"""Subscribing on the web: the form, the confirmation message, and the confirmation link.

Whatever the address (new, subscribed, unsubscribed, forgotten), the form answers the same
page and sends the same message: the page reveals nothing about who is on the list. The
person becomes a subscriber only by the POST of the confirmation page; a GET of the link
only shows the button (mail scanners open links).
"""

from __future__ import annotations

import datetime as dt
from email.headerregistry import Address

from starlette.requests import Request
from starlette.responses import Response

from newsletter.config import urls
from newsletter.core import NewsletterError
from newsletter.subscribers import ask, confirm, pending

from .confirmation import NotSent, confirmation_message, send_confirmation
from .context import Web, client_ip, log, read_form, web_of
from .guard import CSRF_COOKIE, CSRF_FIELD, HONEYPOT_FIELD
from .pages import mask


async def subscribe_form(request: Request) -> Response:
    web = web_of(request)
    return _form(web, request, web.pages.language(request), {}, "")


async def subscribe(request: Request) -> Response:
    web = web_of(request)
    form = await read_form(request)
    fields = {key: str(form.get(key, "")).strip() for key in ("email", "name", "language")}
    language = web.pages.language(request, fields["language"])
    if not web.csrf.valid(request.cookies.get(CSRF_COOKIE), str(form.get(CSRF_FIELD, ""))):
        return _form(web, request, language, fields, "form_expired", 403)
    if form.get(HONEYPOT_FIELD):  # a robot: it is told what a person would be, and that is all
        log.info("subscribe: honeypot filled from %s; ignored", client_ip(request))
        return _sent(web, language, fields["email"])
    if not web.per_ip.allow(client_ip(request)):
        log.warning("subscribe: too many requests from %s; refused", client_ip(request))
        return web.pages.notice(language, "too_many_title", web.pages.text(language, "too_many"),
                                status=429)  # fmt: skip
    try:
        key = web.store.key(fields["email"])
    except NewsletterError:
        return _form(web, request, language, fields, "invalid_email", 400)
    if web.per_address.allow(key):
        try:
            await web.call(_ask_and_send, web, fields, language, client_ip(request))
        except NewsletterError as exc:
            log.error("subscribe: %s", exc)
            return web.pages.unavailable(language)
        except NotSent as exc:
            log.error("subscribe: the confirmation message was not sent: %s", exc)
            return web.pages.unavailable(language)
    else:  # the same page, and no message: the address's owner is not flooded
        log.warning("subscribe: too many requests for one address; no message sent")
    return _sent(web, language, fields["email"])


def _ask_and_send(web: Web, fields: dict[str, str], language: str, ip: str) -> None:
    config = web.config
    days = config.settings.web.confirm_days
    token = ask(
        web.store, fields["email"], fields["name"], language, ip, web.clock(),
        dt.timedelta(days=days),
    )  # fmt: skip
    local, _, domain = fields["email"].rpartition("@")
    to = Address(fields["name"], local, domain)
    link = urls.confirm_url(config, token)
    labels = web.pages.labels(language)
    send_confirmation(config, confirmation_message(config, labels, language, to, link, days))


async def confirm_page(request: Request) -> Response:
    web = web_of(request)
    token = request.path_params["token"]
    asked = await web.call(pending, web.store, token, web.clock())
    if asked is None:
        return _link_invalid(web, web.pages.language(request))
    language = web.pages.language(request, asked.language)
    return web.pages.render("site/confirm.html", language, email=mask(asked.email))


async def confirm_subscription(request: Request) -> Response:
    web = web_of(request)
    token = request.path_params["token"]
    subscriber = await web.call(confirm, web.store, token, client_ip(request), web.clock())
    if subscriber is None:
        return _link_invalid(web, web.pages.language(request))
    log.info("subscribe: subscriber #%s confirmed", subscriber.id)
    language = web.pages.language(request, subscriber.language)
    text = web.pages.text(language, "confirmed", email=mask(subscriber.email))
    return web.pages.notice(language, "confirmed_title", text)


def _form(web: Web, request: Request, language: str, fields: dict, error: str, status=200):
    cookie = request.cookies.get(CSRF_COOKIE) or web.csrf.new_cookie()
    response = web.pages.render(
        "site/subscribe.html",
        language,
        status,
        form={"email": "", "name": "", "language": language, **fields},
        error=web.pages.labels(language)[error] if error else "",
        csrf=web.csrf.token(cookie),
    )
    secure = urls.root(web.config).startswith("https:")
    path = urls.root_path(web.config) + urls.SUBSCRIBE
    response.set_cookie(
        CSRF_COOKIE, cookie, max_age=86400, path=path, secure=secure, httponly=True,
        samesite="strict",
    )  # fmt: skip
    return response


def _sent(web: Web, language: str, email: str) -> Response:
    days = f"{web.config.settings.web.confirm_days:g}"
    text = web.pages.text(language, "check_inbox", email=email, days=days)
    return web.pages.notice(language, "check_inbox_title", text)


def _link_invalid(web: Web, language: str) -> Response:
    return web.pages.notice(
        language, "link_invalid_title", web.pages.text(language, "confirm_link_invalid"),
        status=404, links=[web.pages.subscribe_link(language)],
    )  # fmt: skip
