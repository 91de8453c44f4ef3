"""CASL's inquiry rule: implied consent from an inquiry or application lasts 6 months, from a
purchase or contract 2 years; the reason is recorded (`add --reason`, a `consent_reason`
column) and `list --expiring` shows each consent's own lapse date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from newsletter.subscribers import Consent

from . import test_subscribers
from .test_subscribers import days_ago

run = test_subscribers.run  # the fixture: `newsletter subscribers ARGS` in the sample project

UTC = dt.UTC


def test_implied_consent_lasts_6_months_after_an_inquiry_and_2_years_otherwise():
    at = dt.datetime(2026, 8, 31, 12, tzinfo=UTC)
    assert Consent("implied", at, "x", "inquiry").expires_at == dt.datetime(
        2027, 2, 28, 12, tzinfo=UTC
    )
    assert Consent("implied", at, "x", "purchase").expires_at == dt.datetime(
        2028, 8, 31, 12, tzinfo=UTC
    )
    assert Consent("implied", at, "x").expires_at == dt.datetime(2028, 8, 31, 12, tzinfo=UTC)
    assert Consent("express", at, "x").expires_at is None


def test_a_newer_inquiry_does_not_cut_short_a_purchases_two_years():
    purchase = Consent("implied", dt.datetime(2026, 1, 1, tzinfo=UTC), "shop", "purchase")
    inquiry = Consent("implied", dt.datetime(2026, 6, 1, tzinfo=UTC), "phone", "inquiry")
    assert not inquiry.supersedes(purchase)
    later = Consent("implied", dt.datetime(2027, 9, 1, tzinfo=UTC), "phone", "inquiry")
    assert later.supersedes(purchase)  # lapses in March 2028, after January 2028


def test_add_with_an_inquiry_reason_lapses_in_six_months_and_list_expiring_says_so(run):
    added = run(
        "add", "asked@example.org", "--consent", "implied", "--reason", "inquiry",
        "--source", "phone inquiry", "--consented-at", days_ago(170),
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    run(
        "add", "bought@example.org", "--consent", "implied", "--reason", "purchase",
        "--source", "order", "--consented-at", days_ago(170),
    )  # fmt: skip
    expiring = run("list", "--expiring", "30")
    assert "asked@example.org" in expiring.stdout and "implied (inquiry)" in expiring.stdout
    assert "bought@example.org" not in expiring.stdout
    listed = run("list").stdout
    assert "implied (purchase)" in listed


def test_a_reason_for_express_consent_is_refused(run):
    result = run(
        "add", "a@example.org", "--consent", "express", "--reason", "inquiry", "--source", "form"
    )  # fmt: skip
    assert result.exit_code == 2
    assert "Invalid value for --reason: only implied consent has a reason" in result.output


def test_a_consent_reason_column_is_imported_and_exported_again(run):
    listing = Path("subscribers/reasons.csv")
    listing.write_text(
        "email,name,consent,consented_at,source,consent_reason\n"
        f"asked@example.org,Asked,implied,{days_ago(170)},phone,inquiry\n"
        f"bought@example.org,Bought,implied,{days_ago(170)},order,purchase\n"
        f"wrong@example.org,Wrong,express,{days_ago(10)},form,inquiry\n",
        encoding="utf-8",
    )
    result = run("import", str(listing))
    assert result.exit_code == 1
    assert "only implied consent has a reason" in result.output
    listing.write_text(
        "\n".join(listing.read_text(encoding="utf-8").splitlines()[:3]) + "\n", encoding="utf-8"
    )
    assert run("import", str(listing)).exit_code == 0
    exported = run("export").stdout.splitlines()
    assert exported[0] == "email,name,language,status,consent,consented_at,source,consent_reason"
    assert exported[1].endswith(",phone,inquiry")
