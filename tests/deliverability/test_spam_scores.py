"""SpamAssassin's scores are kept by the message and the SpamAssassin that scored it: `send`
after `check` does not score the same message again, and anything that could change a score
(the message, SpamAssassin's program or rules) scores afresh."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.config import load_config
from newsletter.deliverability.scores import (
    ScoreCache,
    cache_folder,
    score_key,
    scorer_fingerprint,
)
from newsletter.deliverability.spam import SpamScore
from newsletter.issues import find_issue
from newsletter.mail import preview_message
from newsletter.render import Renderer
from tests.conftest import needs

SPAMASSASSIN = shutil.which("spamassassin")
needs_spamassassin = needs(
    SPAMASSASSIN is not None, "spamassassin is not installed (.ci/setup installs it)"
)


@pytest.fixture
def project(sample_project: Path, monkeypatch) -> Path:
    monkeypatch.chdir(sample_project)
    return sample_project


def english_message(project: Path, subject: str | None = None):
    config = load_config(project, {})
    edition = Renderer(config).render(find_issue(config, "2013-05"), ["en"]).edition("en")
    if subject:
        edition = dataclasses.replace(edition, subject=subject)
    return preview_message(edition, config)


def test_two_renderings_of_one_message_have_one_key_though_date_id_and_boundary_differ(project):
    first, second = english_message(project), english_message(project)
    first_bytes, second_bytes = first.as_bytes(), second.as_bytes()
    assert first_bytes != second_bytes
    assert first["Message-ID"] != second["Message-ID"]
    assert first.get_boundary() != second.get_boundary()
    assert score_key(first, "scorer") == score_key(second, "scorer")


def test_another_subject_or_another_scorer_gives_another_key(project):
    message = english_message(project)
    key = score_key(message, "scorer")
    assert score_key(message, "another scorer") != key
    assert score_key(english_message(project, subject="FREE MONEY"), "scorer") != key


def test_a_body_line_that_looks_like_a_date_or_message_id_header_counts(project):
    def key_with_text(text: str) -> str:
        message = english_message(project)
        message.get_payload()[0].set_content(text, cte="quoted-printable")
        return score_key(message, "scorer")

    assert key_with_text("Date: Monday\n") == key_with_text("Date: Monday\n")
    assert key_with_text("Date: Monday\n") != key_with_text("Date: Tuesday\n")
    assert key_with_text("Message-ID: <a@b>\n") != key_with_text("Message-ID: <c@d>\n")


def test_the_fingerprint_follows_the_rule_folders_the_program_names(tmp_path):
    rules, local = tmp_path / "rules", tmp_path / "local"
    rules.mkdir()
    local.mkdir()
    (rules / "50_scores.cf").write_text("score SOME_RULE 1.0\n")
    program = tmp_path / "spamassassin"
    program.write_text(
        "#!/usr/bin/perl\n"
        f"my $DEF_RULES_DIR   = '{rules}';      # substituted at 'make' time\n"
        f"my $LOCAL_RULES_DIR = '{local}';    # substituted at 'make' time\n"
    )
    before = scorer_fingerprint(str(program))
    assert scorer_fingerprint(str(program)) == before
    (local / "local.cf").write_text("required_score 4.0\n")  # a local setting added
    added = scorer_fingerprint(str(program))
    assert added != before
    (rules / "50_scores.cf").write_text("score SOME_RULE 12.5\n")  # sa-update's new scores
    assert scorer_fingerprint(str(program)) != added


def test_without_rule_files_to_watch_nothing_is_kept(tmp_path):
    empty = tmp_path / "rules"
    empty.mkdir()
    program = tmp_path / "spamassassin"
    program.write_text(f"my $DEF_RULES_DIR   = '{empty}';\n")
    assert scorer_fingerprint(str(program)) is None


def test_a_kept_score_reads_back_and_a_damaged_one_is_scored_again(tmp_path):
    cache = ScoreCache(tmp_path / "scores")
    assert cache.get("k") is None
    at = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
    cache.put("k", SpamScore(1.2, [("HTML_MESSAGE", 0.001, "HTML included")], at))
    assert cache.get("k") == SpamScore(1.2, [("HTML_MESSAGE", 0.001, "HTML included")], at, True)
    (tmp_path / "scores" / "k.json").write_text("{not json")
    assert cache.get("k") is None


def test_a_cache_folder_that_cannot_be_written_only_means_scoring_again(tmp_path):
    (tmp_path / "file").write_text("")
    cache = ScoreCache(tmp_path / "file" / "scores")  # under a file: cannot be made
    cache.put("k", SpamScore(0.0, [], dt.datetime.now(dt.UTC)))
    assert cache.get("k") is None


def test_the_cache_folder_is_the_users_not_the_projects():
    assert cache_folder({"XDG_CACHE_HOME": "/x"}) == Path("/x/newsletter/spamassassin")
    assert cache_folder({"HOME": "/home/ed"}) == Path("/home/ed/.cache/newsletter/spamassassin")


@pytest.fixture
def counted_spamassassin(tmp_path: Path, monkeypatch) -> Path:
    """SpamAssassin behind a script that notes each run in a log."""
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "runs.log"
    program = folder / "spamassassin"
    program.write_text(f'#!/bin/sh\necho run >> "{log}"\nexec "{SPAMASSASSIN}" "$@"\n')
    program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return log


def runs(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


@needs_spamassassin
def test_check_again_and_send_after_check_reuse_its_scores_and_an_edit_scores_afresh(
    project, counted_spamassassin
):
    checked = CliRunner().invoke(cli, ["check", "2013-05"])
    assert checked.exit_code == 0, checked.output
    assert runs(counted_spamassassin) == 2  # one an edition
    assert "2013-05 (en): SpamAssassin score 0\n" in checked.output

    again = CliRunner().invoke(cli, ["check", "2013-05"])
    assert runs(counted_spamassassin) == 2
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    assert f"2013-05 (en): SpamAssassin score 0 (kept from {today} " in again.output
    assert "UTC: the same message, the same SpamAssassin)" in again.output

    sent = CliRunner().invoke(cli, ["send", "2013-05", "--yes"])
    assert sent.exit_code == 0, sent.output
    assert runs(counted_spamassassin) == 2

    source = project / "issues" / "2013-05.yaml"
    title = "  en: Japan Science and Technology Newsletter, May 2013\n"
    text = source.read_text(encoding="utf-8")
    assert title in text
    source.write_text(text.replace(title, title.replace("May", "Late May")), encoding="utf-8")
    CliRunner().invoke(cli, ["check", "2013-05"])
    assert runs(counted_spamassassin) == 3  # the English edition changed, and only it
