"""`newsletter build`: the files of every edition, their sizes, and refusal of a bad issue."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from tests.render.helpers import long_issue, write_issue


@pytest.fixture
def run(sample_project: Path, monkeypatch):
    monkeypatch.chdir(sample_project)

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_build_writes_every_output_of_every_language_and_prints_sizes(run, sample_project):
    result = run("build", "issues/2013-05.yaml", "--out", "out")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 8
    for language in ("en", "ja"):
        folder = sample_project / "out" / "2013-05" / language
        for name in ("email.html", "email.txt", "web.html", "preview.eml"):
            size = f"{(folder / name).stat().st_size / 1024:.1f} KB"
            assert f"out/2013-05/{language}/{name}".ljust(26) + f"  {size:>7}" in lines
        assert (folder / "images" / "banner-space.png").is_file()
        assert 'src="images/banner-space.png"' in (folder / "web.html").read_text()
        message = BytesParser(policy=policy.default).parsebytes(
            (folder / "preview.eml").read_bytes()
        )
        assert message["To"] == "Subscriber Name <subscriber@example.org>"
        assert "%%NL_" not in message.get_body(("html",)).get_content()


def test_sizes_are_right_aligned_in_a_column(run):
    lines = run("build", "2013-05", "--out", "out").output.splitlines()
    sizes = [line.rsplit("  ", 1)[1].strip() for line in lines]
    assert len({len(size) for size in sizes}) > 1  # 2.8 KB and 28.3 KB
    assert len({len(line) for line in lines}) == 1  # all end in the same column


def test_build_into_a_folder_it_cannot_write(run, sample_project):
    (sample_project / "a-file").write_text("x")
    result = run("build", "2013-05", "--out", "a-file/out")
    assert result.exit_code == 1
    assert result.output == "error: cannot write a-file/out/2013-05/en: Not a directory\n"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="no /proc")
def test_build_into_proc_is_refused_without_traceback(run):
    result = run("build", "2013-05", "--out", "/proc/x")
    assert result.exit_code == 1
    assert result.output == "error: cannot write /proc/x: No such file or directory\n"


def test_build_warns_once_of_a_language_without_labels(run, sample_project, monkeypatch):
    monkeypatch.setenv("NEWSLETTER_NEWSLETTER_LANGUAGES", "en,ja,fr")
    result = run("build", "2013-05", "--out", "out")
    assert result.exit_code == 0, result.output
    warning = "warning: templates/labels.toml has no [fr] table: the fr edition uses English words"
    assert result.stderr == warning + "\n"
    assert (sample_project / "out" / "2013-05" / "fr" / "email.html").is_file()


def test_build_warns_of_an_email_gmail_would_clip_and_still_writes_it(run, sample_project):
    write_issue(sample_project, long_issue(80), "2013-09.yaml")
    result = run("build", "2013-09", "--out", "out")
    assert result.exit_code == 0, result.output
    advice = "Gmail clips messages over 102 KB and hides the rest, the unsubscribe link included"
    expected = []
    for language in ("en", "ja"):
        html = sample_project / "out" / "2013-09" / language / "email.html"
        size = html.stat().st_size / 1024
        assert size > 110
        expected.append(f"warning: the {language} edition's email.html is {size:.0f} KB: {advice}")
    assert [line.split(";")[0] for line in result.stderr.splitlines()] == expected
    assert "the heaviest sections are 'Section " in result.stderr
    assert len(result.stdout.splitlines()) == 8  # every file written, with its size


def test_build_defaults_to_the_newest_ready_issue_and_the_build_folder(run, sample_project):
    result = run("build")
    assert result.exit_code == 0, result.output
    assert (sample_project / "build" / "2013-05" / "en" / "email.html").is_file()
    assert not (sample_project / "build" / "2013-08").exists()  # a draft


def test_build_accepts_a_slug(run, sample_project):
    assert run("build", "2011-07", "--out", "out").exit_code == 0
    assert (sample_project / "out" / "2011-07" / "ja" / "web.html").is_file()


def test_build_refuses_an_invalid_issue_with_its_errors(run, sample_project):
    path = sample_project / "issues" / "2013-05.yaml"
    path.write_text(path.read_text().replace("date: 2013-05-31", "date: 2013-05-32"))
    result = run("build", "issues/2013-05.yaml", "--out", "out")
    assert result.exit_code == 1
    assert result.output == (
        "issues/2013-05.yaml:6:7: date: '2013-05-32' is not a real date: day is out of range"
        " for month\n1 problem in 1 file; nothing was written\n"
    )
    assert not (sample_project / "out").exists()


def test_a_new_project_builds_with_the_default_theme(tmp_path, monkeypatch):
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(tmp_path / "lab"), "--name", "Lab News"]).exit_code == 0
    monkeypatch.chdir(tmp_path / "lab")
    [issue] = Path("issues").glob("*.yaml")
    result = runner.invoke(cli, ["build", str(issue), "--out", "out"])
    assert result.exit_code == 0, result.output
    html = next(Path("out").glob("*/en/email.html")).read_text()
    assert "Lab News" in html and "<img" not in html  # the starter issue has no image


def test_an_image_the_issue_no_longer_uses_is_removed(run, sample_project):
    run("build", "2013-05", "--out", "out")
    issue = sample_project / "issues" / "2013-05.yaml"
    issue.write_text(
        issue.read_text(encoding="utf-8").replace("banner-space", "banner-cooperation")
    )
    run("build", "2013-05", "--out", "out")
    images = sample_project / "out" / "2013-05" / "en" / "images"
    assert sorted(p.name for p in images.iterdir()) == ["banner-cooperation.png"]


# Two issues with one slug would write into the same folder: build refuses both.


def set_slug(sample_project: Path, name: str, status: str, slug: str) -> None:
    issue = sample_project / "issues" / name
    text = issue.read_text(encoding="utf-8")
    line = f"status: {status}\n"
    issue.write_text(text.replace(line, f"{line}slug: {slug}\n", 1), encoding="utf-8")


@pytest.mark.parametrize("name", ["2013-02", "2013-05", "issues/2013-02.yaml", None])
def test_build_refuses_an_issue_whose_slug_another_ready_issue_has(run, sample_project, name):
    set_slug(sample_project, "2013-02.yaml", "ready", "2013-05")
    result = run("build", *([name] if name else []), "--out", "out")
    assert result.exit_code == 1
    assert result.output == (
        "issues/2013-02.yaml:8:7: slug '2013-05' is already the slug of issues/2013-05.yaml "
        "(from its file name)\n1 problem in 1 file; nothing was written\n"
    )
    assert not (sample_project / "out").exists()


def test_a_draft_cannot_be_built_over_a_ready_issue_but_does_not_block_it(run, sample_project):
    set_slug(sample_project, "2013-08.yaml", "draft", "2013-05")
    refused = run("build", "2013-08", "--out", "out")
    assert refused.exit_code == 1
    assert refused.output.startswith("issues/2013-08.yaml:8:7: slug '2013-05' is already the slug")
    assert not (sample_project / "out").exists()
    assert run("build", "2013-05", "--out", "out").exit_code == 0
    assert run("build", "--out", "out").exit_code == 0


# A draft that cannot be read as an issue yet is skipped; a file that says it is ready is not.

DRAFTS = {
    "a YAML syntax error": b"title: Next\ndate 2013-11-10\nstatus: draft\n",
    "an empty file": b"",
    "Latin-1": "title: Août\nstatus: draft\n".encode("latin-1"),
    "UTF-16": "title: Next\nstatus: draft\n".encode("utf-16"),
}


@pytest.mark.parametrize("draft", DRAFTS.values(), ids=DRAFTS.keys())
def test_a_draft_that_does_not_parse_does_not_block_build(run, sample_project, draft):
    (sample_project / "issues" / "2013-11.yaml").write_bytes(draft)
    result = run("build", "--out", "out")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "warning: skipped the draft issues/2013-11.yaml (1 problem; "
        "`newsletter validate` lists them)\n"
    )
    assert (sample_project / "out" / "2013-05" / "en" / "email.html").is_file()


def test_a_file_that_does_not_parse_but_says_ready_blocks_build(run, sample_project):
    issue = sample_project / "issues" / "2013-11.yaml"
    issue.write_text("title: Next\ndate 2013-11-10\nstatus: ready\n", encoding="utf-8")
    result = run("build", "--out", "out")
    assert result.exit_code == 1
    assert result.output == (
        "issues/2013-11.yaml:2:5: missing ':' after 'date' (write 'date: 2013-11-10')\n"
        "1 problem in 1 file; nothing was written\n"
    )
    assert not (sample_project / "out").exists()
