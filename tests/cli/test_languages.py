"""Editions in languages written as BCP 47 tags (`zh-Hant`, `pt-BR`), from config to site."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import cli

ISSUE = """\
title: {en: "Lab News, April 2031", zh-Hant: 實驗室通訊 2031年4月}
date: 2031-04-10
status: ready
sections:
  - title: {en: News, zh-Hant: 新聞}
    entries:
      - title: 研究室開放日
        date: 2031-04-02
        language: zh-Hant
      - title: Notícias do laboratório
        date: 2031-04
        language: pt-BR
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    CliRunner().invoke(cli, ["init", str(tmp_path / "p"), "--name", "Lab News"])
    project = tmp_path / "p"
    for path in (project / "issues").glob("*.yaml"):
        path.unlink()
    (project / "issues" / "2031-04.yaml").write_text(ISSUE, encoding="utf-8")
    monkeypatch.chdir(project)
    monkeypatch.setenv("NEWSLETTER_NEWSLETTER_LANGUAGES", "en,zh-Hant,pt-BR")
    return project


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_bcp47_languages_validate_build_and_archive(project):
    validated = run("validate")
    assert validated.exit_code == 0, validated.output
    assert validated.stdout.startswith("ok: newsletter.toml and 1 issue")

    assert run("build").exit_code == 0
    chinese = (project / "build" / "2031-04" / "zh-Hant" / "web.html").read_text(encoding="utf-8")
    assert 'lang="zh-Hant"' in chinese
    assert "實驗室通訊 2031年4月" in chinese
    assert "2031年4月2日" in chinese  # the entry's date, as Babel writes it in zh-Hant
    portuguese = (project / "build" / "2031-04" / "pt-BR" / "web.html").read_text("utf-8")
    assert 'lang="pt-BR"' in portuguese and "abril de 2031" in portuguese

    assert run("archive").exit_code == 0
    assert (project / "site" / "zh-Hant" / "2031-04" / "index.html").is_file()
    assert (project / "site" / "pt-BR" / "index.html").is_file()


def test_babel_form_of_a_language_keeps_its_folder(project, monkeypatch):
    """Projects that wrote `pt_BR` before BCP 47 tags were taken keep their folders."""
    monkeypatch.setenv("NEWSLETTER_NEWSLETTER_LANGUAGES", "en,pt_BR")
    issue = project / "issues" / "2031-04.yaml"
    issue.write_text(ISSUE.replace("zh-Hant: ", "pt_BR: "), encoding="utf-8")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert (project / "build" / "2031-04" / "pt_BR" / "email.html").is_file()


def test_unknown_language_is_refused_with_examples(project, monkeypatch):
    monkeypatch.setenv("NEWSLETTER_NEWSLETTER_LANGUAGES", "en,klingon")
    result = run("validate")
    assert result.exit_code == 1
    assert result.output == (
        "environment variable NEWSLETTER_NEWSLETTER_LANGUAGES: 'klingon' is not a known "
        "language code (try en, fr, ja, pt-BR, zh-Hant)\n"
        "1 problem in 1 config file\n"
    )
