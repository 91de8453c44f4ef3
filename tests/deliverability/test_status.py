"""`newsletter status` shows each send's bounces and complaints, as `bounces process` read
them (the return path names the send), and the complaint rate against the providers' 0.3%."""

from __future__ import annotations

from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.deliverability import process_bounces
from tests.delivery.conftest import add_subscribers

from .test_bounces import corpus, write_mbox
from .test_outgoing import send


def test_status_counts_bounces_and_complaints_per_send_and_warns_over_the_limit(
    sample_project, store, environ, smtp_server, tmp_path
):
    add_subscribers(store, 4)
    send(store)
    return_paths = dict((to, frm) for frm, to in smtp_server.recorder.envelopes)
    (arf,) = corpus("arf_abuse")
    complaint = (
        arf.replace(b"Original-Rcpt-To: <reader00005@example.org>\n", b"")
        .replace(  # a report that names nobody: only the quoted message's return path does
            b"Return-Path: <science@newsletter.example.org>\nFrom: Embassy",
            f"Return-Path: <{return_paths['reader00001@example.org']}>\nFrom: Embassy".encode(),
        )
        .replace(b"To: Reader 5 <reader00005@example.org>", b"To: undisclosed-recipients:;")
    )
    (dsn,) = corpus("postfix_5.1.1")
    process_bounces(store, str(write_mbox(tmp_path / "b.mbox", [complaint, dsn])), "tester")
    assert store.get("reader00001@example.org").status == "complained"
    result = CliRunner().invoke(cli, ["-p", str(sample_project), "status"], env=environ)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    start = lines.index("Bounces and complaints (from `newsletter bounces process`):")
    assert [line.split() for line in lines[start + 1 : start + 3]] == [
        ["issue", "lang", "sent", "bounced", "soft", "complaints", "complaint", "rate"],
        ["2013-05", "en", "4", "0", "0", "1", "25.00%"],
    ]
    assert lines[-1] == (
        "complaint rate at or over the providers' 0.3% limit: 2013-05 en; Gmail and Yahoo "
        "filter or refuse a sender's mail above it"
    )


def test_status_says_nothing_of_bounces_when_none_was_read(
    sample_project, store, environ, smtp_server
):
    add_subscribers(store, 2)
    send(store)
    result = CliRunner().invoke(cli, ["-p", str(sample_project), "status"], env=environ)
    assert "Bounces and complaints" not in result.output
