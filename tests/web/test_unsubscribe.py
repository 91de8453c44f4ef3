"""Unsubscribing from a message's own link, one-click (RFC 8058) or from the page, and the
preferences page: against the real server, with links taken from really sent messages."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from newsletter.config import urls
from newsletter.delivery import PREFERENCES, UNSUBSCRIBE, Personal, Signer
from newsletter.subscribers import Change, history
from tests.delivery.conftest import SECRET, add_subscriber
from tests.delivery.test_send import run_send

from .conftest import link_in, main_text

SAVED_AT = dt.datetime(2026, 3, 2, 14, 30, tzinfo=dt.UTC)
LINK_INVALID = (
    "This link does not work This link may have been cut short or changed. Please use the link "
    "in the latest issue you received, or contact us."
)


def sent_links(served) -> dict[str, str]:
    """Each recipient's List-Unsubscribe URL, from the messages the SMTP server received."""
    links = {}
    for message in served.messages():
        header = message["List-Unsubscribe"]
        links[message["To"].addresses[0].addr_spec] = header.split(",")[0].strip(" <>")
    return links


@pytest.fixture
def two_sent(served):
    add_subscriber(served.store, "ann@example.org", "Ann")
    add_subscriber(served.store, "bob@example.org", "Bob", "ja")
    run_send(served.store)
    return sent_links(served)


@pytest.mark.parametrize("encoding", ["form-urlencoded", "multipart"])
def test_one_click_post_to_the_header_url_unsubscribes_and_a_get_does_not(
    served, two_sent, encoding
):
    link = two_sent["ann@example.org"]
    with served.client() as client:
        shown = client.get(link)
        assert shown.status_code == 200
        assert main_text(shown.text).startswith(
            "Unsubscribe Stop sending Japan Science and Technology Newsletter to a***@e***.org?"
        )
        assert served.store.get("ann@example.org").status == "active"
        body = {"List-Unsubscribe": "One-Click"}
        if encoding == "multipart":
            answer = client.post(link, files={"List-Unsubscribe": (None, "One-Click")})
            assert answer.request.headers["content-type"].startswith("multipart/form-data")
        else:
            answer = client.post(link, data=body)
            assert answer.request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert answer.status_code == 200
    assert main_text(answer.text).startswith(
        "You are unsubscribed a***@e***.org will receive no more issues of Japan Science and "
        "Technology Newsletter."
    )
    subscriber, changes = history(served.store, "ann@example.org")
    assert subscriber.status == "unsubscribed"
    assert changes[-1].via.startswith(
        "one-click unsubscribe (List-Unsubscribe-Post), link of send "
    )
    assert changes[-1].actor == "subscriber"
    assert served.store.get("bob@example.org").status == "active"


def test_the_pages_button_unsubscribes_once_and_a_second_time_is_harmless(served, two_sent):
    link = two_sent["bob@example.org"]
    with served.client() as client:
        first = client.post(link, data={"page": "1"})
        second = client.post(link, data={"List-Unsubscribe": "One-Click"})
    assert first.status_code == second.status_code == 200
    assert main_text(second.text).startswith("配信を停止しました")  # Bob reads Japanese
    _, changes = history(served.store, "bob@example.org")
    assert [c.change for c in changes] == ["status"]  # one change, not two
    assert changes[-1].via.startswith("unsubscribe page, link of send ")


def test_a_link_still_works_long_after_the_send(served, two_sent):
    # The tokens carry no expiry (tests/delivery/test_tokens.py); the server's clock says
    # when the link was used, and the history records that moment.
    later = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=400)
    served.clock.stopped = later
    with served.client() as client:
        answer = client.post(two_sent["ann@example.org"], data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    subscriber, changes = history(served.store, "ann@example.org")
    assert (subscriber.status, subscriber.status_changed_at) == ("unsubscribed", later)
    assert (changes[-1].status, changes[-1].changed_at) == ("unsubscribed", later)
    assert changes[-1].via.startswith("one-click unsubscribe (List-Unsubscribe-Post)")


def test_forged_altered_and_foreign_tokens_change_nothing(served, two_sent):
    link = two_sent["ann@example.org"]
    token = link.rsplit("/", 1)[1]
    signer = Signer([SECRET])
    ann = signer.check(UNSUBSCRIBE, token)
    forged = [
        link[:-3] + ("xyz" if not link.endswith("xyz") else "abc"),  # altered signature
        urls.unsubscribe_url(served.config, Signer(["another key"]).token(UNSUBSCRIBE, ann)),
        urls.unsubscribe_url(served.config, signer.token(PREFERENCES, ann)),  # other purpose
        urls.unsubscribe_url(served.config, signer.token(UNSUBSCRIBE, Personal(0, 0))),
        urls.unsubscribe_url(served.config, signer.token(UNSUBSCRIBE, Personal(999, 1))),
        urls.unsubscribe_url(served.config, "not-a-token"),
    ]
    with served.client() as client:
        for url in forged:
            for answer in (
                client.get(url),
                client.post(url, data={"List-Unsubscribe": "One-Click"}),
            ):
                assert answer.status_code == 404, url
                assert main_text(answer.text) == LINK_INVALID
    assert {served.store.get(a).status for a in ("ann@example.org", "bob@example.org")} == {
        "active"
    }


def test_a_forgotten_persons_link_reveals_nothing_and_changes_nothing(served, two_sent):
    served.store.forget("ann@example.org", Change("test", "tester", dt.datetime.now(dt.UTC)))
    with served.client() as client:
        shown = client.get(two_sent["ann@example.org"])
        posted = client.post(two_sent["ann@example.org"], data={"List-Unsubscribe": "One-Click"})
    for answer in (shown, posted):
        assert answer.status_code == 404
        assert main_text(answer.text) == LINK_INVALID
        assert "ann" not in answer.text
    assert served.store.get("ann@example.org") is None


def test_the_preview_link_unsubscribes_nobody(served):
    with served.client() as client:
        answer = client.post(urls.preview_url(served.config, urls.UNSUBSCRIBE))
    assert answer.status_code == 200
    assert main_text(answer.text) == (
        "Unsubscribe This is the unsubscribe link of a preview message: it unsubscribes nobody."
    )


def test_the_preview_messages_preferences_link_shows_the_page_and_saves_nothing(served):
    link = urls.preview_url(served.config, urls.PREFERENCES)
    with served.client() as client:
        shown = client.get(link)
        saved = client.post(link, data={"name": "Someone Else", "language": "ja"})
    for answer in (shown, saved):
        assert answer.status_code == 200
        assert main_text(answer.text).startswith(
            "Your preferences How Japan Science and Technology Newsletter comes to s***@e***.org."
        )
        assert 'value="Subscriber Name"' in answer.text
        assert urls.preview_url(served.config, urls.UNSUBSCRIBE).replace("&", "&amp;") in (
            answer.text
        )
    assert "Your preferences have been saved." not in main_text(saved.text)


def test_a_get_of_the_preferences_page_changes_nothing(served, two_sent):
    link = preferences_link(served, two_sent["ann@example.org"])
    before = history(served.store, "ann@example.org")
    with served.client() as client:
        shown = client.get(link + "?lang=ja&name=Mallory&language=ja")  # a scanner's guesses
    assert shown.status_code == 200
    assert history(served.store, "ann@example.org") == before


def preferences_link(served, unsubscribe_link: str) -> str:
    """The preferences link of the same recipient as this unsubscribe link."""
    who = Signer([SECRET]).check(UNSUBSCRIBE, unsubscribe_link.rsplit("/", 1)[1])
    return urls.preferences_url(served.config, Signer([SECRET]).token(PREFERENCES, who))


def test_preferences_change_the_language_and_name(served, two_sent):
    link = preferences_link(served, two_sent["ann@example.org"])
    with served.client() as client:
        shown = client.get(link)
        assert shown.status_code == 200
        assert 'value="Ann"' in shown.text
        saved = client.post(link, data={"name": "Ann Smith", "language": "ja"})
        bad = client.post(link, data={"name": "Ann\nSmith", "language": "en"})
    assert saved.status_code == 200
    assert "配信設定を保存しました。" in main_text(saved.text)  # now in her new language
    subscriber = served.store.get("ann@example.org")
    assert (subscriber.name, subscriber.language, subscriber.status) == (
        "Ann Smith",
        "ja",
        "active",
    )
    assert bad.status_code == 400
    assert "The name must be one line of text." in main_text(bad.text)  # in the language asked
    assert served.store.get("ann@example.org").name == "Ann Smith"


def changes_of(served, email) -> list[tuple]:
    """Their history as `subscribers show` reads it: when, what, the state after, how, who."""
    _, rows = history(served.store, email)
    return [(r.changed_at, r.change, r.status, r.via, r.actor, r.detail) for r in rows]


def test_a_change_of_preferences_is_recorded_with_what_it_changed(served, two_sent):
    link = preferences_link(served, two_sent["ann@example.org"])
    send_id = Signer([SECRET]).check(PREFERENCES, link.rsplit("/", 1)[1]).send_id
    served.clock.stopped = SAVED_AT
    with served.client() as client:
        client.post(link, data={"name": "Ann Smith", "language": "ja"})
        served.clock.stopped = SAVED_AT + dt.timedelta(days=1)
        client.post(link, data={"name": "Ann Smith", "language": "en"})
    via = f"preferences page, link of send {send_id}"
    assert changes_of(served, "ann@example.org") == [
        (SAVED_AT, "preferences", "active", via, "subscriber",
         "name: 'Ann' -> 'Ann Smith'; language: en -> ja"),
        (SAVED_AT + dt.timedelta(days=1), "preferences", "active", via, "subscriber",
         "language: ja -> en"),
    ]  # fmt: skip


def test_a_save_that_changes_nothing_records_nothing(served, two_sent):
    link = preferences_link(served, two_sent["ann@example.org"])
    with served.client() as client:
        same = client.post(link, data={"name": " Ann ", "language": "en"})  # spaces trimmed
        unknown = client.post(link, data={"name": "Ann", "language": "xx"})  # keeps hers
        bad = client.post(link, data={"name": "Ann\nSmith", "language": "ja"})
    assert (same.status_code, unknown.status_code, bad.status_code) == (200, 200, 400)
    assert "Your preferences have been saved." in main_text(same.text)
    assert changes_of(served, "ann@example.org") == []
    subscriber = served.store.get("ann@example.org")
    assert (subscriber.name, subscriber.language) == ("Ann", "en")


def test_an_unsubscribed_persons_change_is_recorded_with_their_status(served, two_sent):
    with served.client() as client:
        client.post(two_sent["bob@example.org"])
        client.post(
            preferences_link(served, two_sent["bob@example.org"]),
            data={"name": "", "language": "ja"},
        )
    changes = changes_of(served, "bob@example.org")
    assert [(change[1], change[2], change[5]) for change in changes] == [
        ("status", "unsubscribed", None),
        ("preferences", "unsubscribed", "name: 'Bob' -> ''"),
    ]


def test_a_name_is_escaped_on_the_page_and_in_the_history(served, two_sent):
    link = preferences_link(served, two_sent["ann@example.org"])
    name = '<b>Ann</b> "O\'Hara"\u202e'  # HTML, quotes, and a right-to-left override
    with served.client() as client:
        saved = client.post(link, data={"name": name, "language": "en"})
    assert 'value="&lt;b&gt;Ann&lt;/b&gt; &#34;O&#39;Hara&#34;\u202e"' in saved.text
    assert "<b>Ann</b>" not in saved.text
    (change,) = changes_of(served, "ann@example.org")
    assert change[5] == "name: 'Ann' -> '<b>Ann</b> \"O\\'Hara\"\\u202e'"


def test_each_message_carries_its_recipients_preferences_link(served, two_sent):
    by_address = {m["To"].addresses[0].addr_spec: m for m in served.messages()}
    link = link_in(by_address["bob@example.org"], "preferences/")
    assert link in by_address["bob@example.org"].get_body(("html",)).get_content()
    with served.client() as client:
        shown = client.get(link)
        as_unsubscribe = client.post(link.replace("/preferences/", "/unsubscribe/"))
    assert shown.status_code == 200
    assert 'value="Bob"' in shown.text and "b***@e***.org" in shown.text
    assert as_unsubscribe.status_code == 404  # a token is good for its own page only
    assert served.store.get("bob@example.org").status == "active"


def test_the_unsubscribe_page_leads_to_preferences_which_show_the_status(served, two_sent):
    link = two_sent["ann@example.org"]
    with served.client() as client:
        page = client.get(link).text
        preferences = re.search(r'href="([^"]*/preferences/[^"]*)"', page)[1]
        before = client.get(preferences)
        client.post(link)
        after = client.get(preferences)
    assert before.status_code == after.status_code == 200
    inactive = "You are not subscribed at the moment: nothing is sent to this address."
    assert inactive not in main_text(before.text)
    assert inactive in main_text(after.text)


def test_healthz_answers_ok(served):
    with served.client() as client:
        answer = client.get(
            urls.root(served.config).split(urls.root_path(served.config))[0] + "/healthz"
        )
    assert (answer.status_code, answer.text) == (200, "ok")


def test_an_unknown_page_is_a_404_page(served):
    with served.client() as client:
        answer = client.get("no/such/page")
    assert answer.status_code == 404
    assert main_text(answer.text) == "Page not found There is no page at this address."


def test_a_post_with_a_file_is_refused_and_changes_nothing(served, two_sent):
    with served.client() as client:
        answer = client.post(
            two_sent["ann@example.org"], files={"List-Unsubscribe": ("a.txt", b"One-Click")}
        )
    assert answer.status_code == 400
    assert served.store.get("ann@example.org").status == "active"
