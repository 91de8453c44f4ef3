"""Running the application on uvicorn, the production ASGI server: `newsletter serve`."""

from __future__ import annotations

import datetime as dt
import errno
import logging
import socket
from collections.abc import Callable

import uvicorn

from newsletter.config import Config, urls
from newsletter.core import NewsletterError, display_path
from newsletter.delivery import transport_for
from newsletter.subscribers import Store

from .app import archive_folder, make_app
from .context import utcnow

log = logging.getLogger("newsletter.web")


def check_can_serve(config: Config) -> list[str]:
    """What must hold before serving (NewsletterError), and what is worth a warning."""
    transport = transport_for(config)
    if transport.needs_secret_key:
        problem = config.secret_key_problem(
            "serving the subscriber pages",
            "it checks the unsubscribe links, which `send` signs with the same key",
        )
        if problem:
            raise NewsletterError(problem)
    weak = config.secret_key_weakness() if transport.needs_secret_key else None
    warnings = [weak] if weak else []
    if not config.secret_key:
        warnings.append(
            "NEWSLETTER_SECRET_KEY is not set: links are checked with the development key, "
            "which anyone can forge; serve like this on your own machine only"
        )
    folder = archive_folder(config)
    if folder is not None and not (folder / "index.html").is_file():
        warnings.append(
            f"{display_path(folder)}/ has no archive yet: run `newsletter archive`; until then "
            "only the subscriber pages are served"
        )
    return warnings


def listen(host: str, port: int) -> socket.socket:
    """A listening socket, or an error a person can act on (the port is taken...)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise NewsletterError(f"port {port} is in use; pass --port N") from None
        raise NewsletterError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def make_server(
    config: Config,
    store: Store,
    sock: socket.socket,
    clock: Callable[[], dt.datetime] = utcnow,
) -> uvicorn.Server:
    """uvicorn on `sock`; run it with `.run(sockets=[sock])`, stop it with `.should_exit`."""
    host, port = sock.getsockname()[:2]
    settings = uvicorn.Config(
        make_app(config, store, clock),
        host=host,
        port=port,
        proxy_headers=False,  # the app trusts only the configured proxies (trusted_proxies)
        server_header=False,
        access_log=False,  # the paths hold personal tokens; the app logs what it does
        log_config=None,
        timeout_graceful_shutdown=10,
    )
    return uvicorn.Server(settings)


def describe(config: Config, sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    what = "the subscriber pages" + (" and the archive" if archive_folder(config) else "")
    return (
        f"serving {what} on http://{shown}:{port}{urls.root_path(config)} "
        f"(public address {urls.root(config)}); Ctrl-C stops"
    )
