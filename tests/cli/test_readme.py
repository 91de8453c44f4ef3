"""The README's example of `newsletter validate` is what the tool prints for it."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from newsletter.cli import cli

README = Path(__file__).resolve().parents[2] / "README.md"

# The issue behind the README's example: each mistake on the line the example names.
EXAMPLE = """\
titel: Japan Science and Technology Newsletter, May 2013
date: 2013-13-15
status: ready
intro: |
  The first Japan-Canada joint meeting on space cooperation.
sections:
  - title: Japan-Canada Science and Technology Updates
    entries:
      - title: Japan and Canada Jointly Support Research into Stem Cells
        date: 2013-05
        url: javascript:alert(1)
      - title: First Japan-Canada Joint Meeting on Space Cooperation
        url: https://www.ca.emb-japan.go.jp/
        summary: >-
          The first meeting of the two space agencies.
        date: 2013-05
        date: 2013-05-20
  - title: Funding Opportunities
    entries: []
"""


def readme_block_after(marker: str) -> list[str]:
    """The lines of the first fenced block after the paragraph holding `marker`."""
    text = README.read_text(encoding="utf-8")
    after = text[text.index(marker) :]
    return re.search(r"```\n(.*?)```", after, re.S)[1].splitlines()


def test_the_readme_validate_example_is_what_validate_prints(sample_project, monkeypatch):
    for path in (sample_project / "issues").glob("*.yaml"):
        path.unlink()
    (sample_project / "issues" / "2013-05.yaml").write_text(EXAMPLE, encoding="utf-8")
    monkeypatch.chdir(sample_project)
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 1
    assert result.output.splitlines() == readme_block_after("**Checking.**")
