"""Small projects and issues for the rendering tests (imported by test_render*.py and others)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from newsletter.config import Config, load_config
from newsletter.issues import Issue, load_issue

REPO = Path(__file__).resolve().parents[2]
NASTY = '<script>alert("x")</script> & \'quotes\' "double" 😀 R&D <b>bold</b>'


def _q(text: str) -> str:
    """A YAML scalar for any text (JSON strings are YAML)."""
    return json.dumps(text, ensure_ascii=False)


TRICKY_ISSUE = f"""\
title: {{en: {_q(NASTY)}, ja: {_q("日本語 " + NASTY)}}}
date: 2013-07-15
status: ready
subject: {{en: {_q("Subject " + NASTY)}, ja: {_q("件名 " + NASTY)}}}
preheader: {_q("Preheader " + NASTY)}
intro: {_q("Intro " + NASTY)}
hero:
  image: images/banner-space.png
  alt: {_q("Alt " + NASTY)}
  caption: {_q("Caption " + NASTY)}
  credit: {_q("Credit " + NASTY)}
sections:
  - title: {_q("Section " + NASTY)}
    entries:
      - title: {_q("Entry " + NASTY)}
        date: 2013-07
        url: "https://example.org/a?x=1&y=2"
        summary: {_q("Summary " + NASTY)}
      - title: 第3回日加幹細胞ワークショップの開催
        date: 2013-06-05
        language: ja
        summary: {{en: "In Japanese: the third stem cell workshop.", ja: 第3回日加幹細胞ワークショップ。}}
links:
  - title: {_q("Link " + NASTY)}
    url: https://example.org/links
"""


def long_issue(entries: int, date: str = "2013-09-15") -> str:
    """An issue of `entries` typical entries (dated, linked, a two-sentence summary), in four
    sections: about 80 of them make an email larger than Gmail shows."""
    lines = [f"title: A long issue\ndate: {date}\nstatus: ready\nsections:"]
    for number in range(entries):
        if number % (entries // 4 or 1) == 0:
            lines.append(f"  - title: Section {number // (entries // 4 or 1) + 1}\n    entries:")
        lines.append(
            f"      - title: Entry {number + 1}, a joint research project on materials science\n"
            f"        date: 2013-08-{number % 28 + 1:02d}\n"
            f"        url: https://example.org/news/2013/08/entry-{number + 1}\n"
            "        summary: Researchers from both countries met to plan the next phase of"
            " the work. *The results* will be shown at a symposium in the autumn."
        )
    return "\n".join(lines) + "\n"


def project_config(project: Path) -> Config:
    return load_config(project, {})


def write_issue(project: Path, text: str, name: str = "2013-07.yaml") -> Path:
    path = project / "issues" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    images = path.parent / "images"
    if not (images / "banner-space.png").exists():
        images.mkdir(exist_ok=True)
        shutil.copy(REPO / "issues" / "images" / "banner-space.png", images)
    return path


def read_issue(path: Path, config: Config) -> Issue:
    issue, problems = load_issue(path, config)
    assert issue is not None, problems
    return issue


def style_blocks(html: str) -> list[str]:
    """The CSS of the <style> elements for every screen (no media attribute) that are not
    inside Outlook conditional comments."""
    visible = re.sub(r"<!--\[if.*?<!\[endif\]-->", "", html, flags=re.S)
    return re.findall(r"<style(?![^>]*\bmedia=)[^>]*>(.*?)</style>", visible, flags=re.S)
