"""Protection of the subscribe form: a CSRF token, a honeypot field, and rate limits.

The CSRF token is a double-submit pair: a random value in a cookie that only our pages can
read back (HttpOnly, SameSite=Strict), and in the form its HMAC under the project's secret
key, which another site can neither read nor make. The honeypot is a field people do not
see (hidden by the stylesheet) and robots fill in. The rate limits count requests in the last
hour in this process's memory: several processes each count their own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque

CSRF_COOKIE = "newsletter_csrf"
CSRF_FIELD = "csrf"
HONEYPOT_FIELD = "website"  # a name robots like to fill in
WINDOW = 3600.0  # seconds the rate limits look back


class Csrf:
    """Makes the form's token for a cookie value, and checks a submitted pair."""

    def __init__(self, key: str):
        self.key = key.encode()

    @staticmethod
    def new_cookie() -> str:
        return secrets.token_urlsafe(24)

    def token(self, cookie: str) -> str:
        return hmac.new(self.key, b"csrf:" + cookie.encode(), hashlib.sha256).hexdigest()

    def valid(self, cookie: str | None, token: str | None) -> bool:
        if not cookie or not token:
            return False
        return hmac.compare_digest(self.token(cookie), token)


class RateLimit:
    """At most `limit` events per key in the last hour (thread-safe, in memory)."""

    def __init__(self, limit: int, clock=time.monotonic):
        self.limit = limit
        self.clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    def allow(self, key: str) -> bool:
        """Count one event for `key`, or refuse it (uncounted) when the limit is reached."""
        now = self.clock()
        with self._lock:
            self._sweep(now)
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - WINDOW:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True

    def _sweep(self, now: float) -> None:
        """Forget keys with no event in the window, now and then, so memory stays bounded."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + WINDOW / 6
        for key in [k for k, events in self._events.items() if events[-1] <= now - WINDOW]:
            del self._events[key]
