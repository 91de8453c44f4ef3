"""Every eligible subscriber gets the issue exactly once, with the headers mail programs
and mailbox providers expect; a second run sends nothing."""

from __future__ import annotations

import threading
from email import policy
from email.parser import BytesParser

import pytest

from newsletter import delivery
from newsletter.config import urls
from newsletter.issues import find_issue
from newsletter.render import Renderer

from .conftest import SECRET, add_subscribers


def run_send(store, languages=None, **options):
    config = store.config
    issue = find_issue(config, "2013-05")
    rendered = Renderer(config).render(issue, languages)
    done: list[str] = []
    report = delivery.send_issue(
        store,
        rendered,
        delivery.transport_for(config),
        delivery.options_for(
            config, options.get("connections"), processes=options.get("processes")
        ),
        options.get("stop") or threading.Event(),
        lambda state: done.append(state) if state else None,
        options.get("retry_uncertain", False),
    )
    return report, done


def parse(data: bytes):
    return BytesParser(policy=policy.default).parsebytes(data)


def test_500_recipients_each_get_exactly_one_message(store, smtp_server):
    english = add_subscribers(store, 400, "en")
    japanese = add_subscribers(store, 100, "ja", start=400)
    report, _ = run_send(store)
    assert report.counts["en"]["sent"] == 400
    assert report.counts["ja"]["sent"] == 100
    received = smtp_server.received()
    assert set(received) == set(english + japanese)
    assert set(received.values()) == {1}


def test_a_second_run_sends_nothing(store, smtp_server):
    add_subscribers(store, 20)
    run_send(store)
    report, done = run_send(store)
    assert done == []
    assert report.counts["en"]["sent"] == 20
    assert len(smtp_server.recorder.messages) == 20


def test_each_message_has_the_headers_of_a_well_behaved_list(store, smtp_server):
    add_subscribers(store, 1, "en")
    add_subscribers(store, 1, "ja", start=1)
    run_send(store)
    for recipient, data in smtp_server.recorder.messages:
        message = parse(data)
        assert message["To"].addresses[0].addr_spec == recipient
        assert message["To"].addresses[0].display_name.startswith("Reader")
        assert message["From"].addresses[0].addr_spec == "science@newsletter.example.org"
        assert message["Reply-To"] and message["Date"] and message["Subject"]
        assert message["Message-ID"].endswith("@newsletter.example.org>")
        assert message["List-Id"].endswith("<science.newsletter.example.org>")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["MIME-Version"] == "1.0"
        assert message.get_content_type() == "multipart/alternative"
        text, html = message.get_payload()
        assert text.get_content_charset() == html.get_content_charset() == "utf-8"
        assert max(len(line) for line in data.split(b"\r\n")) <= 998
    japanese = parse(
        next(d for r, d in smtp_server.recorder.messages if r.endswith("01@example.org"))
    )
    assert "日本科学技術" in japanese["Subject"]
    assert b"=?utf-8?" in next(
        d for r, d in smtp_server.recorder.messages if r.endswith("01@example.org")
    )


def test_every_unsubscribe_link_is_personal_and_verifiable(store, smtp_server):
    addresses = add_subscribers(store, 30)
    run_send(store)
    signer = delivery.Signer([SECRET])
    prefix = urls.unsubscribe_url(store.config, "")
    ids = {}
    with store.reading() as connection:
        from newsletter.db import subscribers

        ids = dict(
            connection.execute(
                subscribers.select().with_only_columns(subscribers.c.email, subscribers.c.id)
            ).all()
        )
    for recipient, data in smtp_server.recorder.messages:
        message = parse(data)
        header = message["List-Unsubscribe"]
        link = header.strip("<>")
        assert link.startswith(prefix)
        who = signer.check(delivery.UNSUBSCRIBE, link.removeprefix(prefix))
        assert who.subscriber_id == ids[recipient]
        text = message.get_payload()[0].get_content()
        html = message.get_payload()[1].get_content()
        assert link in text and link in html
    assert len({parse(d)["List-Unsubscribe"] for _, d in smtp_server.recorder.messages}) == len(
        addresses
    )


def test_an_altered_or_forged_token_is_refused():
    signer = delivery.Signer([SECRET])
    token = signer.token(delivery.UNSUBSCRIBE, delivery.Personal(7, 3))
    assert signer.check(delivery.UNSUBSCRIBE, token) == delivery.Personal(7, 3)
    altered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    for bad in (altered, token[:-5], "", "x.y", token + "x"):
        with pytest.raises(delivery.InvalidToken):
            signer.check(delivery.UNSUBSCRIBE, bad)
    forged = delivery.Signer(["another key"]).token(delivery.UNSUBSCRIBE, delivery.Personal(7, 3))
    with pytest.raises(delivery.InvalidToken):
        signer.check(delivery.UNSUBSCRIBE, forged)
    with pytest.raises(delivery.InvalidToken):  # a token for another purpose
        signer.check(delivery.PREFERENCES, token)


def test_a_subscriber_who_left_after_the_snapshot_is_not_mailed(store, smtp_server):
    from newsletter.subscribers import Change

    addresses = add_subscribers(store, 10)
    import datetime as dt

    from newsletter.delivery.ledger import start_send  # the snapshot alone, no sending yet

    now = dt.datetime.now(dt.UTC)
    with store.transaction() as connection:
        start_send(connection, "2013-05", "en", "subject", now)
    store.set_status(addresses[3], "unsubscribed", Change("test", "tester", now))
    report, _ = run_send(store, ["en"])
    assert addresses[3] not in smtp_server.received()
    assert report.counts["en"]["skipped"] == 1
    assert report.counts["en"]["sent"] == 9


def test_lapsed_implied_consent_is_left_out_and_counted(store, smtp_server):
    import datetime as dt

    from newsletter.core import address_key
    from newsletter.subscribers import Consent, insert_subscribers, new_subscriber_values

    old = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
    card = Consent("implied", old, "business card")
    key = address_key("old@example.org")
    row = new_subscriber_values("old@example.org", key, "Old", "en", card, {}, old)
    with store.transaction() as connection:
        insert_subscribers(connection, [row])
    add_subscribers(store, 2)
    run_send(store, ["en"])
    assert "old@example.org" not in smtp_server.received()
    (status,) = delivery.statuses(store, "2013-05")
    assert (status.recipients, status.lapsed) == (2, 1)


def test_forget_erases_the_personal_parts_of_a_persons_ledger_rows(store, smtp_server):
    from newsletter.subscribers import Change

    addresses = add_subscribers(store, 3)
    run_send(store, ["en"])
    import datetime as dt

    store.forget(addresses[0], Change("subscribers forget", "tester", dt.datetime.now(dt.UTC)))
    (status,) = delivery.statuses(store, "2013-05")
    assert status.counts["sent"] == 3  # the counts stay
    import sqlalchemy as sa

    from newsletter.db import deliveries

    with store.reading() as connection:
        rows = connection.execute(sa.select(deliveries.c.email, deliveries.c.name)).all()
    assert sorted(rows)[0] == ("", "")
    assert not any(addresses[0] in str(row) for row in rows)
