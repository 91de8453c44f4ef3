"""What every page handler shares: the project, its store, the pages, the signing keys,
the form's guards and the clock."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request

from newsletter.config import Config
from newsletter.delivery import Signer
from newsletter.subscribers import Store

from .guard import Csrf, RateLimit
from .pages import Pages

log = logging.getLogger("newsletter.web")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Web:
    config: Config
    store: Store
    clock: Callable[[], dt.datetime] = utcnow
    pages: Pages = field(init=False)
    signer: Signer = field(init=False)
    csrf: Csrf = field(init=False)
    per_ip: RateLimit = field(init=False)
    per_address: RateLimit = field(init=False)

    def __post_init__(self) -> None:
        settings = self.config.settings.web
        self.pages = Pages(self.config)
        self.signer = Signer([self.config.secret_key])
        self.csrf = Csrf(self.signer.keys[0])
        self.per_ip = RateLimit(settings.subscribe_per_ip)
        self.per_address = RateLimit(settings.subscribe_per_address)

    async def call(self, function: Callable, *args):
        """Run a store operation (blocking) in a worker thread."""
        return await run_in_threadpool(function, *args)


async def read_form(request: Request) -> FormData:
    """The posted form, form-urlencoded or multipart (RFC 8058 allows both), no bigger than
    our forms are: a few short fields, no files (else 400)."""
    return await request.form(max_files=0, max_fields=20, max_part_size=64 * 1024)


def web_of(request: Request) -> Web:
    return request.app.state.web


def client_ip(request: Request) -> str:
    """The client's address: the connection's, or what a trusted proxy says it is (uvicorn's
    ProxyHeadersMiddleware has already put that in place when one is configured)."""
    return request.client.host if request.client else "unknown"
