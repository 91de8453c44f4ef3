"""The sample issues' messages as SpamAssassin scores them: offline, with the rules Debian ships
(`.ci/setup` installs it; skipped where it is not installed)."""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.config import load_config
from newsletter.issues import ready_issues
from tests.conftest import copy_sample_project, needs

SPAMASSASSIN = shutil.which("spamassassin")
pytestmark = needs(
    SPAMASSASSIN is not None, "spamassassin is not installed (.ci/setup installs it)"
)

# A line of the report: points, rule name, description ("-0.0 NO_RECEIVED  Informational: ...").
RULE = re.compile(r"^\s*(-?\d+\.\d+)\s+([A-Z0-9_]+)\s", re.M)
SCORE = re.compile(r"Content analysis details:\s+\((-?\d+\.\d+) points")


@pytest.fixture(scope="module")
def messages(tmp_path_factory) -> dict[str, Path]:
    """`newsletter build` of every ready issue of the repository's sample project: its
    preview.eml per edition, by `slug/language`."""
    project = copy_sample_project(tmp_path_factory.mktemp("project"))
    out = project / "out"
    for issue in ready_issues(load_config(project, {})):
        result = CliRunner().invoke(
            cli, ["--project", str(project), "build", issue.slug, "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
    found = {str(p.parent.relative_to(out)): p for p in sorted(out.glob("*/*/preview.eml"))}
    assert found, "nothing was built"
    return found


def spam_report(message: Path, home: Path) -> tuple[float, list[str]]:
    """SpamAssassin's score of one message (no network tests) and the rules that gave points."""
    home.mkdir(parents=True, exist_ok=True)  # it writes its user preferences there
    result = subprocess.run(
        [SPAMASSASSIN, "-L", "-t"],
        input=message.read_bytes(),
        capture_output=True,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
        check=True,
        timeout=120,
    )
    report = result.stdout.decode("utf-8", "replace").split("Content analysis details:", 1)[-1]
    score = SCORE.search("Content analysis details:" + report)
    assert score, report
    scored = [f"{name} ({points})" for points, name in RULE.findall(report) if float(points)]
    return float(score[1]), scored


def test_sample_messages_score_zero_with_no_rule_that_gives_points(messages, tmp_path):
    # Two at a time: each run is mostly Perl starting up, and the machine has two cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = pool.map(lambda name: spam_report(messages[name], tmp_path / name), messages)
    scores = {
        name: (score, rules)
        for name, (score, rules) in zip(messages, reports, strict=True)
        if score or rules
    }
    assert scores == {}, "SpamAssassin gives points: " + "; ".join(
        f"{name}: {score} from {', '.join(rules) or '?'}" for name, (score, rules) in scores.items()
    )
