"""The lease: one scheduler of several holds it; another takes it only once it has expired
or was released. Times are given, not waited for."""

from __future__ import annotations

import datetime as dt

from newsletter.schedule.lease import Lease, active_scheduler

NOW = dt.datetime(2027, 2, 15, 14, 0, tzinfo=dt.UTC)


def later(seconds: float) -> dt.datetime:
    return NOW + dt.timedelta(seconds=seconds)


def test_one_holder_at_a_time_and_the_other_takes_over_once_it_expires(store):
    first, second = Lease(store, "a:1:x", 30), Lease(store, "b:2:y", 30)
    assert first.hold(NOW) and not second.hold(later(1))
    assert first.hold(later(20))  # renewed: runs to 50 s now
    assert not second.hold(later(45))
    assert second.hold(later(51))  # expired: taken over
    assert not first.hold(later(52))  # the old holder has lost it and must stand by
    assert second.current().name == "b:2:y"


def test_a_released_lease_is_taken_at_once_and_nobody_is_active_meanwhile(store):
    first, second = Lease(store, "a:1:x", 30), Lease(store, "b:2:y", 30)
    assert first.hold(NOW)
    assert active_scheduler(store, later(1)).name == "a:1:x"
    first.release()
    assert active_scheduler(store, later(2)) is None
    assert second.hold(later(2))
