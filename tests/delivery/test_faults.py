"""What the server does wrong: refusals for now and for good, a dropped connection, a slow
server, a server that goes away and comes back. Nobody is silently skipped: every
recipient ends in a state `status` shows."""

from __future__ import annotations

import threading
import time

from newsletter.db import BOUNCED

from .conftest import add_subscriber, add_subscribers
from .test_send import run_send


def test_temporary_refusals_end_sent_after_retries(store, smtp_server):
    addresses = add_subscribers(store, 20)
    smtp_server.faults.temporary = {
        addresses[1]: ["451 4.3.0 try again later"] * 2,
        addresses[2]: ["421 4.7.0 too busy, closing"],
        addresses[3]: ["452 4.2.2 mailbox full"],
    }
    report, _ = run_send(store, ["en"])
    assert report.counts["en"]["sent"] == 20
    assert set(smtp_server.received().values()) == {1}
    assert len(smtp_server.received()) == 20


def test_a_recipient_deferred_too_often_fails_with_the_last_reply(store, smtp_server):
    addresses = add_subscribers(store, 3)
    smtp_server.faults.temporary = {addresses[0]: ["451 4.3.0 try again later"] * 10}
    report, _ = run_send(store, ["en"])
    assert report.counts["en"] == {"sent": 2, "failed": 1}
    from newsletter import delivery

    (send,) = delivery.statuses(store, "2013-05")
    (line,) = delivery.recipients(store, send.id)
    assert (line.email, line.state, line.attempts) == (addresses[0], "failed", 5)
    assert line.reply == "gave up after 5 attempts; last reply: 451 4.3.0 try again later"


def test_permanent_refusals_fail_and_bounce_the_subscriber_per_policy(store, smtp_server):
    addresses = add_subscribers(store, 5)
    smtp_server.faults.permanent = {addresses[0]: "550 5.1.1 no such user"}
    report, _ = run_send(store, ["en"])
    assert report.counts["en"] == {"sent": 4, "failed": 1}
    assert report.bounced == []  # one refusal; the policy asks for two
    assert store.get(addresses[0]).status == "active"
    # The next issue is refused too: now the subscriber is bounced, with the reason.
    import datetime as dt

    from newsletter.delivery import ledger

    with store.transaction() as connection:  # a second send of another issue
        ledger.start_send(connection, "2013-08", "en", "next", dt.datetime.now(dt.UTC))
    _send_other(store, "2013-08")
    assert store.get(addresses[0]).status == BOUNCED


def _send_other(store, slug):
    from newsletter import delivery
    from newsletter.issues import find_issue
    from newsletter.render import Renderer

    config = store.config
    rendered = Renderer(config).render(find_issue(config, slug), ["en"])
    return delivery.send_issue(
        store,
        rendered,
        delivery.transport_for(config),
        delivery.options_for(config),
        threading.Event(),
        lambda state: None,
    )


def test_a_connection_dropped_during_the_data_leaves_that_message_uncertain(store, smtp_server):
    addresses = add_subscribers(store, 30)
    smtp_server.faults.drop_after_data = {addresses[7]}
    report, _ = run_send(store, ["en"])
    assert report.counts["en"] == {"sent": 29, "uncertain": 1}
    assert addresses[7] not in smtp_server.received()
    assert set(smtp_server.received().values()) == {1}


def test_a_slow_server_is_waited_for(store, smtp_server):
    add_subscribers(store, 12)
    smtp_server.faults.delay = 0.2
    report, _ = run_send(store, ["en"])
    assert report.counts["en"] == {"sent": 12}


def test_a_server_that_goes_away_and_comes_back(store, smtp_server):
    addresses = add_subscribers(store, 200)
    smtp_server.faults.delay = 0.005

    def restart():
        while len(smtp_server.recorder.messages) < 50:
            time.sleep(0.01)
        smtp_server.stop()
        time.sleep(1.5)
        smtp_server.start()

    outage = threading.Thread(target=restart)
    outage.start()
    report, _ = run_send(store, ["en"])
    outage.join()
    counts = report.counts["en"]
    received = smtp_server.received()
    assert set(received.values()) == {1}  # nobody twice
    assert counts["sent"] + counts["uncertain"] == 200  # nobody skipped
    assert counts["uncertain"] <= 4  # at most the messages in flight, one per connection
    assert set(addresses) - set(received) <= {line.email for line in _uncertain(store)}


def _uncertain(store):
    from newsletter import delivery

    (send,) = delivery.statuses(store, "2013-05")
    return [line for line in delivery.recipients(store, send.id) if line.state == "uncertain"]


def test_a_server_down_at_the_start_is_a_clear_error_and_nothing_is_recorded(store, smtp_server):
    import pytest

    from newsletter import delivery
    from newsletter.core import NewsletterError

    add_subscribers(store, 3)
    smtp_server.stop()
    with pytest.raises(NewsletterError) as error:
        run_send(store, ["en"])
    assert str(error.value) == (
        f"cannot connect to 127.0.0.1:{smtp_server.port}: connection refused (is the server "
        "running?); nothing was sent"
    )
    assert delivery.statuses(store) == []


def test_an_international_address_without_smtputf8_fails_with_the_reason(store, smtp_server):
    add_subscriber(store, "rené@exämple.ca", "René")
    add_subscribers(store, 2)
    smtp_server.stop()
    smtp_server.faults.smtputf8 = False
    smtp_server.start()
    report, _ = run_send(store, ["en"])
    assert report.counts["en"] == {"sent": 2, "failed": 1}
    (line,) = [line for line in _all_lines(store) if line.state == "failed"]
    assert line.email == "rené@exämple.ca"
    assert "no SMTPUTF8" in line.reply


def test_an_international_address_goes_with_smtputf8(store, smtp_server):
    add_subscriber(store, "rené@exämple.ca", "René")
    report, _ = run_send(store, ["en"])
    assert report.counts["en"] == {"sent": 1}
    assert list(smtp_server.received()) == ["rené@exämple.ca"]


def _all_lines(store):
    from newsletter import delivery

    (send,) = delivery.statuses(store, "2013-05")
    return delivery.recipients(store, send.id)
