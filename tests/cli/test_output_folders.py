"""`build --out` and `archive --out` follow one rule: never into the project's own files."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import cli


@pytest.fixture
def run(sample_project: Path, monkeypatch):
    monkeypatch.chdir(sample_project)

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def files_in(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


HOLDING = [
    (".", "--out . would hold the project: choose a folder of its own, such as {example}"),
    ("..", "--out .. would hold the project: choose a folder of its own, such as {example}"),
]
INSIDE = [
    (out, f"--out {out} is inside the project's {folder}/ folder: choose a folder of its own, "
     "such as {example}")
    for out, folder in [
        ("templates", "templates"),
        ("templates/new", "templates"),
        ("issues", "issues"),
        ("issues/x", "issues"),
        ("subscribers", "subscribers"),
        (".git/site", ".git"),
    ]
]  # fmt: skip


@pytest.mark.parametrize(("command", "example"), [("build", "build/"), ("archive", "site/")])
@pytest.mark.parametrize(("out", "message"), HOLDING + INSIDE)
def test_out_into_the_project_is_refused_and_writes_nothing(
    run, sample_project, command, example, out, message
):
    before = files_in(sample_project.parent)
    result = run(command, "--out", out)
    assert (result.exit_code, result.output) == (1, f"error: {message.format(example=example)}\n")
    assert files_in(sample_project.parent) == before


@pytest.mark.parametrize("command", ["build", "archive"])
def test_out_naming_a_file_is_refused(run, sample_project, command):
    before = files_in(sample_project)
    result = run(command, "--out", "newsletter.toml")
    assert result.exit_code == 2  # a usage error, from click's check of the option
    assert "'newsletter.toml' is a file" in result.output
    assert files_in(sample_project) == before


@pytest.mark.parametrize("command", ["build", "archive"])
def test_out_beside_the_inputs_is_fine(run, sample_project, command):
    """A folder whose name only starts like an input folder's is not inside it."""
    result = run(command, "--out", "issues-out")
    assert result.exit_code == 0, result.output
    assert any((sample_project / "issues-out").rglob("*.html"))


def test_archive_help_says_what_it_keeps():
    words = " ".join(CliRunner().invoke(cli, ["archive", "--help"]).output.split())
    assert "replaced whole" not in words
    assert "files the archive did not make (a CNAME, a .git) are kept" in words
