"""Importing subscriber lists: every bad row reported at its line, then all or nothing."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from newsletter.core import NewsletterError
from newsletter.db import subscriber_history
from newsletter.subscribers import (
    Consent,
    Defaults,
    Importer,
    ImportProblems,
    check_list,
    export_csv,
    import_list,
    open_list,
    replacing,
)
from tests.subscribers.helpers import NOW, change

HEADER = "email,name,language,consent,consented_at,source\n"
LANGUAGES = ["en", "ja"]
TIMEZONE = "America/Toronto"


def write(folder: Path, text: str, name: str = "list.csv", **options) -> Path:
    path = folder / name
    path.write_bytes(text.encode(options.get("encoding", "utf-8")))
    return path


def problems(path: Path, defaults: Defaults | None = None) -> list[str]:
    """Every problem found in the list, as printed."""
    try:
        checked = check_list(
            open_list(path, path.name), LANGUAGES, TIMEZONE, defaults or Defaults(), NOW
        )
    except ImportProblems as exc:
        return [str(p) for p in exc.problems]
    except Exception as exc:  # ProblemsError for the file as a whole
        return [str(p) for p in exc.problems]
    return sorted(str(p) for p in checked.problems)


def entries(path: Path, defaults: Defaults | None = None):
    return check_list(
        open_list(path, path.name), LANGUAGES, TIMEZONE, defaults or Defaults(), NOW
    ).entries


def run_import(store, path: Path, **options):
    return import_list(
        store,
        path,
        path.name,
        defaults=options.pop("defaults", Defaults()),
        actor="tester",
        now=options.pop("now", NOW),
        **options,
    )


def exported(store) -> str:
    buffer = io.StringIO()
    export_csv(store, buffer)
    return buffer.getvalue()


# Each kind of bad row, with its exact line and message.


def history(store, *columns: str) -> list[tuple]:
    """The history's rows, oldest first, as tuples of these columns."""
    with store.reading() as connection:
        query = sa.select(*(subscriber_history.c[name] for name in columns))
        return [tuple(row) for row in connection.execute(query.order_by(subscriber_history.c.id))]


def test_invalid_address_is_reported_at_its_line_with_the_address_quoted(tmp_path):
    path = write(
        tmp_path,
        HEADER + "ok@example.org,,,express,2020-01-01,\nbob@@example.org,,,express,2020-01-01,\n",
    )
    assert problems(path) == [
        "list.csv:3: invalid email address 'bob@@example.org': The part after the @-sign contains invalid characters: '@'."
    ]


def test_row_without_an_address_is_reported(tmp_path):
    path = write(tmp_path, HEADER + ",Nobody,en,express,2020-01-01,web\n")
    assert problems(path) == ["list.csv:2: no email address"]


def test_unknown_language_suggests_a_close_one_or_lists_them(tmp_path):
    path = write(
        tmp_path,
        HEADER + "a@example.org,,eng,express,2020-01-01,\nb@example.org,,fr,express,2020-01-01,\n",
    )
    assert problems(path) == [
        "list.csv:2: unknown language 'eng'; did you mean 'en'?",
        "list.csv:3: unknown language 'fr'; expected one of: en, ja",
    ]


def test_bad_dates_say_what_is_wrong(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "a@example.org,,,express,2011-13-01,\n"
        + "b@example.org,,,express,14/06/2011,\n"
        + "c@example.org,,,express,2011-02-30,\n"
        + "d@example.org,,,express,2026-02-01,\n",
    )
    assert problems(path) == [
        "list.csv:2: consented_at: '2011-13-01' is not a valid date: month must be in 1..12",
        "list.csv:3: consented_at: '14/06/2011' is not a valid date: write YYYY-MM-DD",
        "list.csv:4: consented_at: '2011-02-30' is not a valid date: day is out of range for month",
        "list.csv:5: consented_at: '2026-02-01' is in the future",
    ]


def test_duplicate_address_in_another_case_names_the_first_line(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "Ann@example.org,,,express,2020-01-01,\nx@example.org,,,express,2020-01-01,\nANN@EXAMPLE.org,,,express,2020-01-01,\n",
    )
    assert problems(path) == ["list.csv:4: duplicate address 'ANN@EXAMPLE.org' (first on line 2)"]


def test_unknown_consent_and_status_list_the_choices(tmp_path):
    text = "email,consent,consented_at,status\na@example.org,yes,2020-01-01,\nb@example.org,express,2020-01-01,gone\n"
    assert problems(write(tmp_path, text)) == [
        "list.csv:2: unknown consent 'yes'; expected express or implied",
        "list.csv:3: unknown status 'gone'; expected one of: active, unsubscribed, bounced, complained",
    ]


def test_row_with_more_values_than_columns_hints_at_quoting(tmp_path):
    path = write(tmp_path, HEADER + "a@example.org,Tanaka, Hiroshi,ja,express,2020-01-01,card\n")
    assert problems(path) == [
        'list.csv:2: 7 values but the header has 6 columns (a value with a comma needs "double quotes")'
    ]


def test_every_mistake_of_a_row_is_reported(tmp_path):
    path = write(tmp_path, HEADER + "a@example.org,,jp,maybe,,\n")
    assert problems(path) == [
        "list.csv:2: no consented_at: when was consent given? (or pass --consented-at)",
        "list.csv:2: unknown consent 'maybe'; expected express or implied",
        "list.csv:2: unknown language 'jp'; expected one of: en, ja",
    ]


def test_list_without_consent_columns_needs_them_from_the_command_line(tmp_path):
    path = write(tmp_path, "email,name\na@example.org,A\n")
    assert problems(path) == [
        "list.csv:1: no 'consent' column: add one (express or implied) or pass --consent",
        "list.csv:1: no 'consented_at' column: add one (YYYY-MM-DD) or pass --consented-at",
    ]
    given = Defaults("express", dt.datetime(2025, 5, 1, tzinfo=dt.UTC), "2025 member list")
    [entry] = entries(path, given)
    assert entry.consent == Consent(
        "express", dt.datetime(2025, 5, 1, tzinfo=dt.UTC), "2025 member list"
    )


def test_header_without_email_column_suggests_the_close_one(tmp_path):
    path = write(tmp_path, "E-Mail,Name\na@example.org,A\n")
    assert problems(path) == [
        "list.csv:1: no 'email' column (the columns are: e_mail, name); is 'e_mail' it? rename it to 'email'"
    ]


def test_header_with_a_repeated_or_unnamed_column_is_refused(tmp_path):
    path = write(tmp_path, "email,Name, name ,\na@example.org,A,B,\n")
    assert problems(path) == [
        "list.csv:1: column 'name' appears twice (columns 2 and 3)",
        "list.csv:1: column 4 has no name",
    ]


def test_file_that_is_not_utf8_names_the_line_and_the_byte(tmp_path):
    path = write(
        tmp_path, HEADER + "a@example.org,Ren\xe9e,,express,2020-01-01,\n", encoding="latin-1"
    )
    assert problems(path) == [
        "list.csv:2:18: byte 0xe9 is not UTF-8 ('é' in Latin-1 or Windows-1252?): "
        "save the list as UTF-8 (Excel: CSV UTF-8)"
    ]


def test_cell_over_128_kb_is_reported_at_the_line_it_starts_on(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "a@example.org,A,en,express,2020-01-01,web\n"
        + f'b@example.org,"{"x" * 140_000}",en,express,2020-01-01,web\n',
    )
    assert problems(path) == [
        'list.csv:3: a cell is larger than 128 KB (does a " start a quoted value that never ends?)'
    ]


def test_stray_quote_that_swallows_the_rest_of_a_long_list_is_located(tmp_path):
    rows = "".join(f"p{n}@example.org,P{n},en,express,2020-01-01,web\n" for n in range(5000))
    path = write(tmp_path, HEADER + 'a@example.org,"Ann,en,express,2020-01-01,web\n' + rows)
    assert problems(path) == [
        'list.csv:2: a cell is larger than 128 KB (does a " start a quoted value that never ends?)'
    ]


def test_line_breaks_and_control_characters_in_text_are_refused(tmp_path):
    path = write(
        tmp_path,
        "email,name,consent,consented_at,source,organisation\n"
        'a@example.org,"Ann\nSmith",express,2020-01-01,web,\n'
        'b@example.org,Bob,express,2020-01-01,"web\tform",Acme\x00\n'
        'c@example.org,Cy\x07,express,2020-01-01,web,"Main St\r\nOttawa"\n',
    )
    assert problems(path) == [
        "list.csv:2: name: has a line break",
        "list.csv:4: organisation: has a control character (U+0000)",
        "list.csv:4: source: has a tab",
        "list.csv:5: name: has a control character (U+0007)",
    ]


def test_yaml_name_written_as_a_block_of_lines_is_refused(tmp_path):
    text = "- email: a@example.org\n  consent: express\n  consented_at: 2020-01-01\n"
    text += "- email: b@example.org\n  name: |\n    Bob\n    Smith\n  consent: express\n"
    text += "  consented_at: 2020-01-01\n"
    assert problems(write(tmp_path, text, "list.yaml")) == ["list.yaml:4: name: has a line break"]


# What is read from a good list.


def test_bom_windows_line_endings_and_header_case_and_spaces_are_read(tmp_path):
    text = "\ufeff EMAIL ,Name,Language, Consented At ,CONSENT,Source,Organisation\r\n"
    text += 'Hiroshi.Tanaka@Example.jp,田中 浩,JA,2011-11-21,Implied,"business card, Workshop","Hokuriku Co.\r\nKanazawa"\r\n'
    text += "\r\nclaire@example.org,Claire,en,2011-06-14 09:30,express,web form,\r\n"
    path = write(tmp_path, text)
    first, second = entries(path)
    assert (first.line, first.email, first.key, first.name, first.language) == (
        2,
        "Hiroshi.Tanaka@Example.jp",
        "hiroshi.tanaka@example.jp",
        "田中 浩",
        "ja",
    )
    # A date is midnight in the newsletter's time zone; a quoted value may span lines.
    assert first.consent == Consent(
        "implied", dt.datetime(2011, 11, 21, 5, tzinfo=dt.UTC), "business card, Workshop"
    )
    assert first.attributes == {"organisation": "Hokuriku Co.\r\nKanazawa"}
    assert (second.line, second.attributes) == (5, {})
    assert second.consent.at == dt.datetime(2011, 6, 14, 13, 30, tzinfo=dt.UTC)


def test_semicolon_separated_list_from_a_spreadsheet_is_read(tmp_path):
    path = write(tmp_path, "email;consent;consented_at\na@example.org;express;2020-01-01\n")
    [entry] = entries(path)
    assert entry.key == "a@example.org"


def test_yaml_list_is_read_and_its_rows_reported_at_their_lines(tmp_path):
    text = (
        "- email: a@example.org\n  consent: express\n  consented_at: 2020-01-01\n  team: 7\n"
        "- email: b@\n  consent: express\n  consented_at: 2020-01-01\n"
    )
    path = write(tmp_path, text, "list.yaml")
    assert problems(path) == [
        "list.yaml:5: invalid email address 'b@': There must be something after the @-sign."
    ]
    write(tmp_path, text.split("- email: b@")[0], "list.yaml")
    [entry] = entries(path)
    assert entry.attributes == {"team": "7"}


def test_yaml_values_are_the_text_written_without_type_guessing(tmp_path):
    text = (
        "- email: a@example.org\n  name: No\n  phone: 0123\n  zip: 01234\n  since: 12:30\n"
        "  member: yes\n  note: null\n  consent: express\n  consented_at: 2020-01-01\n"
        "  source: 2019-05-01 fair\n  empty:\n"
    )
    [entry] = entries(write(tmp_path, text, "list.yaml"))
    assert (entry.name, entry.consent.source) == ("No", "2019-05-01 fair")
    assert entry.attributes == {
        "phone": "0123",
        "zip": "01234",
        "since": "12:30",
        "member": "yes",
        "note": "null",
    }


def test_yaml_rows_of_the_wrong_shape_are_reported_at_their_lines(tmp_path):
    text = (
        "- email: a@example.org\n  consent: express\n  consented_at: 2020-01-01\n"
        "  Name: A\n  name: B\n"
        "- email: b@example.org\n  consent: express\n  consented_at: 2020-01-01\n"
        "  tags: [x, y]\n"
        "- just an address\n"
    )
    assert problems(write(tmp_path, text, "list.yaml")) == [
        "list.yaml:10: each subscriber is a mapping such as 'email: ...'",
        "list.yaml:1: 'name' is given twice",
        "list.yaml:6: 'tags' must be a single value, not a list or mapping",
    ]


def test_yaml_syntax_error_is_located(tmp_path):
    text = "- email: a@example.org\n  name: Ann: the first\n"
    assert problems(write(tmp_path, text, "list.yaml")) == [
        "list.yaml:2:12: a ': ' inside a value: put the whole value in quotes "
        '(name: "Ann: the first")'
    ]


def test_yaml_file_that_is_not_a_list_is_refused(tmp_path):
    path = write(tmp_path, "email: a@example.org\n", "list.yaml")
    assert problems(path) == [
        "list.yaml:1:1: the file should be a list of subscribers, each starting '- email: ...'"
    ]


# Writing: all or nothing, idempotent, never re-activating.


def test_nothing_is_imported_when_any_row_is_bad(store, tmp_path):
    path = write(
        tmp_path, HEADER + "a@example.org,,,express,2020-01-01,\nb@,,,express,2020-01-01,\n"
    )
    with pytest.raises(ImportProblems) as error:
        run_import(store, path)
    assert error.value.summary() == (
        "1 problem in 1 subscriber file; nothing was imported "
        "(fix them, or pass --skip-invalid to import the other rows)"
    )
    assert store.get("a@example.org") is None


def test_skip_invalid_imports_the_good_rows_and_writes_the_bad_ones_aside(store, tmp_path):
    text = (
        HEADER
        + "a@example.org,A,,express,2020-01-01,\nb@,B,fr,express,2020-01-01,web\nc@example.org,C,,express,2020-01-01,\n"
    )
    path = write(tmp_path, text)
    report = run_import(store, path, skip_invalid=True)
    assert report.summary() == (
        f"list.csv: 2 added, 0 updated, 0 unchanged, 1 rejected (written to {tmp_path / 'list.rejects.csv'})"
    )
    assert (tmp_path / "list.rejects.csv").read_text(encoding="utf-8-sig") == (
        "rejected_because,email,name,language,consent,consented_at,source\n"
        "\"line 3: invalid email address 'b@': There must be something after the @-sign.; "
        "unknown language 'fr'; expected one of: en, ja\",b@,B,fr,express,2020-01-01,web\n"
    )
    fixed = (
        (tmp_path / "list.rejects.csv")
        .read_text(encoding="utf-8-sig")
        .replace("b@,B,fr", "b@example.org,B,ja")
    )
    report = run_import(store, write(tmp_path, fixed, "fixed.csv"))
    assert report.summary() == "fixed.csv: 1 added, 0 updated, 0 unchanged"
    assert store.get("b@example.org").language == "ja"


def test_rejects_file_appears_only_once_the_import_has_committed(store, tmp_path, monkeypatch):
    path = write(
        tmp_path, HEADER + "a@example.org,A,,express,2020-01-01,\nb@,B,,express,2020-01-01,\n"
    )

    def fail(*_args):
        raise NewsletterError("database went away")

    monkeypatch.setattr(Importer, "run", fail)
    with pytest.raises(NewsletterError, match="database went away"):
        run_import(store, path, skip_invalid=True)
    assert sorted(p.name for p in tmp_path.glob("list*")) == ["list.csv"]
    assert not list(tmp_path.glob(".*"))  # nor any temporary file


def test_a_file_being_replaced_is_kept_whole_when_writing_fails(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("the old export\n", encoding="utf-8")
    path.chmod(0o640)
    with pytest.raises(RuntimeError), replacing(path, "export.csv") as stream:
        stream.write("half of the new one")
        raise RuntimeError("interrupted")
    assert path.read_text(encoding="utf-8") == "the old export\n"
    with replacing(path, "export.csv") as stream:
        stream.write("the new export\n")
    assert path.read_text(encoding="utf-8") == "the new export\n"
    assert (path.stat().st_mode & 0o777, [p.name for p in tmp_path.iterdir()]) == (
        0o640,
        ["export.csv"],
    )
    with pytest.raises(NewsletterError) as error, replacing(tmp_path / "no" / "x.csv", "no/x.csv"):
        pass
    assert str(error.value) == "cannot write no/x.csv: No such file or directory"


def test_yaml_list_exports_as_written_and_imports_back_unchanged(store, tmp_path):
    text = (
        "- email: a@example.org\n  name: No\n  phone: 0123\n  zip: 01234\n  since: 12:30\n"
        "  consent: express\n  consented_at: 2020-01-01\n  source: form\n"
    )
    run_import(store, write(tmp_path, text, "list.yaml"))
    assert exported(store) == (
        "email,name,language,status,consent,consented_at,source,phone,since,zip\n"
        "a@example.org,No,en,active,express,2020-01-01,form,0123,12:30,01234\n"
    )
    report = run_import(store, write(tmp_path, exported(store), "export.csv"))
    assert report.summary() == "export.csv: 0 added, 0 updated, 1 unchanged; nothing changed"


def test_custom_column_named_error_is_kept_and_rejects_give_their_reason_apart(store, tmp_path):
    text = (
        "email,name,consent,consented_at,error\n"
        "a@example.org,A,express,2020-01-01,bounced once in 2019\n"
        "b@,B,express,2020-01-01,none\n"
    )
    run_import(store, write(tmp_path, text), skip_invalid=True)
    assert store.get("a@example.org").attributes == {"error": "bounced once in 2019"}
    rejects = tmp_path / "list.rejects.csv"
    assert rejects.read_text(encoding="utf-8-sig") == (
        "rejected_because,email,name,consent,consented_at,error\n"
        "line 3: invalid email address 'b@': There must be something after the @-sign.,"
        "b@,B,express,2020-01-01,none\n"
    )
    fixed = rejects.read_text(encoding="utf-8-sig").replace("b@,", "b@example.org,")
    report = run_import(store, write(tmp_path, fixed, "fixed.csv"))
    assert report.summary() == "fixed.csv: 1 added, 0 updated, 0 unchanged"
    assert store.get("b@example.org").attributes == {"error": "none"}


def test_cells_a_spreadsheet_would_run_are_escaped_and_read_back(store, tmp_path):
    text = (
        "email,name,consent,consented_at,source,phone,@handle\n"
        'a@example.org,"=HYPERLINK(""http://evil.example/"",""x"")",express,2020-01-01,'
        "@import,+1 613 555 0100,@ann\n"
        "b@example.org,'t Hooft,express,2020-01-01,-,'=1+1,\n"
    )
    run_import(store, write(tmp_path, text))
    assert store.get("a@example.org").name == '=HYPERLINK("http://evil.example/","x")'
    assert store.get("b@example.org").attributes == {"phone": "=1+1"}  # ' was an escape
    assert exported(store) == (
        "email,name,language,status,consent,consented_at,source,'@handle,phone\n"
        'a@example.org,"\'=HYPERLINK(""http://evil.example/"",""x"")",en,active,express,'
        "2020-01-01,'@import,'@ann,'+1 613 555 0100\n"
        "b@example.org,'t Hooft,en,active,express,2020-01-01,'-,,'=1+1\n"
    )
    report = run_import(store, write(tmp_path, exported(store), "export.csv"))
    assert report.summary() == "export.csv: 0 added, 0 updated, 2 unchanged; nothing changed"
    assert store.get("a@example.org").attributes == {"@handle": "@ann", "phone": "+1 613 555 0100"}


def test_rejects_file_escapes_formulas_too(store, tmp_path):
    text = HEADER + "b@,=2+2,en,express,2020-01-01,-\n"
    run_import(store, write(tmp_path, text), skip_invalid=True)
    rejects = (tmp_path / "list.rejects.csv").read_text(encoding="utf-8-sig")
    assert rejects.splitlines()[1].endswith(",b@,'=2+2,en,express,2020-01-01,'-")
    run_import(store, write(tmp_path, rejects.replace("b@,", "b@example.org,"), "fixed.csv"))
    stored = store.get("b@example.org")
    assert (stored.name, stored.consent.source) == ("=2+2", "-")


def test_reimporting_the_same_list_changes_nothing_and_says_so(store, sample_project):
    path = sample_project / "subscribers" / "sample.csv"
    first = run_import(store, path)
    again = run_import(store, path, now=NOW + dt.timedelta(days=1))
    rows = len(path.read_text(encoding="utf-8").splitlines()) - 1
    assert first.summary() == f"sample.csv: {rows} added, 0 updated, 0 unchanged"
    assert again.summary() == f"sample.csv: 0 added, 0 updated, {rows} unchanged; nothing changed"


def test_repository_sample_list_imports_cleanly(store, sample_project):
    report = run_import(store, sample_project / "subscribers" / "sample.csv")
    assert report.added > 0 and not report.rejected and not report.notes


def test_row_updates_what_it_says_and_blank_cells_keep_what_is_stored(store, tmp_path):
    header = "email,name,language,consent,consented_at,source,organisation\n"
    run_import(
        store, write(tmp_path, header + "a@example.org,Ann,en,express,2020-01-01,web,Acme\n")
    )
    report = run_import(
        store, write(tmp_path, header + "A@EXAMPLE.ORG,,ja,express,2020-01-01,web,\n")
    )
    assert report.summary() == "list.csv: 0 added, 1 updated, 0 unchanged"
    stored = store.get("a@example.org")
    assert (stored.email, stored.name, stored.language, stored.attributes) == (
        "a@example.org",
        "Ann",
        "ja",
        {"organisation": "Acme"},
    )


def test_import_never_reactivates_an_unsubscribed_person(store, tmp_path):
    path = write(tmp_path, HEADER + "gone@example.org,,,express,2020-01-01,\n")
    run_import(store, path)
    store.set_status("gone@example.org", "unsubscribed", change(at=NOW - dt.timedelta(days=3)))
    newer = write(
        tmp_path, HEADER + "gone@example.org,,,express,2025-12-20,new list\n", "newer.csv"
    )
    report = run_import(store, newer)
    assert (
        report.summary()
        == "newer.csv: 0 added, 0 updated, 0 unchanged, 1 not re-activated; nothing changed"
    )
    assert report.notes == [
        (
            2,
            "'gone@example.org' is unsubscribed (since 2026-01-12) and stays so: an import re-activates no one; a new express consent does (subscribers add)",
        )
    ]
    stored = store.get("gone@example.org")
    assert (stored.status, stored.consent.source) == ("unsubscribed", "import of list.csv")


def test_import_of_an_unsubscribe_list_marks_people_and_records_it(store, tmp_path):
    run_import(store, write(tmp_path, HEADER + "a@example.org,,,express,2020-01-01,\n"))
    suppress = "email,status,consent,consented_at\na@example.org,unsubscribed,express,2020-01-01\nnew@example.org,Unsubscribed,implied,2020-01-01\n"
    report = run_import(store, write(tmp_path, suppress, "unsubscribes.csv"))
    assert report.summary() == "unsubscribes.csv: 1 added, 1 updated, 0 unchanged"
    assert store.get("a@example.org").status == "unsubscribed"
    assert store.get("new@example.org").status == "unsubscribed"
    assert history(store, "change", "status", "via") == [
        ("added", "active", "import list.csv:2"),
        ("status", "unsubscribed", "import unsubscribes.csv:2"),
        ("added", "unsubscribed", "import unsubscribes.csv:3"),
    ]


def test_import_skips_forgotten_addresses_and_says_so(store, tmp_path):
    store.forget("Private@example.org", change(at=NOW - dt.timedelta(days=1)))
    path = write(
        tmp_path,
        HEADER + "a@example.org,,,express,2020-01-01,\nPRIVATE@example.org,,,express,2020-01-01,\n",
    )
    report = run_import(store, path)
    assert report.summary() == "list.csv: 1 added, 0 updated, 0 unchanged, 1 forgotten (skipped)"
    assert report.notes == [
        (3, "'PRIVATE@example.org' was forgotten on 2026-01-14 (right to erasure); skipped")
    ]
    assert store.get("private@example.org") is None


def test_import_takes_a_newer_consent_but_never_an_older_or_weaker_one(store, tmp_path):
    run_import(
        store,
        write(
            tmp_path,
            HEADER
            + "a@example.org,,,implied,2024-01-01,card\nb@example.org,,,express,2020-01-01,form\n",
        ),
    )
    later = (
        HEADER
        + "a@example.org,,,implied,2025-06-01,workshop\nb@example.org,,,implied,2025-06-01,workshop\n"
    )
    report = run_import(store, write(tmp_path, later, "later.csv"))
    assert report.summary() == "later.csv: 0 added, 1 updated, 1 unchanged"
    assert store.get("a@example.org").consent.source == "workshop"
    assert store.get("b@example.org").consent.kind == "express"


def test_large_import_is_written_in_batches_with_progress(store, tmp_path):
    rows = "".join(f"p{n}@example.org,Person {n},,express,2020-01-01,\n" for n in range(2500))
    seen = []
    report = run_import(store, write(tmp_path, HEADER + rows), progress=lambda *a: seen.append(a))
    assert report.added == 2500 and "2,500 added" in report.summary()
    assert seen == [
        ("checked", 2500, None),
        ("written", 1000, 2500),
        ("written", 2000, 2500),
        ("written", 2500, 2500),
    ]
    assert store.get("p2499@example.org").name == "Person 2499"
    with store.reading() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(subscriber_history)).scalar()
            == 2500
        )


def test_import_killed_halfway_leaves_the_database_as_before(
    store, sample_project, environ, tmp_path
):
    run_import(store, sample_project / "subscribers" / "sample.csv")
    before = exported(store)
    rows = "".join(
        f"p{n}@example.org,Person {n},en,express,2020-01-01,web\n" for n in range(30_000)
    )
    big = write(tmp_path, HEADER + rows, "big.csv")
    command = [sys.executable, "-c", "from newsletter.cli import main; main()"]
    child = subprocess.Popen(
        [*command, "--project", str(sample_project), "subscribers", "import", str(big)],
        env={**os.environ, **environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in child.stderr:  # "written 10,000 of 30,000 rows": it is writing
        if line.startswith("written"):
            child.send_signal(signal.SIGKILL)
            break
    assert child.wait(timeout=60) == -signal.SIGKILL
    assert exported(store) == before
    assert run_import(store, big).added == 30_000  # and the database works as ever


def test_import_that_changes_a_name_or_language_records_what_it_changed(store, tmp_path):
    run_import(store, write(tmp_path, HEADER + "a@example.org,Ann,en,express,2020-01-01,\n"))
    again = HEADER + "a@example.org,Ann Smith,ja,express,2020-01-01,\n"
    run_import(store, write(tmp_path, again, "second.csv"))
    run_import(store, write(tmp_path, again, "third.csv"))  # the same again: nothing to record
    assert history(store, "change", "via", "detail") == [
        ("added", "import list.csv:2", None),
        ("preferences", "import second.csv:2", "name: 'Ann' -> 'Ann Smith'; language: en -> ja"),
    ]
