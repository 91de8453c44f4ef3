"""The ASGI application of `newsletter serve`: the subscriber pages at their routes under
base_url's path (config.urls, where the messages' links are made), the archive's files, and
/healthz for monitoring."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from newsletter.config import Config, urls
from newsletter.subscribers import Store

from .context import Web, utcnow, web_of
from .personal import (
    preferences_page,
    preview_link,
    preview_preferences,
    save_preferences,
    unsubscribe,
    unsubscribe_page,
)
from .subscribe import confirm_page, confirm_subscription, subscribe, subscribe_form


def archive_folder(config: Config) -> Path | None:
    """The archive's folder when `serve` serves it (it may not be built yet)."""
    settings = config.settings.web
    return config.project_dir / settings.archive if settings.serve_archive else None


def make_app(config: Config, store: Store, clock: Callable[[], dt.datetime] = utcnow) -> Starlette:
    """The application; `clock` gives the time (tests move it)."""
    web = Web(config, store, clock)
    web.pages.check()
    app = Starlette(routes=routes(config), exception_handlers={HTTPException: _error_page})
    app.state.web = web
    proxies = config.settings.web.trusted_proxies
    if proxies:  # only then is X-Forwarded-For believed, and only from these addresses
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    return app


def routes(config: Config) -> list[BaseRoute]:
    base = urls.root_path(config)
    found: list[BaseRoute] = [
        Route("/healthz", _healthz, methods=["GET"]),
        Route(base + urls.PAGES_STYLE, _stylesheet, methods=["GET"]),
        Route(base + urls.SUBSCRIBE, subscribe_form, methods=["GET"]),
        Route(base + urls.SUBSCRIBE, subscribe, methods=["POST"]),
        Route(base + urls.CONFIRM, confirm_page, methods=["GET"]),
        Route(base + urls.CONFIRM, confirm_subscription, methods=["POST"]),
        Route(base + urls.UNSUBSCRIBE.format(token=""), preview_link, methods=["GET", "POST"]),
        Route(base + urls.UNSUBSCRIBE, unsubscribe_page, methods=["GET"]),
        Route(base + urls.UNSUBSCRIBE, unsubscribe, methods=["POST"]),
        Route(
            base + urls.PREFERENCES.format(token=""), preview_preferences, methods=["GET", "POST"]
        ),
        Route(base + urls.PREFERENCES, preferences_page, methods=["GET"]),
        Route(base + urls.PREFERENCES, save_preferences, methods=["POST"]),
    ]
    folder = archive_folder(config)
    if folder is not None:
        if base != "/":
            found.append(Route("/", lambda _: RedirectResponse(base), methods=["GET"]))
        files = ArchiveFiles(directory=folder, html=True, check_dir=False)
        found.append(Mount(base.rstrip("/"), app=files))
    return found


class ArchiveFiles(StaticFiles):
    """The archive's files, as `newsletter archive` leaves them; not found until it has."""

    async def check_config(self) -> None:
        if not Path(self.directory).is_dir():
            raise HTTPException(404)
        await super().check_config()


async def _healthz(request: Request) -> Response:
    """200 `ok` when the database answers, else 503 with the reason."""
    web = web_of(request)
    try:
        await web.call(web.store.get, "healthz@example.org")
    except Exception as exc:
        return PlainTextResponse(f"database unavailable: {exc}", 503)
    return PlainTextResponse("ok", headers={"Cache-Control": "no-store"})


async def _stylesheet(request: Request) -> Response:
    css = web_of(request).pages.stylesheet()
    return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


async def _error_page(request: Request, exc: HTTPException) -> Response:
    """Not found (and other HTTP errors) as a page in the archive's look."""
    web = web_of(request)
    language = web.pages.language(request)
    if exc.status_code == 404:
        text = web.pages.text(language, "not_found")
        return web.pages.notice(language, "not_found_title", text, status=404)
    if exc.status_code == 405:
        return PlainTextResponse("method not allowed", 405, headers=exc.headers)
    return PlainTextResponse(exc.detail, exc.status_code, headers=exc.headers)
