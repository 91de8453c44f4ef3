"""Questions about subscribers: lapsing consent, counts, lists, and an export import reads back."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import sqlalchemy as sa

from newsletter.db import subscriber_history, subscribers
from newsletter.subscribers import (
    Consent,
    Defaults,
    counts,
    deliverable,
    expired,
    expiring,
    export_csv,
    import_list,
    list_subscribers,
)
from tests.subscribers.helpers import NOW, change

DAY = dt.timedelta(days=1)


def implied_lapsing_in(days: int) -> Consent:
    """Implied consent given so that it lapses `days` after NOW (two years after it)."""
    return Consent("implied", NOW.replace(year=NOW.year - 2) + days * DAY, "business card")


def exported(store) -> str:
    buffer = io.StringIO()
    export_csv(store, buffer)
    return buffer.getvalue()


def test_expiring_lists_implied_consent_lapsing_within_the_days_soonest_first(store):
    store.add("in20@example.org", implied_lapsing_in(20), change())
    store.add("in5@example.org", implied_lapsing_in(5), change())
    store.add("in40@example.org", implied_lapsing_in(40), change())
    store.add("lapsed@example.org", implied_lapsing_in(-1), change())
    store.add("express@example.org", Consent("express", NOW - 800 * DAY, "form"), change())
    store.add("left@example.org", implied_lapsing_in(3), change())
    store.set_status("left@example.org", "unsubscribed", change())
    assert [s.email for s in expiring(store, NOW, 30)] == ["in5@example.org", "in20@example.org"]
    assert [s.email for s in expiring(store, NOW, 40)][-1] == "in40@example.org"
    assert [s.email for s in expired(store, NOW)] == ["lapsed@example.org"]


def test_expiring_counts_days_where_the_newsletter_is_zero_meaning_today(store):
    hour = dt.timedelta(hours=1)  # NOW is noon in Toronto; consent lapses after two years
    two_years_ago = NOW.replace(year=NOW.year - 2)
    store.add("tonight@example.org", Consent("implied", two_years_ago + 11 * hour, "c"), change())
    store.add("tomorrow@example.org", Consent("implied", two_years_ago + 13 * hour, "c"), change())
    store.add("lapsed@example.org", implied_lapsing_in(0), change())
    assert [s.email for s in expiring(store, NOW, 0)] == ["tonight@example.org"]
    assert [s.email for s in expiring(store, NOW, 1)] == [
        "tonight@example.org",
        "tomorrow@example.org",
    ]


def test_deliverable_leaves_out_lapsed_consent(store):
    store.add("ok@example.org", implied_lapsing_in(1), change())
    store.add("lapsed@example.org", implied_lapsing_in(0), change())
    assert [s.email for s in deliverable(store, NOW)] == ["ok@example.org"]
    assert deliverable(store, NOW, "ja") == []


def test_counts_by_status_and_language_and_how_many_may_be_mailed(store):
    store.add("a@example.org", implied_lapsing_in(10), change(), language="en")
    store.add("b@example.org", implied_lapsing_in(-10), change(), language="ja")
    store.add("c@example.org", implied_lapsing_in(10), change(), language="ja")
    store.set_status("c@example.org", "bounced", change())
    table, mailable = counts(store, NOW)
    assert table == Counter({("active", "en"): 1, ("active", "ja"): 1, ("bounced", "ja"): 1})
    assert mailable == 1


def test_list_filters_by_status_and_language(store):
    store.add("a@example.org", implied_lapsing_in(10), change(), language="en")
    store.add("b@example.org", implied_lapsing_in(10), change(), language="ja")
    store.set_status("b@example.org", "unsubscribed", change())
    assert [s.email for s in list_subscribers(store)] == ["a@example.org", "b@example.org"]
    assert [s.email for s in list_subscribers(store, status="unsubscribed")] == ["b@example.org"]
    assert [s.email for s in list_subscribers(store, language="en")] == ["a@example.org"]


def test_export_round_trips_through_import(store, sample_project, tmp_path):
    def run(path):
        return import_list(store, path, path.name, defaults=Defaults(), actor="t", now=NOW)

    run(sample_project / "subscribers" / "sample.csv")
    store.add(
        "山田@例え.jp", Consent("express", NOW - DAY * 3 / 7, 'said "yes", twice'), change(), "山田"
    )
    store.set_status("rob.macdonald@example.org", "unsubscribed", change())
    first = exported(store)
    (tmp_path / "export.csv").write_text(first, encoding="utf-8")

    again = run(tmp_path / "export.csv")
    count = len(first.splitlines()) - 1
    assert again.summary() == f"export.csv: 0 added, 0 updated, {count} unchanged; nothing changed"

    with store.engine.begin() as connection:  # an empty database, for the test only
        connection.execute(sa.delete(subscriber_history))
        connection.execute(sa.delete(subscribers))
    assert run(tmp_path / "export.csv").added == count
    assert exported(store) == first
    assert first.splitlines()[0] == (
        "email,name,language,status,consent,consented_at,source,organisation"
    )
    assert (
        '山田@例え.jp,山田,en,active,express,2026-01-15T01:42:51-05:00,"said ""yes"", twice",'
        in first
    )
