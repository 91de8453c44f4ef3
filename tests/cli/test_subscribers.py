"""`newsletter subscribers ...` as a user meets it: output, exit codes, errors without tracebacks."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.subscribers import Change, set_preferences

HEADER = "email,name,language,consent,consented_at,source\n"
FORM_CONSENT = ("--consent", "express", "--source", "form", "--consented-at", "2024-01-02")


@pytest.fixture
def run(sample_project: Path, environ: dict[str, str], monkeypatch):
    """Run `newsletter subscribers ARGS` in the sample project, on SQLite or PostgreSQL."""
    monkeypatch.chdir(sample_project)

    def invoke(*args: str, stdin: str | None = None):
        result = CliRunner().invoke(
            cli, ["subscribers", *args], input=stdin, env=environ, catch_exceptions=False
        )
        assert "Traceback" not in result.output
        return result

    return invoke


def today() -> dt.date:
    """Today where the sample newsletter is (dates are shown in its time zone)."""
    return dt.datetime.now(ZoneInfo("America/Toronto")).date()


def days_ago(days: int) -> str:
    return (today() - dt.timedelta(days=days)).isoformat()


def test_first_command_creates_the_database_and_says_so(run, database_url):
    first, second = run("count"), run("count")
    if database_url.startswith("sqlite"):
        created = f"created the database {database_url.removeprefix('sqlite:///')}\n"
    else:
        created = f"created the subscriber tables in the database {database_url}\n"
    assert first.stderr == created
    assert second.stderr == ""


def test_import_of_the_sample_list_then_again_says_nothing_changed(run):
    first = run("import", "subscribers/sample.csv")
    second = run("import", "subscribers/sample.csv")
    rows = len(Path("subscribers/sample.csv").read_text(encoding="utf-8").splitlines()) - 1
    assert (first.exit_code, second.exit_code) == (0, 0)
    assert first.stdout == f"subscribers/sample.csv: {rows} added, 0 updated, 0 unchanged\n"
    assert second.stdout == (
        f"subscribers/sample.csv: 0 added, 0 updated, {rows} unchanged; nothing changed\n"
    )


def test_import_with_bad_rows_prints_each_and_imports_nothing(run):
    Path("new.csv").write_text(
        HEADER + "a@example.org,A,en,express,2020-01-01,web\nb@,B,fr,express,2020-01-01,web\n",
        encoding="utf-8",
    )
    result = run("import", "new.csv")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-3:] == [
        "new.csv:3: invalid email address 'b@': There must be something after the @-sign.",
        "new.csv:3: unknown language 'fr'; expected one of: en, ja",
        "2 problems in 1 subscriber file; nothing was imported "
        "(fix them, or pass --skip-invalid to import the other rows)",
    ]
    assert "0 subscribers" in run("list").stdout


def test_list_that_cannot_be_imported_creates_no_database(run, database_url):
    Path("empty.csv").write_text("", encoding="utf-8")
    Path("bad.csv").write_text(HEADER + "b@,B,en,express,2020-01-01,web\n", encoding="utf-8")
    empty, bad = run("import", "empty.csv"), run("import", "bad.csv")
    assert (empty.exit_code, empty.stderr) == (
        1,
        "empty.csv:1: the file is empty; it needs a header row with an 'email' column\n"
        "1 problem in 1 subscriber file; nothing was written\n",
    )
    assert (bad.exit_code, bad.stderr.splitlines()[-1]) == (
        1,
        "1 problem in 1 subscriber file; nothing was imported "
        "(fix them, or pass --skip-invalid to import the other rows)",
    )
    assert run("count").stderr.startswith("created ")  # only now


def test_import_skip_invalid_reports_the_rows_left_out_and_where_they_went(run):
    Path("new.csv").write_text(
        HEADER + "a@example.org,A,en,express,2020-01-01,web\nb@,B,en,express,2020-01-01,web\n",
        encoding="utf-8",
    )
    result = run("import", "new.csv", "--skip-invalid", "--rejects", "bad.csv")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[-1] == (
        "new.csv:3: invalid email address 'b@': There must be something after the @-sign."
    )
    assert (
        result.stdout
        == "new.csv: 1 added, 0 updated, 0 unchanged, 1 rejected (written to bad.csv)\n"
    )
    assert Path("bad.csv").read_text(encoding="utf-8-sig").startswith("rejected_because,email,")
    again = run("import", "new.csv", "--skip-invalid", "--rejects", "bad.csv")
    assert again.stdout.endswith("1 rejected (written to bad.csv); nothing changed\n")


def test_skip_invalid_never_replaces_a_rejects_file_it_was_not_told_to(run):
    faculty = Path("subscribers/faculty.csv")
    faculty.write_text(
        HEADER + "a@example.org,A,en,express,2020-01-01,web\nb@,B,en,express,2020-01-01,web\n",
        encoding="utf-8",
    )
    first = run("import", "subscribers/faculty.csv", "--skip-invalid")
    assert first.stdout == (
        "subscribers/faculty.csv: 1 added, 0 updated, 0 unchanged, "
        "1 rejected (written to subscribers/faculty.rejects.csv)\n"
    )
    rejects = Path("subscribers/faculty.rejects.csv")
    rejects.write_text("rejected_because,email\n,b@example.org being fixed\n", encoding="utf-8")
    with faculty.open("a", encoding="utf-8") as stream:
        stream.write("c@example.org,C,en,express,2020-01-01,web\n")

    refused = run("import", "subscribers/faculty.csv", "--skip-invalid")
    assert (refused.exit_code, refused.stdout) == (1, "")
    assert refused.stderr.endswith(
        "error: subscribers/faculty.rejects.csv already exists (rows rejected before, perhaps "
        "being fixed) and is not replaced; nothing was imported. Import or move it first, or "
        "name a file with --rejects FILE (replaced if it exists)\n"
    )
    assert rejects.read_text(encoding="utf-8") == (
        "rejected_because,email\n,b@example.org being fixed\n"
    )
    assert run("list").stdout.endswith("\n1 subscriber\n")

    named = run("import", faculty.as_posix(), "--skip-invalid", "--rejects", rejects.as_posix())
    assert named.stdout.startswith("subscribers/faculty.csv: 1 added, 0 updated, 1 unchanged")
    assert rejects.read_text(encoding="utf-8-sig").startswith("rejected_because,email,name,")


def test_unwritable_rejects_file_is_a_one_line_error_and_nothing_is_imported(run):
    Path("new.csv").write_text(
        HEADER + "a@example.org,A,en,express,2020-01-01,web\nb@,B,en,express,2020-01-01,web\n",
        encoding="utf-8",
    )
    result = run("import", "new.csv", "--skip-invalid", "--rejects", "missing/rejects.csv")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.endswith(
        "error: cannot write missing/rejects.csv: No such file or directory\n"
    )
    assert run("list").stdout == "0 subscribers\n"


def test_import_of_a_list_without_consent_takes_it_from_the_options(run):
    Path("members.csv").write_text("email,name\na@example.org,A\n", encoding="utf-8")
    refused = run("import", "members.csv")
    assert refused.exit_code == 1
    assert (
        "members.csv:1: no 'consent' column: add one (express or implied) or pass --consent"
        in refused.stderr
    )
    bad_date = run("import", "members.csv", "--consent", "express", "--consented-at", "May 1")
    assert bad_date.exit_code == 2
    assert (
        "Invalid value for --consented-at: 'May 1' is not a valid date: write YYYY-MM-DD"
        in bad_date.stderr
    )
    result = run(
        "import",
        "members.csv",
        "--consent",
        "express",
        "--consented-at",
        "2025-05-01",
        "--source",
        "2025 membership form",
    )
    assert result.stdout == "members.csv: 1 added, 0 updated, 0 unchanged\n"
    assert "express 2025-05-01  2025 membership form" in run("show", "a@example.org").stdout


def test_add_then_list_shows_a_table(run):
    result = run(
        "add",
        "Hiroshi.Tanaka@Example.jp",
        "--name",
        "田中 浩",
        "--language",
        "ja",
        "--consent",
        "implied",
        "--source",
        "business card",
        "--consented-at",
        "2025-11-21",
    )
    assert result.stdout == "added Hiroshi.Tanaka@Example.jp (ja, implied consent of 2025-11-21)\n"
    run(
        "add",
        "claire@example.org",
        "--consent",
        "express",
        "--source",
        "web form",
        "--consented-at",
        "2024-06-14",
    )
    assert run("list").stdout == (
        "id  email                      name     lang  status  consent  given       lapses\n"
        "1   Hiroshi.Tanaka@Example.jp  田中 浩  ja    active  implied  2025-11-21  2027-11-21\n"
        "2   claire@example.org                  en    active  express  2024-06-14  -\n"
        "2 subscribers\n"
    )
    assert run("list", "--language", "JA").stdout.endswith("\n1 subscriber\n")


def test_name_or_source_with_a_line_break_is_refused(run):
    result = run(
        "add", "a@example.org", "--name", "Ann\nSmith", "--consent", "express", "--source", "form"
    )
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: Invalid value for --name: has a line break\n")
    result = run("unsubscribe", "a@example.org", "--source", "phone\x00call")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: Invalid value for --source: has a control character (U+0000)\n"
    )
    assert run("list").stdout == "0 subscribers\n"


def test_name_that_is_a_formula_is_exported_inert_and_imports_back(run):
    formula = '=HYPERLINK("http://evil.example/","click")'
    run("add", "a@example.org", "--name", formula, *FORM_CONSENT)
    assert run("export").stdout == (
        "email,name,language,status,consent,consented_at,source\n"
        'a@example.org,"\'=HYPERLINK(""http://evil.example/"",""click"")",en,active,express,'
        "2024-01-02,form\n"
    )
    run("export", "all.csv")
    assert run("import", "all.csv").stdout == (
        "all.csv: 0 added, 0 updated, 1 unchanged; nothing changed\n"
    )
    assert formula in run("list").stdout


def test_add_needs_a_consent_and_its_source(run):
    result = run("add", "a@example.org", "--consent", "express")
    assert result.exit_code == 2
    assert "Missing option '--source'" in result.stderr


def test_unsubscribed_person_comes_back_only_with_express_consent(run):
    run(
        "add",
        "a@example.org",
        "--consent",
        "implied",
        "--source",
        "card",
        "--consented-at",
        days_ago(30),
    )
    assert run("unsubscribe", "a@example.org").stdout == "unsubscribed a@example.org\n"
    assert run("unsubscribe", "A@example.org").stdout == (
        f"a@example.org is already unsubscribed (since {today()}); nothing changed\n"
    )
    refused = run("add", "a@example.org", "--consent", "implied", "--source", "card")
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"error: a@example.org is unsubscribed (since {today()}); only a new express "
        "consent re-activates them: --consent express --source HOW --consented-at DATE\n"
    )
    back = run("add", "a@example.org", "--consent", "express", "--source", "phone call")
    assert back.stdout == f"re-activated a@example.org (express consent of {today()})\n"


def test_forget_asks_first_and_then_keeps_the_address_out(run):
    run("add", "a@example.org", "--consent", "express", "--source", "form")
    declined = run("forget", "a@example.org", stdin="n\n")
    assert (declined.exit_code, declined.stdout) == (0, "Nothing was forgotten.\n")
    assert "Forget a@example.org? Their data is deleted for good" in declined.stderr
    unanswered = run("forget", "a@example.org", stdin="")
    assert (unanswered.exit_code, unanswered.stdout) == (1, "Nothing was forgotten.\n")
    assert run("list").stdout.endswith("1 subscriber\n")
    assert run("forget", "a@example.org", "--yes").stdout == (
        "forgot a@example.org: their data is deleted; imports will skip the address\n"
    )
    Path("again.csv").write_text(
        HEADER + "A@example.org,A,en,express,2020-01-01,web\n", encoding="utf-8"
    )
    result = run("import", "again.csv")
    assert result.stderr.endswith(
        f"again.csv:2: 'A@example.org' was forgotten on {today()} (right to erasure); skipped\n"
    )
    assert (
        result.stdout
        == "again.csv: 0 added, 0 updated, 0 unchanged, 1 forgotten (skipped); nothing changed\n"
    )


def test_list_expiring_shows_implied_consent_lapsing_within_30_days_by_default(run):
    soon = days_ago(2 * 365 - 10)  # implied consent lapses two years after it was given
    later = days_ago(2 * 365 - 60)
    run(
        "add",
        "soon@example.org",
        "--consent",
        "implied",
        "--source",
        "card",
        "--consented-at",
        soon,
    )
    run(
        "add",
        "later@example.org",
        "--consent",
        "implied",
        "--source",
        "card",
        "--consented-at",
        later,
    )
    assert run("list", "--expiring").stdout.splitlines()[1:] == [
        f"1   soon@example.org        en    active  implied  {soon}  {run_lapse(soon)}",
        "1 subscriber",
    ]
    assert run("list", "--expiring", "90").stdout.endswith("2 subscribers\n")
    assert run("list", "--expiring", "0").stdout == "0 subscribers\n"
    assert run("list", "--expired").stdout == "0 subscribers\n"


def test_expiring_reads_as_a_number_of_days(run):
    help_text = " ".join(run("list", "--help").stdout.split())
    assert (
        "--expiring DAYS Active subscribers whose implied consent lapses within DAYS days "
        "(default 30; 0: later today)." in help_text
    )
    assert "x>=" not in help_text


def run_lapse(given: str) -> str:
    day = dt.date.fromisoformat(given)
    try:
        return day.replace(year=day.year + 2).isoformat()
    except ValueError:
        return day.replace(year=day.year + 2, day=28).isoformat()


def test_count_shows_statuses_by_language_and_who_may_be_mailed(run):
    for email, language, consent, given in [
        ("a@example.org", "en", "express", "2015-01-01"),
        ("b@example.org", "ja", "express", "2015-01-01"),
        ("c@example.org", "ja", "implied", "2015-01-01"),  # lapsed long ago
        ("d@example.org", "en", "implied", days_ago(10)),
    ]:
        run(
            "add",
            email,
            "--language",
            language,
            "--consent",
            consent,
            "--source",
            "s",
            "--consented-at",
            given,
        )
    run("unsubscribe", "a@example.org")
    assert run("count").stdout == (
        "status        en  ja  total\n"
        "active         1   2      3\n"
        "unsubscribed   1   0      1\n"
        "bounced        0   0      0\n"
        "complained     0   0      0\n"
        "total          2   2      4\n"
        "may be mailed now: 2 of 3 active (1 with lapsed implied consent: list --expired)\n"
    )


def test_export_writes_csv_to_stdout_or_a_file(run):
    run("add", "a@example.org", "--name", "Ann", *FORM_CONSENT)
    assert run("export").stdout == (
        "email,name,language,status,consent,consented_at,source\n"
        "a@example.org,Ann,en,active,express,2024-01-02,form\n"
    )
    Path("all.csv").write_text("an older export\n", encoding="utf-8")
    result = run("export", "all.csv")
    assert result.stderr == "exported 1 subscriber to all.csv\n"
    assert Path("all.csv").read_text(encoding="utf-8-sig") == run("export").stdout
    assert sorted(p.name for p in Path().glob("*all.csv*")) == ["all.csv"]  # no temporary left


def test_export_to_a_missing_folder_is_a_one_line_error(run):
    result = run("export", "missing/all.csv")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.endswith(
        "error: cannot write missing/all.csv: No such file or directory\n"
    )
    assert not Path("missing").exists()


def test_consent_given_now_is_exported_to_the_second_and_imports_back_unchanged(run):
    run("add", "a@example.org", "--consent", "express", "--source", "form")
    exported = run("export").stdout.splitlines()[1]
    given = exported.split(",")[5]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", given), exported
    run("export", "all.csv")
    assert run("import", "all.csv").stdout == (
        "all.csv: 0 added, 0 updated, 1 unchanged; nothing changed\n"
    )


def test_unknown_address_is_a_one_line_error(run):
    run("count")
    result = run("unsubscribe", "nobody@example.org")
    assert (result.exit_code, result.stderr) == (
        1,
        "error: no subscriber with the address 'nobody@example.org'\n",
    )


def test_unreachable_database_is_a_one_line_error(sample_project, monkeypatch):
    monkeypatch.chdir(sample_project)
    url = "postgresql://postgres@127.0.0.1:1/newsletter"
    result = CliRunner().invoke(cli, ["subscribers", "count"], env={"NEWSLETTER_DATABASE_URL": url})
    assert result.exit_code == 1
    assert result.output == f"error: cannot open the database {url}: connection refused\n"


def test_file_that_is_not_a_database_is_a_one_line_error(sample_project, monkeypatch):
    monkeypatch.chdir(sample_project)
    Path("newsletter.db").write_text("email,name\na@example.org,A\n" * 200, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["subscribers", "count"], env={"NEWSLETTER_DATABASE_URL": "sqlite:///newsletter.db"}
    )
    assert (result.exit_code, result.output) == (
        1,
        "error: cannot open the database newsletter.db: file is not a database\n",
    )


def test_a_new_project_imports_its_sample_list(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    CliRunner().invoke(cli, ["init", "letters"], catch_exceptions=False)
    monkeypatch.chdir(tmp_path / "letters")
    result = CliRunner().invoke(
        cli, ["subscribers", "import", "subscribers/sample.csv"], catch_exceptions=False
    )
    assert result.stdout == "subscribers/sample.csv: 1 added, 0 updated, 0 unchanged\n"
    assert result.stderr == "created the database newsletter.db\n"
    assert (tmp_path / "letters" / "newsletter.db").is_file()


def test_add_needs_a_real_consent_source(tmp_path):
    from click.testing import CliRunner

    from newsletter.cli import cli
    from newsletter.project import create_project

    create_project(tmp_path / "p", "Test")
    result = CliRunner().invoke(
        cli,
        ["-p", str(tmp_path / "p"), "subscribers", "add", "z@example.org",
         "--consent", "express", "--source", "  "],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "Error: Invalid value for --source: say how consent was obtained (CASL)" in result.output


def test_import_lists_rejected_and_skipped_rows_in_line_order(run):
    """Rejected rows, unsubscribed people and forgotten addresses, each found at another
    stage of the import, are listed as the list has them."""
    for email in ("a@example.org", "b@example.org"):
        run("add", email, *FORM_CONSENT)
    run("unsubscribe", "a@example.org")
    run("forget", "b@example.org", "--yes")
    Path("mixed.csv").write_text(
        HEADER
        + "x@,X,en,express,2020-01-01,web\n"
        + "b@example.org,B,en,express,2020-01-01,web\n"
        + "a@example.org,A,en,express,2020-01-01,web\n"
        + "y@,Y,en,express,2020-01-01,web\n",
        encoding="utf-8",
    )
    result = run("import", "mixed.csv", "--skip-invalid")
    assert [line.split(":")[1] for line in result.stderr.splitlines()] == ["2", "3", "4", "5"]


BOM = b"\xef\xbb\xbf"  # what tells Excel that a CSV file is UTF-8


def test_exported_file_opens_in_excel_and_imports_back_unchanged(run):
    run("add", "zoe@example.org", "--name", "Zoë Ōtani", *FORM_CONSENT)
    run("add", "taro@example.jp", "--name", "山田 太郎", "--language", "ja", *FORM_CONSENT)
    run("export", "all.csv")
    data = Path("all.csv").read_bytes()
    assert data.startswith(BOM + b"email,name,")
    assert "Zoë Ōtani" in data.decode("utf-8-sig") and "山田 太郎" in data.decode("utf-8-sig")
    assert not run("export").stdout.startswith("\ufeff")  # programs read standard output
    assert run("import", "all.csv").stdout == (
        "all.csv: 0 added, 0 updated, 2 unchanged; nothing changed\n"
    )


def test_rejects_file_opens_in_excel_and_imports_back_once_fixed(run):
    Path("new.csv").write_text(
        HEADER + "zoe@,Zoë Ōtani,en,express,2020-01-01,web\n", encoding="utf-8"
    )
    run("import", "new.csv", "--skip-invalid")
    rejects = Path("new.rejects.csv")
    assert rejects.read_bytes().startswith(BOM + b"rejected_because,email,")
    fixed = rejects.read_bytes().replace(b"zoe@,", b"zoe@example.org,")
    Path("fixed.csv").write_bytes(fixed)  # as Excel saves "CSV UTF-8": with the mark
    assert run("import", "fixed.csv").stdout == "fixed.csv: 1 added, 0 updated, 0 unchanged\n"
    assert "Zoë Ōtani" in run("list").stdout


def test_show_gives_each_change_its_time_and_zone(run):
    run("add", "a@example.org", *FORM_CONSENT)
    run("unsubscribe", "a@example.org")
    history = run("show", "a@example.org").stdout.split("\n\n")[1].splitlines()
    assert history[0].split() == [
        "when", "change", "status", "consent", "source", "via", "by", "changed",
    ]  # fmt: skip
    for line in history[1:]:
        assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d E[SD]T  ", line), line


def test_show_lists_a_change_of_preferences_with_what_it_changed_escaped(run, store):
    run("add", "a@example.org", "--name", "Ann", *FORM_CONSENT)
    saved_at = dt.datetime(2026, 1, 15, 17, 0, tzinfo=dt.UTC)
    made = Change("preferences page, link of send 3", "subscriber", saved_at)
    set_preferences(store, store.get("a@example.org").id, "Ann \u202eSmith", "ja", made)
    shown = run("show", "a@example.org").stdout
    last = shown.split("\n\n")[1].splitlines()[-1]
    assert re.split(r"\s{2,}", last) == [
        "2026-01-15 12:00 EST",
        "preferences",
        "active",
        "express 2024-01-02",
        "form",
        "preferences page, link of send 3",
        "subscriber",
        "name: 'Ann' -> 'Ann \\u202eSmith'; language: en -> ja",
    ]
    assert "\u202e" not in shown  # the override is shown, not obeyed: in the history
    assert "Ann \\u202eSmith  " in shown.split("\n\n")[0]  # and in the subscriber's row
