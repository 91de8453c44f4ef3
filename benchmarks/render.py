"""Rendering speed: newsletter's pipeline against the official MJML compiler (Node).

    .venv/bin/python benchmarks/render.py [--project DIR] [--runs N] [--record]

Measures, in one run, the median time to build one sample issue (every language, all four
outputs: email.html, email.txt, web.html, preview.eml), one subscriber's MIME message (the
only work delivery does per recipient), the whole sample archive (every ready issue, every
language), and the official MJML compiler (npm package `mjml`, installed here into
build/bench-node) on the same MJML documents: in-process through its Node API, warmed up,
and as the `mjml` CLI run once per file. --record writes the table into
BENCHMARKS.md under `## Rendering`, leaving the other sections as they are.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from newsletter.archive import build_archive  # noqa: E402
from newsletter.config import load_config  # noqa: E402
from newsletter.issues import find_issue, load_project_issues  # noqa: E402
from newsletter.mail import Recipient, build_message  # noqa: E402
from newsletter.preview import build_issue  # noqa: E402
from newsletter.render import Renderer  # noqa: E402

NODE_DIR = REPO / "build" / "bench-node"
ONE_ISSUE = "2013-05"
NODE_SCRIPT = """
const fs = require("fs");
const mjml = require("mjml");
const options = process.env.MJML_VALIDATION ? { validationLevel: process.env.MJML_VALIDATION } : {};
const compile = (source) => Promise.resolve(mjml(source, options));
(async () => {
  const [runs, ...files] = process.argv.slice(2);
  const documents = files.map((file) => fs.readFileSync(file, "utf8"));
  for (let i = 0; i < 5; i++) for (const doc of documents) await compile(doc);  // warm up
  const times = [];
  for (let i = 0; i < Number(runs); i++) {
    const started = process.hrtime.bigint();
    for (const doc of documents) await compile(doc);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ median_ms: times[Math.floor(times.length / 2)] }));
})();
"""


GENERATED_ISSUES = 100
MESSAGES_PER_RUN = 50  # one message takes about a millisecond: time a batch, report one
ARCHIVE_TARGET_MS = 5000


def generated_project(scratch: Path, count: int = GENERATED_ISSUES) -> Path:
    """A copy of the sample project whose issues/ holds `count` monthly issues made from it."""
    project = scratch / "generated"
    shutil.copytree(REPO / "templates", project / "templates")
    shutil.copy2(REPO / "newsletter.toml", project / "newsletter.toml")
    shutil.copytree(REPO / "issues" / "images", project / "issues" / "images")
    samples = [p.read_text(encoding="utf-8") for p in sorted((REPO / "issues").glob("*.yaml"))]
    samples = [text.replace("status: draft", "status: ready") for text in samples]
    for number in range(count):
        year, month = 2000 + number // 12, number % 12 + 1
        text = re.sub(r"(?m)^date: .*$", f"date: {year}-{month:02d}-15", samples[number % 9])
        (project / "issues" / f"{year}-{month:02d}.yaml").write_text(text, encoding="utf-8")
    return project


def median_ms(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def message_ms(edition, config, runs: int) -> float:
    """Median ms for one recipient's message of `edition`, as bytes ready for SMTP."""
    base = config.newsletter.base_url.rstrip("/")
    token = "Zm9vYmFyYmF6cXV4LXRva2Vu" * 5  # a signed one-click token: 120 characters
    jane = Recipient("jane@example.org", "Jane Doe", f"{base}/unsubscribe/?s=1234&t={token}")

    def batch() -> None:
        for _ in range(MESSAGES_PER_RUN):
            build_message(edition, config, jane).as_bytes()

    return median_ms(batch, runs) / MESSAGES_PER_RUN


def install_mjml() -> str:
    """npm install mjml into build/bench-node (once); return its version."""
    package = NODE_DIR / "node_modules" / "mjml" / "package.json"
    if not package.exists():
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(NODE_DIR),
             "mjml"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    return json.loads(package.read_text())["version"]


def official_in_process(files: list[Path], runs: int, validation: str = "") -> float:
    """Median ms to compile all `files` in one warm Node process ("": default options)."""
    script = NODE_DIR / "bench.js"
    script.write_text(NODE_SCRIPT)
    result = subprocess.run(
        ["node", str(script), str(runs), *map(str, files)],
        cwd=NODE_DIR, check=True, capture_output=True, text=True,
        env={**os.environ, "MJML_VALIDATION": validation},
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])["median_ms"]


def official_cli(file: Path, runs: int) -> float:
    cli = NODE_DIR / "node_modules" / ".bin" / "mjml"
    out = file.with_suffix(".html")
    command = [str(cli), str(file), "-o", str(out)]
    return median_ms(lambda: subprocess.run(command, check=True, capture_output=True), runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=REPO)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--record", action="store_true", help="write into BENCHMARKS.md")
    args = parser.parse_args()

    config = load_config(args.project, os.environ)
    renderer = Renderer(config)
    issue = find_issue(config, ONE_ISSUE)
    ready = [i for i in load_project_issues(config) if i.is_ready]
    languages = config.languages

    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        started = time.perf_counter()
        build_issue(config, issue, out / "cold", Renderer(config))
        cold_ms = (time.perf_counter() - started) * 1000
        one_ms = median_ms(lambda: build_issue(config, issue, out / "one", renderer), args.runs)
        editions_of_one = renderer.render(issue).editions
        per_message = {
            lang: message_ms(edition, config, args.runs)
            for lang, edition in editions_of_one.items()
        }
        all_runs = max(5, args.runs // 3)
        archive_ms = median_ms(
            lambda: [build_issue(config, i, out / "all", renderer) for i in ready], all_runs
        )
        site_ms = median_ms(lambda: build_archive(config, out / "site"), all_runs)
        big = load_config(generated_project(out), os.environ)
        big_ms = median_ms(lambda: build_archive(big, out / "big-site"), 3)
        documents = []
        for language in languages:
            document = out / f"{ONE_ISSUE}-{language}.mjml"
            document.write_text(renderer.edition(issue, language).mjml, encoding="utf-8")
            documents.append(document)
        version = install_mjml()
        node_ms = official_in_process(documents, args.runs)
        skip_ms = official_in_process(documents, args.runs, "skip")
        cli_ms = official_cli(documents[0], max(3, args.runs // 4))

    editions = len(languages)
    # (what, median, the figure it is compared with)
    rows = [
        (f"newsletter build {ONE_ISSUE}, {editions} editions, 4 outputs each", one_ms, node_ms),
        (f"official MJML {version} in-process (Node API, warm), the same {editions} documents",
         node_ms, node_ms),
        (f"official MJML {version} in-process, its validation skipped", skip_ms, skip_ms),
        (f"newsletter build {ONE_ISSUE}, first build in a fresh process (cold)", cold_ms, node_ms),
        (f"newsletter build of all {len(ready)} ready issues x {editions} editions", archive_ms,
         cli_ms),
        *(
            (f"one subscriber's message of {ONE_ISSUE} ({lang}, {size_kb(edition)} KB of HTML), "
             "personalised and encoded", per_message[lang], None)
            for lang, edition in editions_of_one.items()
        ),
        (f"official MJML {version} CLI, one file ({documents[0].name})", cli_ms, cli_ms),
        (f"newsletter archive of the sample project ({len(ready)} issues x {editions} editions)",
         site_ms, cli_ms),
        (f"newsletter archive of {GENERATED_ISSUES} generated issues x {editions} editions",
         big_ms, cli_ms),
    ]  # fmt: skip
    table = ["| what | median | official MJML / this |", "| --- | ---: | ---: |"]
    for name, ms, reference in rows:
        ratio = f"{reference / ms:.2f}" if reference else "-"
        table.append(f"| {name} | {ms:.1f} ms | {ratio} |")
    ratio_one = node_ms / one_ms
    ratio_all = cli_ms / archive_ms
    verdict = [
        f"- Target 1: {ONE_ISSUE} (both editions, every output) < official MJML in-process on the "
        f"same {editions} documents: {one_ms:.1f} ms vs {node_ms:.1f} ms, {ratio_one:.1f}x faster "
        f"({'met' if one_ms < node_ms else 'NOT met'}).",
        f"- Target 2: all {len(ready)} sample issues in {editions} languages < one `mjml` CLI run "
        f"on one file: {archive_ms:.0f} ms vs {cli_ms:.0f} ms, {ratio_all:.1f}x faster "
        f"({'met' if archive_ms < cli_ms else 'NOT met'}).",
        f"- Target 3: the archive of {GENERATED_ISSUES} issues in {editions} languages "
        f"(every page, feed and sitemap) < {ARCHIVE_TARGET_MS / 1000:.0f} s: {big_ms:.0f} ms "
        f"({'met' if big_ms < ARCHIVE_TARGET_MS else 'NOT met'}); each edition is rendered once "
        "and shared by its page and its feed entry.",
    ]
    machine = (
        f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}"
    )
    section = "\n".join(
        [
            "## Rendering",
            "",
            f"Machine: {machine}, Node {node_version()}; medians of {args.runs} runs "
            f"(all issues and the sample archive: {all_runs}; the {GENERATED_ISSUES}-issue "
            "archive: 3).",
            "Command: `.venv/bin/python benchmarks/render.py --record`.",
            "",
            *table,
            "",
            *verdict,
            "",
            "A build renders each edition once (Jinja2 -> mjml-python -> premailer on the theme's",
            "inline CSS only -> text part) and writes email.html, email.txt, web.html and a MIME",
            "preview.eml. Delivery renders nothing: per recipient it fills the placeholders and",
            "encodes the message (rows `one subscriber's message`: the median time of a batch",
            f"of {MESSAGES_PER_RUN}, divided by {MESSAGES_PER_RUN}). The machine is shared with "
            "other test runs:",
            "figures vary by about 20% between runs.",
            "The targets compare with official MJML at its default options (soft validation;",
            "the documents pass it with no error), as its users run it: our build checks the",
            "MJML's tags too.",
            "",
        ]
    )
    print(section)
    if args.record:
        record(REPO / "BENCHMARKS.md", section)


def size_kb(edition) -> str:
    return f"{len(edition.email_html.encode('utf-8')) / 1024:.0f}"


def node_version() -> str:
    return subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()


def record(path: Path, section: str) -> None:
    """Replace (or add) the `## Rendering` section of BENCHMARKS.md, keeping the others."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "## Rendering"), None)
    if start is None:
        new = text.rstrip("\n") + "\n\n" + section
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        new = "\n".join([*lines[:start], *section.rstrip("\n").splitlines(), "", *lines[end:]])
    path.write_text(new.rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
