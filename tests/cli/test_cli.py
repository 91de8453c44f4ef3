"""The `newsletter` command as a user meets it: init, validate, new, help and errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter import __version__
from newsletter.cli import cli


@pytest.fixture
def run(monkeypatch):
    def invoke(*args: str, cwd: Path | None = None):
        if cwd:
            monkeypatch.chdir(cwd)
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_version(run):
    result = run("--version")
    assert result.exit_code == 0
    assert result.output == f"newsletter, version {__version__}\n"


def test_every_command_has_help(run):
    for name, command in cli.commands.items():
        result = run(name, "--help")
        assert result.exit_code == 0, name
        assert command.get_short_help_str() and "Usage:" in result.output


def test_init_makes_a_project_that_validates(run, tmp_path):
    result = run("init", str(tmp_path / "letters"), "--name", "Lab News")
    assert result.exit_code == 0, result.output
    project = tmp_path / "letters"
    assert (project / "newsletter.toml").is_file()
    assert (project / "subscribers" / "sample.csv").is_file()
    assert list((project / "templates").iterdir())
    [issue] = (project / "issues").glob("*.yaml")
    assert "Lab News" in issue.read_text(encoding="utf-8")

    result = run("validate", cwd=project)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "warning: newsletter.toml: newsletter.base_url is still the example "
        "'https://example.org/newsletter/'",
        "warning: newsletter.toml: sender.address is still the example 'newsletter@example.org'",
        "warning: newsletter.toml: sender.reply_to is still the example 'newsletter@example.org'",
        "warning: newsletter.toml: sender.postal_address is still the example 'Your postal "
        "address (CASL and CAN-SPAM require one in every message)'",
        "warning: newsletter.toml: sender.contact_url is still the example "
        "'https://example.org/contact/'",
        "ok: newsletter.toml and 1 issue (0 ready, 1 draft), 5 warnings",
    ]
    assert run("validate", "--strict", cwd=project).exit_code == 1


def test_init_refuses_an_existing_project(run, tmp_path):
    run("init", str(tmp_path))
    result = run("init", str(tmp_path))
    assert result.exit_code == 1
    assert "already a newsletter project" in result.output


def test_validate_reports_problems_and_exits_1_without_traceback(run, tmp_path):
    run("init", str(tmp_path))
    [issue] = (tmp_path / "issues").glob("*.yaml")
    issue.write_text(issue.read_text().replace("title:", "titel:", 1), encoding="utf-8")
    result = run("validate", cwd=tmp_path)
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if not line.startswith("warning")] == [
        f"issues/{issue.name}:2:1: unknown key 'titel'; did you mean 'title'?",
        "1 problem in 1 file",
    ]
    assert "Traceback" not in result.output


def test_validate_outside_a_project(run, tmp_path):
    result = run("validate", cwd=tmp_path)
    assert result.exit_code == 1
    assert "no newsletter.toml in" in result.output


def test_new_writes_next_quarter_as_a_draft_with_the_last_sections(run, sample_project):
    result = run("new", cwd=sample_project)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Wrote issues/")
    path = sample_project / result.output.split()[1].rstrip(":")
    text = path.read_text(encoding="utf-8")
    assert "status: draft" in text
    assert "sections:" in text and 'title: ""' in text


def test_new_with_a_date_and_refusal_to_overwrite(run, tmp_path):
    run("init", str(tmp_path))
    result = run("new", "--date", "2031-04-10", cwd=tmp_path)
    assert result.output == (
        "Wrote issues/2031-04.yaml: write its empty texts and entries, then set 'status: ready'.\n"
    )
    text = (tmp_path / "issues" / "2031-04.yaml").read_text(encoding="utf-8")
    assert "date: 2031-04-10" in text and "status: draft" in text
    again = run("new", "--date", "2031-04-10", cwd=tmp_path)
    assert again.exit_code == 1
    assert "issues/2031-04.yaml already exists" in again.output


def test_new_draft_lists_what_the_editor_must_fill_in(run, tmp_path):
    run("init", str(tmp_path))
    run("new", "--date", "2031-04-10", cwd=tmp_path)
    result = run("validate", "issues/2031-04.yaml", cwd=tmp_path)
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if line.startswith("issues/")] == [
        "issues/2031-04.yaml:5:12: preheader: is empty: write the text",
        "issues/2031-04.yaml:6:8: intro: is empty: write the text",
        "issues/2031-04.yaml:10:16: sections[0].entries[0].title: is empty: write the text",
    ]


def test_console_script_runs(tmp_path):
    script = Path(sys.executable).with_name("newsletter")
    result = subprocess.run([script, "--help"], capture_output=True, text=True, check=True)
    assert "validate" in result.stdout


def test_a_draft_being_written_does_not_block_build_or_archive(run, sample_project):
    assert run("new", cwd=sample_project).exit_code == 0  # a draft with empty entries
    archive = run("archive", cwd=sample_project)
    assert archive.exit_code == 0, archive.output
    assert "warning: skipped the draft issues/2013-11.yaml (5 problems; " in archive.output
    build = run("build", "--out", "out", cwd=sample_project)
    assert build.exit_code == 0, build.output
    assert (sample_project / "out" / "2013-05" / "en" / "email.html").is_file()
    assert run("validate", cwd=sample_project).exit_code == 1  # validate still lists them


def test_a_broken_ready_issue_blocks_the_archive(run, sample_project):
    issue = sample_project / "issues" / "2012-07.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace("title:", "titel:", 1))
    result = run("archive", cwd=sample_project)
    assert result.exit_code == 1
    assert "issues/2012-07.yaml:3:1: unknown key 'titel'; did you mean 'title'?" in result.output
    assert "1 problem in 1 file; nothing was written" in result.output


def test_second_new_goes_past_an_unfinished_draft(run, sample_project):
    run("new", cwd=sample_project)
    result = run("new", cwd=sample_project)
    assert result.output.startswith("Wrote issues/2014-02.yaml"), result.output


def test_validate_takes_folders_and_says_what_is_not_an_issue(run, sample_project):
    (sample_project / "notes.csv").write_text("a,b\n")
    result = run("validate", "issues", "newsletter.toml", "notes.csv", cwd=sample_project)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "notes.csv: not an issue file: issues are .yaml files (the config is checked anyway)",
        "1 problem in 1 file",
    ]


def test_misspelt_environment_variable_is_a_warning(run, sample_project, monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SMTP_HOSTT", "mail.example.org")
    result = run("validate", cwd=sample_project)
    assert result.exit_code == 0
    warning = "warning: NEWSLETTER_SMTP_HOSTT is not a setting: is it NEWSLETTER_SMTP_HOST?"
    assert result.output.splitlines().count(warning) == 1  # said once, as any command does
    assert result.output.endswith(", 1 warning\n")  # and counted: --strict fails on it


def test_build_of_an_unknown_issue(run, sample_project):
    result = run("build", "nosuch", cwd=sample_project)
    assert result.exit_code == 1
    assert result.output == (
        "error: no issue 'nosuch': there is no file nosuch nor issues/nosuch.yaml\n"
    )


def test_project_folder_that_does_not_exist(run, tmp_path):
    result = run("--project", str(tmp_path / "nowhere"), "validate")
    assert result.exit_code == 1
    assert result.output == f"error: the project folder {tmp_path / 'nowhere'} does not exist\n"


@pytest.mark.parametrize("name", ['R\\D "News": Weekly #1', "物理学科ニュース"])
def test_init_takes_any_name(run, tmp_path, name):
    run("init", str(tmp_path), "--name", name)
    result = run("validate", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    from newsletter.config import load_config

    assert load_config(tmp_path, {}).settings.newsletter.name == name


def test_init_where_it_cannot_write(run, tmp_path):
    (tmp_path / "a-file").write_text("x")
    result = run("init", str(tmp_path / "a-file" / "news"))
    assert result.exit_code == 1
    assert result.output.startswith(f"error: cannot make {tmp_path / 'a-file' / 'news'}: ")


def test_validate_checks_the_templates_too(run, sample_project):
    entry = sample_project / "templates" / "partials" / "entry.mjml"
    entry.write_text(entry.read_text(encoding="utf-8").replace("mj-text", "mj-txt", 1))
    result = run("validate", cwd=sample_project)
    assert result.exit_code == 1
    assert "templates/partials/entry.mjml:" in result.output
    assert "unknown tag <mj-txt>" in result.output


def test_validate_warns_about_a_language_without_words(run, sample_project, monkeypatch):
    monkeypatch.setenv("NEWSLETTER_NEWSLETTER_LANGUAGES", "en,ja,fr")
    result = run("validate", cwd=sample_project)
    assert result.exit_code == 0, result.output
    assert (
        "warning: templates/labels.toml has no [fr] table: the fr edition uses English words"
    ) in result.output


def test_validate_warns_when_gmail_would_clip_an_issue(run, sample_project):
    issue = sample_project / "issues" / "2013-05.yaml"
    text = issue.read_text(encoding="utf-8")
    many = "".join(
        f"      - title: Entry number {n} with a reasonably long title\n"
        f"        date: 2013-05\n"
        f"        url: https://example.org/{n}\n"
        f"        summary: A summary of entry {n}, long enough to weigh something.\n"
        for n in range(90)
    )
    text = text.replace("    entries:\n", "    entries:\n" + many, 1)
    issue.write_text(text, encoding="utf-8")
    result = run("validate", cwd=sample_project)
    assert result.exit_code == 0, result.output
    assert "warning: issues/2013-05.yaml: the en edition's email.html is " in result.output
    assert "Gmail clips messages over 102 KB" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("",), "error: init needs a folder name\n"),
        (("x", "--name", ""), "error: the newsletter's name is empty\n"),
        (("x", "--name", "Two\nlines"), "error: the newsletter's name must be one line\n"),
    ],
)
def test_init_refuses_empty_or_multi_line_input(run, tmp_path, args, message):
    result = run("init", *args, cwd=tmp_path)
    assert (result.exit_code, result.output) == (1, message)
    assert list(tmp_path.iterdir()) == []


def test_config_that_is_not_utf8(run, tmp_path):
    (tmp_path / "newsletter.toml").write_bytes(b"\xff\xfe[newsletter]")
    result = run("validate", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.output == "error: newsletter.toml: is not UTF-8 text (invalid start byte)\n"


def test_validate_shows_warnings_with_the_problems(run, tmp_path):
    run("init", str(tmp_path))
    (tmp_path / "issues" / "2030-01.yaml").mkdir()
    result = run("validate", cwd=tmp_path)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert sum(line.startswith("warning: newsletter.toml:") for line in lines) == 5
    assert lines[-2:] == [
        "issues/2030-01.yaml: is a folder, not an issue file",
        "1 problem in 1 file",
    ]


def test_build_of_a_missing_path_names_only_that_path(run, sample_project):
    result = run("build", "issues/2099-01.yaml", cwd=sample_project)
    assert (
        result.output
        == "error: no issue 'issues/2099-01.yaml': there is no file issues/2099-01.yaml\n"
    )


@pytest.mark.parametrize(
    ("drafts", "counts"),
    [
        (0, "8 issues (8 ready, no drafts)"),
        (1, "9 issues (8 ready, 1 draft)"),
        (2, "10 issues (8 ready, 2 drafts)"),
    ],
)
def test_validate_counts_drafts_in_words(run, sample_project, drafts, counts):
    (sample_project / "issues" / "2013-08.yaml").unlink()  # the sample's draft
    for _ in range(drafts):
        assert run("new", cwd=sample_project).exit_code == 0
    for path in (sample_project / "issues").glob("*.yaml"):  # make the new drafts valid
        path.write_text(path.read_text(encoding="utf-8").replace('""', '"T"'))
    result = run("validate", cwd=sample_project)
    assert result.output == f"ok: newsletter.toml and {counts}\n"


def test_validate_of_a_project_without_issues(run, tmp_path):
    run("init", str(tmp_path))
    for path in (tmp_path / "issues").glob("*.yaml"):
        path.unlink()
    result = run("validate", cwd=tmp_path)
    assert result.stdout == "ok: newsletter.toml and no issues, 5 warnings\n"


def test_validate_of_a_bad_config_does_not_say_nothing_was_written(run, sample_project):
    config = sample_project / "newsletter.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("timezone", "tmezone", 1))
    result = run("validate", cwd=sample_project)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "1 problem in 1 config file"
    build = run("build", cwd=sample_project)  # which, unlike validate, would write
    assert build.output.splitlines()[-1] == "1 problem in 1 config file; nothing was written"


def commands_acting_on_a_project() -> list[tuple[str, ...]]:
    from newsletter.cli.subscribers import subscribers

    found = [(name,) for name in cli.commands if name not in ("init", "subscribers")]
    return found + [("subscribers", name) for name in subscribers.commands]


@pytest.mark.parametrize("command", commands_acting_on_a_project(), ids=" ".join)
def test_every_command_acting_on_a_project_takes_p_after_it(run, command):
    assert "-p, --project DIRECTORY" in run(*command, "--help").output


def test_p_after_the_command_acts_on_that_project(run, sample_project, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run("validate", "-p", str(sample_project), cwd=elsewhere)
    assert result.output == "ok: newsletter.toml and 9 issues (8 ready, 1 draft)\n"
    listed = run("subscribers", "list", "--project", str(sample_project), cwd=elsewhere)
    assert listed.exit_code == 0, listed.output
    assert listed.stdout == "0 subscribers\n"
    assert (sample_project / "newsletter.db").is_file()


def test_p_given_twice_the_later_one_counts(run, sample_project, tmp_path):
    result = run("-p", str(tmp_path / "nowhere"), "validate", "-p", str(sample_project))
    assert result.exit_code == 0, result.output
    result = run("-p", str(sample_project), "validate", "-p", str(tmp_path / "nowhere"))
    assert result.output == f"error: the project folder {tmp_path / 'nowhere'} does not exist\n"


def test_a_command_closes_its_database_before_the_process_ends(sample_project):
    """SQLite folds its write-ahead log back into the database file as the last connection
    closes: a send leaves no newsletter.db-wal beside it, however the process exits."""
    newsletter = Path(sys.executable).with_name("newsletter")
    sent = subprocess.run(
        [str(newsletter), "-p", str(sample_project), "send", "2013-05", "--yes"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert sent.returncode == 0, sent.stderr
    assert "2013-05 en: 0 sent" in sent.stdout
    assert sorted(p.name for p in sample_project.glob("newsletter.db*")) == ["newsletter.db"]
