"""`newsletter new`: the next issue's draft keeps the shape of the last issue."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
import yaml

from newsletter.config import load_config
from newsletter.issues import load_issue, new_issue

CONFIG = """\
[newsletter]
name = {{ en = "Lab News", {second} = "{second_name}" }}
languages = ["en", "{second}"]
base_url = "https://example.org/news/"
[sender]
name = "Lab"
address = "news@example.org"
postal_address = "1 Test Street, Ottawa"
contact_url = "https://example.org/contact"
"""

PER_LANGUAGE = """\
title:
  en: Lab News, May 2013
  ja: ラボニュース 2013年5月号
date: 2013-05-15
status: ready
subject: {en: Our May issue, ja: 5月号}
preheader:
  en: Space and resources
  ja: 宇宙と資源
intro:
  en: |
    A word from the lab.
  ja: |
    研究室から。
hero:
  image: images/banner.png
  alt: {en: A banner, ja: バナー}
  caption: {en: The May banner, ja: 5月のバナー}
  credit: {en: "Graphic: the lab", ja: 画像：研究室}
sections:
  - title: {en: Updates, ja: 最新情報}
    entries:
      - title: First meeting
        date: 2013-05
links:
  - title: {en: Our site, ja: ウェブサイト}
    url: https://example.org/
"""

ONE_LANGUAGE = """\
title: Lab News, May 2013
date: 2013-05-15
status: ready
preheader: Space and resources
hero:
  image: images/banner.png
  alt: A banner
  caption: The May banner
sections:
  - title: Updates
    entries:
      - title: First meeting
        date: 2013-05
"""


def make_project(root: Path, last_issue: str, second: str = "ja", name: str = "ラボニュース"):
    (root / "newsletter.toml").write_text(
        CONFIG.format(second=second, second_name=name), encoding="utf-8"
    )
    (root / "issues" / "images").mkdir(parents=True)
    (root / "issues" / "images" / "banner.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "issues" / "2013-05.yaml").write_text(textwrap.dedent(last_issue), encoding="utf-8")
    return load_config(root, {})


def draft(tmp_path: Path, last_issue: str, **languages) -> tuple[dict, list[str]]:
    """The draft `new` writes, as YAML data, and what validate says of it."""
    config = make_project(tmp_path, last_issue, **languages)
    shown = new_issue(config, dt.date(2013, 8, 15))
    path = tmp_path / "issues" / "2013-08.yaml"
    assert shown.endswith("issues/2013-08.yaml")
    _, problems = load_issue(path, config)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data, [f"{p.line}:{p.col}: {p.message}" for p in problems]


def test_per_language_texts_stay_per_language(tmp_path):
    data, _ = draft(tmp_path, PER_LANGUAGE)
    assert data["title"] == {"en": "Lab News, August 2013", "ja": "ラボニュース 2013年8月号"}
    assert data["hero"] == {
        "image": "images/banner.png",
        "alt": {"en": "A banner", "ja": "バナー"},  # the banner usually stays
        "caption": {"en": "", "ja": ""},  # its caption is this issue's to write
        "credit": {"en": "Graphic: the lab", "ja": "画像：研究室"},
    }
    for key in ("subject", "preheader", "intro"):
        assert data[key] == {"en": "", "ja": ""}, key
    assert data["sections"] == [
        {
            "title": {"en": "Updates", "ja": "最新情報"},
            "entries": [{"title": "", "date": "2013-08"}],
        }
    ]
    assert data["links"] == [
        {"title": {"en": "Our site", "ja": "ウェブサイト"}, "url": "https://example.org/"}
    ]


def test_one_language_texts_stay_one_text(tmp_path):
    data, _ = draft(tmp_path, ONE_LANGUAGE)
    assert data["title"] == "Lab News, August 2013"
    assert data["preheader"] == ""
    assert data["hero"] == {"image": "images/banner.png", "alt": "A banner", "caption": ""}
    assert "intro" not in data and "subject" not in data  # the last issue had none


def test_validate_lists_exactly_what_is_left_to_write(tmp_path):
    _, problems = draft(tmp_path, PER_LANGUAGE)
    also = "; also ja: is empty: write the text"  # every language's, in one run
    assert problems == [
        f"8:7: subject.en: is empty: write the text{also}",
        f"11:7: preheader.en: is empty: write the text{also}",
        f"14:7: intro.en: is empty: write the text{also}",
        f"22:9: hero.caption.en: is empty: write the text{also}",
        "32:16: sections[0].entries[0].title: is empty: write the text",
    ]


def test_a_title_without_the_month_gets_the_name_and_the_month(tmp_path):
    last = PER_LANGUAGE.replace("ラボニュース 2013年5月号", "ラボニュース 春号")
    data, _ = draft(tmp_path, last)
    assert data["title"] == {"en": "Lab News, August 2013", "ja": "ラボニュース, 2013年8月"}


@pytest.mark.parametrize(("second", "name"), [("no", "Labnytt"), ("zh-Hant", "實驗室通訊")])
def test_language_keys_read_back_as_written(tmp_path, second, name):
    """`no` (Norwegian) is quoted, or YAML 1.1 readers take it for false; `zh-Hant` is not."""
    last = PER_LANGUAGE.replace("ja:", f'"{second}":').replace("ラボニュース", name)
    data, problems = draft(tmp_path, last, second=second, name=name)
    assert set(data["title"]) == {"en", second}
    assert all("is empty" in problem for problem in problems), problems
