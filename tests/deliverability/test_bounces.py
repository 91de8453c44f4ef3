"""`newsletter bounces process`: a corpus of reports (Postfix, Gmail, Microsoft and Exim
bounces, an ARF complaint, an auto-reply, a stray reply) read from an mbox and a Maildir:
statuses change as the policy says, a re-run counts nothing twice, auto-replies and unknown
messages are reported and change nothing; VERP names the subscriber of a mangled report."""

from __future__ import annotations

import mailbox
from email import message_from_bytes
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.deliverability import process_bounces
from newsletter.mail import return_path
from newsletter.subscribers import Store, history
from tests.delivery.conftest import add_subscribers

CORPUS = Path(__file__).parent / "corpus"


def corpus(*names: str) -> list[bytes]:
    return [(CORPUS / f"{name}.eml").read_bytes() for name in names]


EVERY_REPORT = (
    "postfix_5.1.1", "gmail_5.2.2", "microsoft_5.1.10", "exim_5.2.1", "postfix_delayed_4.4.1",
    "arf_abuse", "auto_reply", "unknown",
)  # fmt: skip


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    box = mailbox.mbox(path)
    for data in messages:
        box.add(data)
    box.close()
    return path


def write_maildir(path: Path, messages: list[bytes]) -> Path:
    box = mailbox.Maildir(path, create=True)
    for data in messages:
        box.add(data)
    box.close()
    return path


def statuses(store: Store, addresses: list[str]) -> dict[str, str]:
    return {address: store.get(address).status for address in addresses}


def renamed(data: bytes, message_id: str) -> bytes:
    """The same report with another Message-ID: another report of the same failure."""
    message = message_from_bytes(data)
    del message["Message-ID"]
    message["Message-ID"] = message_id
    return message.as_bytes()


def test_every_report_of_the_corpus_changes_what_the_policy_says(store, tmp_path):
    addresses = add_subscribers(store, 8)
    source = write_mbox(tmp_path / "bounces.mbox", corpus(*EVERY_REPORT))
    run = process_bounces(store, str(source), "tester")
    assert statuses(store, addresses) == {
        "reader00000@example.org": "bounced",  # 5.1.1: at once
        "reader00001@example.org": "active",  # 5.2.2: one of three
        "reader00002@example.org": "bounced",  # 5.1.10: a 5.1.x, at once
        "reader00003@example.org": "active",  # Exim's 5.2.1: one of three
        "reader00004@example.org": "active",  # delayed (4.4.1): one of five
        "reader00005@example.org": "complained",  # ARF abuse report
        "reader00006@example.org": "active",
        "reader00007@example.org": "active",  # an auto-reply changes nothing
    }
    assert (run.read, run.already) == (8, 0)
    assert dict(run.kinds) == {"hard": 4, "soft": 1, "complaint": 1, "auto-reply": 1, "unknown": 1}
    assert [(r.form, r.sender) for r in run.unhandled] == [
        ("auto-reply", "Reader 7 <reader00007@example.org>"),
        ("unknown", "Someone <someone@example.com>"),
    ]
    (bounced,) = [h for h in history(store, "reader00000@example.org")[1] if h.status == "bounced"]
    assert bounced.via.startswith("bounces: hard 5.1.1 550 5.1.1 <reader00000@example.org>")


def test_processing_the_same_mailbox_again_counts_nothing_twice(store, tmp_path):
    addresses = add_subscribers(store, 8)
    source = write_mbox(tmp_path / "bounces.mbox", corpus(*EVERY_REPORT))
    process_bounces(store, str(source), "tester")
    before = statuses(store, addresses)
    again = process_bounces(store, str(source), "tester")
    assert (again.read, again.already, again.changes, sum(again.kinds.values())) == (8, 8, [], 0)
    assert statuses(store, addresses) == before


def test_other_permanent_failures_bounce_at_the_third_report(store, tmp_path):
    add_subscribers(store, 2)
    (gmail,) = corpus("gmail_5.2.2")
    reports = [renamed(gmail, f"<gmail-{n}@mx.google.com>") for n in range(3)]
    for n, data in enumerate(reports):
        process_bounces(store, str(write_mbox(tmp_path / f"{n}.mbox", [data])), "tester")
        expected = "bounced" if n == 2 else "active"
        assert store.get("reader00001@example.org").status == expected


def test_temporary_failures_bounce_only_at_the_fifth(store, tmp_path):
    add_subscribers(store, 5)
    (delayed,) = corpus("postfix_delayed_4.4.1")
    reports = [renamed(delayed, f"<delayed-{n}@mx>") for n in range(5)]
    process_bounces(store, str(write_mbox(tmp_path / "a.mbox", reports[:4])), "tester")
    assert store.get("reader00004@example.org").status == "active"
    process_bounces(store, str(write_mbox(tmp_path / "b.mbox", reports[4:])), "tester")
    assert store.get("reader00004@example.org").status == "bounced"


def test_verp_names_the_subscriber_of_a_report_that_names_someone_else(store, tmp_path):
    addresses = add_subscribers(store, 9)
    subscriber = store.get(addresses[8])
    (dsn,) = corpus("postfix_5.1.1")
    # Forwarded mail: the report names the address the mail was forwarded to.
    mangled = dsn.replace(b"reader00000@example.org", b"old-address@elsewhere.example")
    verp = return_path(store.config, 0, subscriber.id)
    mangled = mangled.replace(
        b"Delivered-To: science@newsletter.example.org", f"Delivered-To: {verp}".encode()
    )
    process_bounces(store, str(write_mbox(tmp_path / "b.mbox", [mangled])), "tester")
    assert store.get(addresses[8]).status == "bounced"
    assert store.get(addresses[0]).status == "active"


def test_a_maildir_has_its_processed_messages_moved_out_of_the_way(store, tmp_path):
    addresses = add_subscribers(store, 8)
    source = write_maildir(tmp_path / "Maildir", corpus(*EVERY_REPORT))
    first = process_bounces(store, str(source), "tester")
    assert first.read == 8 and statuses(store, addresses)["reader00005@example.org"] == "complained"
    processed = mailbox.Maildir(source, create=False).get_folder("Processed")
    assert len(processed) == 8
    assert all("S" in message.get_flags() for message in processed)
    assert process_bounces(store, str(source), "tester").read == 0


def test_the_command_lists_changes_and_what_it_could_not_handle(
    sample_project, environ, store, tmp_path
):
    add_subscribers(store, 8)
    source = write_mbox(tmp_path / "bounces.mbox", corpus(*EVERY_REPORT))
    runner = CliRunner()
    result = runner.invoke(
        cli, ["-p", str(sample_project), "bounces", "process", str(source)], env=environ
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("bounced: reader00000@example.org (bounces: hard 5.1.1 550 5.1.1")
    assert "complained: reader00005@example.org (bounces: complaint abuse)" in lines
    assert (
        f"not handled (auto-reply): from Reader 7 <reader00007@example.org> ('Automatic reply: "
        f"Japan Science and Technology Newsletter, May 2013'): nothing changed; read it in {source}"
    ) in lines
    assert lines[-1] == (
        f"read 8 messages from {source}: 4 hard, 1 soft, 1 complaint, 1 auto-reply, 1 unknown; "
        "2 bounced, 1 complained"
    )


def test_a_source_that_is_no_mailbox_is_refused_in_words(sample_project, environ, tmp_path):
    result = CliRunner().invoke(
        cli,
        ["-p", str(sample_project), "bounces", "process", str(tmp_path / "nothing")],
        env=environ,
    )
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"error: no mailbox '{tmp_path / 'nothing'}': give an mbox file, a Maildir folder, or "
        "imaps://user@host/MAILBOX"
    )


@pytest.fixture
def environ(database_url):
    return {"NEWSLETTER_DATABASE_URL": database_url}


def test_a_malformed_message_is_reported_as_unknown_and_the_rest_are_read(store, tmp_path):
    add_subscribers(store, 1)
    garbage = (
        b"From: =?x-no-such-charset?q?abc?= <a@example.org>\n"
        b"Subject: =?utf-8?b?not base64!?=\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        b"--b\nContent-Type: message/delivery-status\n\n\xff\xfe\x00binary\n"
    )
    (dsn,) = corpus("postfix_5.1.1")
    run = process_bounces(store, str(write_mbox(tmp_path / "b.mbox", [garbage, dsn])), "tester")
    assert run.read == 2
    assert [r.form for r in run.unhandled] == ["dsn"]  # a DSN naming nobody: listed
    assert store.get("reader00000@example.org").status == "bounced"


def test_two_runs_at_once_on_the_same_mailbox_count_each_report_once(store, tmp_path):
    import threading

    addresses = add_subscribers(store, 8)
    source = write_mbox(tmp_path / "bounces.mbox", corpus(*EVERY_REPORT))
    runs = []
    threads = [
        threading.Thread(target=lambda: runs.append(process_bounces(store, str(source), "t")))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(run.read - run.already for run in runs) == 8
    assert sum(sum(run.kinds.values()) for run in runs) == 8
    assert statuses(store, addresses)["reader00005@example.org"] == "complained"
