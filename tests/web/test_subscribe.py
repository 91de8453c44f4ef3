"""Subscribing on the web form: double opt-in, and the form's defences (CSRF token, honeypot,
rate limits), against the real server and a real SMTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import concurrent.futures
import datetime as dt

import pytest
import sqlalchemy as sa

from newsletter.db import confirmations, subscriber_history, subscribers
from newsletter.subscribers import Change, Consent, Store, history

from .conftest import csrf_of, link_in, main_text

CHECK_INBOX = (
    "Check your inbox If {email} can receive mail, a message with a link to confirm your "
    "subscription is on its way. The link works for 7 days; until you confirm, nothing else "
    "is sent to you."
)
CONFIRM_INVALID = (
    "This link does not work A confirmation link works once, for a few days. This one has been "
    "used, has expired, or was cut short. You can ask for a new one. Subscribe again"
)


def pending_requests(store: Store) -> list[str]:
    """The addresses of the confirmation rows not confirmed yet, sorted."""
    query = sa.select(confirmations.c.email).where(confirmations.c.confirmed_at.is_(None))
    with store.reading() as connection:
        return sorted(connection.scalars(query))


def the_list(store: Store) -> tuple[list, list]:
    """Every subscriber row and every history row, as stored."""
    with store.reading() as connection:
        return tuple(
            list(connection.execute(sa.select(table).order_by(table.c.id)))
            for table in (subscribers, subscriber_history)
        )


def add_member(store: Store, email: str = "member@example.org") -> None:
    now = dt.datetime.now(dt.UTC)
    consent = Consent("express", now - dt.timedelta(days=30), "test")
    store.add(email, consent, Change("test", "tester", now))


def ask(client, email: str, name: str = "", language: str = "en", **extra):
    form_page = client.get("subscribe/")
    assert form_page.status_code == 200
    data = {"csrf": csrf_of(form_page.text), "email": email, "name": name, "language": language}
    return client.post("subscribe/", data={**data, **extra})


def test_the_form_sends_a_confirmation_and_only_its_post_subscribes(served):
    with served.client() as client:
        answer = ask(client, "ada@example.org", "Ada Lovelace")
        assert answer.status_code == 200
        assert main_text(answer.text) == CHECK_INBOX.format(email="ada@example.org")
        (message,) = served.messages()
        assert message["To"] == "Ada Lovelace <ada@example.org>"
        assert (
            message["Subject"]
            == "Confirm your subscription to Japan Science and Technology Newsletter"
        )
        assert message["From"].addresses[0].addr_spec == "science@newsletter.example.org"
        assert served.store.get("ada@example.org") is None
        link = link_in(message, "subscribe/confirm/")
        shown = client.get(link)  # what a mail scanner does: nothing happens
        assert shown.status_code == 200
        assert "a***@e***.org" in main_text(shown.text)
        assert served.store.get("ada@example.org") is None
        confirmed = client.post(link)
    assert confirmed.status_code == 200
    assert main_text(confirmed.text) == (
        "You are subscribed Thank you. Japan Science and Technology Newsletter will come to "
        "a***@e***.org."
    )
    subscriber, changes = history(served.store, "ada@example.org")
    assert (subscriber.status, subscriber.name, subscriber.language) == (
        "active",
        "Ada Lovelace",
        "en",
    )
    assert (subscriber.consent.kind, subscriber.consent.source) == ("express", "web form")
    (change,) = changes
    assert change.via == "web form (asked from 127.0.0.1, confirmed from 127.0.0.1)"
    assert change.actor == "subscriber"
    assert change.consented_at <= change.changed_at  # asked, then confirmed


def test_a_japanese_subscriber_gets_japanese_pages_and_message(served):
    with served.client(headers={"Accept-Language": "ja,en;q=0.5"}) as client:
        answer = ask(client, "hanako@example.jp", "山田花子", "ja")
        assert main_text(answer.text).startswith("メールをご確認ください")
        (message,) = served.messages()
        assert message["Subject"] == "日本科学技術ニュースレターの購読のご確認"
        assert message["Content-Language"] == "ja"
        assert "次のリンクを開き" in message.get_content()
        confirmed = client.post(link_in(message, "subscribe/confirm/"))
    assert main_text(confirmed.text) == (
        "購読の登録が完了しました ありがとうございます。h***@e***.jp に日本科学技術ニュースレターをお届けします。"
    )
    assert served.store.get("hanako@example.jp").language == "ja"


def test_a_confirmation_link_works_once(served):
    with served.client() as client:
        ask(client, "once@example.org")
        link = link_in(served.messages()[0], "subscribe/confirm/")
        assert client.post(link).status_code == 200
        again = client.post(link)
        shown_again = client.get(link)
    assert again.status_code == 404
    assert main_text(again.text) == CONFIRM_INVALID
    assert shown_again.status_code == 404
    _, changes = history(served.store, "once@example.org")
    assert len(changes) == 1


def test_of_simultaneous_confirmations_one_wins(served):
    with served.client() as client:
        ask(client, "twice@example.org")
    link = link_in(served.messages()[0], "subscribe/confirm/")

    def click(_) -> int:
        with served.client() as client:
            return client.post(link).status_code

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        answers = sorted(pool.map(click, range(6)))
    assert answers == [200] + [404] * 5
    _, changes = history(served.store, "twice@example.org")
    assert len(changes) == 1


@pytest.mark.parametrize(
    ("web_settings", "later", "works"),
    [
        ({}, dt.timedelta(days=6, hours=23), True),
        ({}, dt.timedelta(days=7, minutes=1), False),
        ({"NEWSLETTER_WEB_CONFIRM_DAYS": "1"}, dt.timedelta(hours=25), False),
    ],
    ids=["within-7-days", "after-7-days", "after-the-configured-1-day"],
)
def test_a_confirmation_link_expires(served, later, works):
    with served.client() as client:
        ask(client, "late@example.org")
        served.clock.offset = later
        answer = client.post(link_in(served.messages()[0], "subscribe/confirm/"))
    assert answer.status_code == (200 if works else 404)
    assert (served.store.get("late@example.org") is not None) == works


def test_a_forged_confirmation_link_changes_nothing(served):
    with served.client() as client:
        ask(client, "real@example.org")
        link = link_in(served.messages()[0], "subscribe/confirm/")
        forged = link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB")
        answer = client.post(forged)
    assert answer.status_code == 404
    assert main_text(answer.text) == CONFIRM_INVALID
    assert served.store.get("real@example.org") is None


def test_without_the_csrf_token_nothing_happens(served):
    with served.client() as client:
        client.get("subscribe/")
        missing = client.post("subscribe/", data={"email": "csrf@example.org", "language": "en"})
        wrong = client.post(
            "subscribe/", data={"csrf": "0" * 64, "email": "csrf@example.org", "language": "en"}
        )
    with served.client() as stranger:  # the token of another browser's cookie
        token = csrf_of(served.client().get("subscribe/").text)
        other = stranger.post(
            "subscribe/", data={"csrf": token, "email": "csrf@example.org", "language": "en"}
        )
    for answer in (missing, wrong, other):
        assert answer.status_code == 403
        assert "This form had expired. Please send it again." in main_text(answer.text)
        assert 'value="csrf@example.org"' in answer.text  # what they typed is kept
    assert served.messages() == []


def test_a_filled_honeypot_gets_the_same_page_and_nothing_happens(served):
    add_member(served.store)
    before = the_list(served.store)
    with served.client() as client:
        answer = ask(client, "robot@example.org", website="https://spam.example/")
    assert answer.status_code == 200
    assert main_text(answer.text) == CHECK_INBOX.format(email="robot@example.org")
    assert served.messages() == []
    assert pending_requests(served.store) == []
    assert the_list(served.store) == before


def test_fifty_requests_from_one_address_are_cut_off_after_ten(served):
    add_member(served.store)
    before = the_list(served.store)
    with served.client() as client:
        answers = [ask(client, f"flood{n}@example.org").status_code for n in range(50)]
        refused = ask(client, "flood-last@example.org")
    assert answers == [200] * 10 + [429] * 40
    assert main_text(refused.text) == (
        "Too many requests Too many subscription requests have come from your network in the "
        "last hour. Please try again later."
    )
    mailed = sorted(m["To"].addresses[0].addr_spec for m in served.messages())
    assert mailed == sorted(f"flood{n}@example.org" for n in range(10))
    assert pending_requests(served.store) == mailed  # one request recorded per message
    assert the_list(served.store) == before  # asked, not subscribed


def test_requests_for_one_address_send_three_messages_and_the_same_page(served):
    limit = served.config.settings.web.subscribe_per_address
    assert limit == 3  # the default, under the default 10 an hour from one IP address
    with served.client() as client:
        answers = [ask(client, "target@example.org") for _ in range(limit + 3)]
    assert {(a.status_code, main_text(a.text)) for a in answers} == {
        (200, CHECK_INBOX.format(email="target@example.org"))
    }
    assert [m["To"].addresses[0].addr_spec for m in served.messages()] == [
        "target@example.org"
    ] * limit
    assert pending_requests(served.store) == ["target@example.org"] * limit


def test_the_forwarded_address_is_ignored_without_a_trusted_proxy(served):
    with served.client() as client:
        for n in range(11):
            form_page = client.get("subscribe/")
            answer = client.post(
                "subscribe/",
                data={"csrf": csrf_of(form_page.text), "email": f"spoof{n}@example.org"},
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            )
    assert answer.status_code == 429  # all eleven counted for 127.0.0.1
    link = link_in(served.messages()[0], "subscribe/confirm/")
    with served.client() as client:
        client.post(link, headers={"X-Forwarded-For": "198.51.100.99"})
    _, changes = history(served.store, "spoof0@example.org")
    assert changes[0].via == "web form (asked from 127.0.0.1, confirmed from 127.0.0.1)"


@pytest.mark.parametrize("web_settings", [{"NEWSLETTER_WEB_TRUSTED_PROXIES": "127.0.0.1"}])
def test_behind_a_trusted_proxy_the_client_address_is_its_header(served):
    with served.client() as client:
        for n in range(5):  # one address from five clients: three messages, the same page
            form_page = client.get("subscribe/")
            answer = client.post(
                "subscribe/",
                data={"csrf": csrf_of(form_page.text), "email": "target@example.org"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            )
            assert answer.status_code == 200
            assert main_text(answer.text) == CHECK_INBOX.format(email="target@example.org")
        assert len(served.messages()) == 3
        link = link_in(served.messages()[0], "subscribe/confirm/")
        client.post(link, headers={"X-Forwarded-For": "203.0.113.77"})
    _, changes = history(served.store, "target@example.org")
    assert changes[0].via == "web form (asked from 203.0.113.0, confirmed from 203.0.113.77)"


def test_the_page_reveals_nothing_about_who_is_on_the_list(served):
    now = dt.datetime.now(dt.UTC)
    consent = Consent("express", now - dt.timedelta(days=30), "test")
    served.store.add("member@example.org", consent, Change("test", "tester", now))
    served.store.add("leaver@example.org", consent, Change("test", "tester", now))
    served.store.set_status("leaver@example.org", "unsubscribed", Change("t", "tester", now))
    texts = []
    with served.client() as client:
        for email in ("new@example.org", "member@example.org", "leaver@example.org"):
            answer = ask(client, email)
            assert answer.status_code == 200
            texts.append(main_text(answer.text).replace(email, "EMAIL"))
    assert len(set(texts)) == 1
    assert len(served.messages()) == 3  # each gets the same confirmation message


def test_someone_who_unsubscribed_can_come_back_with_a_new_express_consent(served):
    now = dt.datetime.now(dt.UTC)
    consent = Consent("implied", now - dt.timedelta(days=30), "business card")
    served.store.add("back@example.org", consent, Change("test", "tester", now))
    served.store.set_status("back@example.org", "unsubscribed", Change("t", "tester", now))
    with served.client() as client:
        ask(client, "back@example.org")
        client.post(link_in(served.messages()[0], "subscribe/confirm/"))
    subscriber, changes = history(served.store, "back@example.org")
    assert subscriber.status == "active" and subscriber.consent.kind == "express"
    unsubscribed, resubscribed = changes[-2:]
    assert (unsubscribed.status, resubscribed.change) == ("unsubscribed", "resubscribed")
    # The new consent is the one given on the form, after leaving: not the old one revived.
    assert subscriber.consent.source == "web form"
    assert subscriber.consent.at == resubscribed.consented_at > unsubscribed.changed_at


def test_a_forgotten_person_can_subscribe_again_themselves(served):
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    consent = Consent("express", now - dt.timedelta(days=30), "test")
    served.store.add("gone@example.org", consent, Change("test", "tester", now))
    served.store.forget("gone@example.org", Change("test", "tester", now))
    with served.client() as client:
        ask(client, "gone@example.org")
        client.post(link_in(served.messages()[0], "subscribe/confirm/"))
    assert served.store.get("gone@example.org").status == "active"


def test_an_address_that_cannot_receive_mail_gets_the_form_again(served):
    with served.client() as client:
        answer = ask(client, "not an address", "Someone")
    assert answer.status_code == 400
    assert "This is not an email address that can receive mail. Please check it." in main_text(
        answer.text
    )
    assert 'value="Someone"' in answer.text
    assert served.messages() == []


def test_when_the_mail_server_is_down_the_page_says_to_try_later(served):
    served.smtp.stop()
    with served.client() as client:
        answer = ask(client, "down@example.org")
    assert answer.status_code == 503
    assert main_text(answer.text) == (
        "Please try again later This could not be done just now. Please try again in a few minutes."
    )
