"""The subscriber web pages: one-click unsubscribe, subscribe with double opt-in,
preferences, and the archive, served by `newsletter serve`."""

from .app import make_app
from .pages import accepted_language, mask
from .server import check_can_serve, describe, listen, make_server

__all__ = ["accepted_language", "check_can_serve", "describe", "listen", "make_app",
           "make_server", "mask"]  # fmt: skip
