"""The form's guards on their own: the CSRF pair and the hourly rate limit."""

from __future__ import annotations

from newsletter.web.guard import Csrf, RateLimit


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_rate_limit_counts_the_last_hour_per_key():
    clock = Clock()
    limit = RateLimit(3, clock)
    assert [limit.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limit.allow("b")  # another key has its own count
    clock.now += 3599
    assert not limit.allow("a")
    clock.now += 2  # an hour after the first three
    assert [limit.allow("a") for _ in range(4)] == [True, True, True, False]


def test_refused_requests_do_not_prolong_the_wait():
    clock = Clock()
    limit = RateLimit(1, clock)
    assert limit.allow("a")
    for _ in range(100):
        clock.now += 30
        limit.allow("a")
    clock.now = 1000.0 + 3601
    assert limit.allow("a")


def test_idle_keys_are_forgotten():
    clock = Clock()
    limit = RateLimit(1, clock)
    for n in range(100):
        limit.allow(f"10.0.0.{n}")
    clock.now += 7200
    limit.allow("later")
    assert list(limit._events) == ["later"]


def test_a_csrf_token_belongs_to_its_cookie_and_key():
    csrf = Csrf("key")
    cookie = csrf.new_cookie()
    assert csrf.valid(cookie, csrf.token(cookie))
    assert not csrf.valid(csrf.new_cookie(), csrf.token(cookie))
    assert not csrf.valid(cookie, Csrf("another key").token(cookie))
    assert not csrf.valid(None, csrf.token(cookie))
    assert not csrf.valid(cookie, "")
