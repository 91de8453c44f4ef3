"""The text/plain part: written from the model, 72 columns, Japanese wrapped by its rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.core import width
from newsletter.issues import load_project_issues
from newsletter.render import Renderer
from newsletter.render.plaintext import WIDTH, wrap
from tests.render.helpers import TRICKY_ISSUE, project_config, read_issue, write_issue


@pytest.fixture
def config(sample_project: Path):
    return project_config(sample_project)


def test_every_line_of_every_sample_issue_fits_72_columns(config):
    renderer = Renderer(config)
    for issue in load_project_issues(config):
        for language, edition in renderer.render(issue).editions.items():
            for line in edition.text.splitlines():
                if "://" not in line:  # a URL is never broken
                    assert width(line) <= WIDTH, f"{issue.slug}/{language}: {line!r}"


def test_text_has_headings_dated_entries_urls_and_footer(config):
    issue = read_issue(config.issues_dir / "2013-05.yaml", config)
    text = Renderer(config).render(issue).edition("en").text
    assert text.startswith("JAPAN SCIENCE AND TECHNOLOGY NEWSLETTER\nMay 2013\n" + "=" * 72)
    assert "View in browser: https://newsletter.example.org/japan-st/2013-05/\n" in text
    assert "\nJAPAN-CANADA SCIENCE AND TECHNOLOGY UPDATES\n" in text
    assert (
        "* Japan Science and Technology Agency (JST)\n"
        "  May 2013\n"
        "  The Japan Science and Technology Agency's website.\n"
        "  Read more: https://www.jst.go.jp/\n"
    ) in text
    assert "* 第1回日本・カナダ資源系大学間ワークショップの開催 (日本語)\n" in text
    assert "- Science Links Japan\n  https://www.jst.go.jp/\n" in text
    assert "255 Sussex Drive, Ottawa, Ontario K1N 9E6, Canada\n" in text
    assert "Contact us: https://newsletter.example.org/japan-st/contact/\n" in text
    assert text.endswith(
        "Unsubscribe: %%NL_UNSUBSCRIBE_URL%%\nPreferences: %%NL_PREFERENCES_URL%%\n"
    )
    assert "<p>" not in text and "&amp;" not in text and "&#39;" not in text


def test_japanese_edition_is_japanese(config):
    issue = read_issue(config.issues_dir / "2013-05.yaml", config)
    text = Renderer(config).render(issue).edition("ja").text
    assert text.startswith("日本科学技術ニュースレター\n2013年5月号\n")
    assert "  2013年5月\n" in text
    assert "詳しく読む: https://www.jst.go.jp/\n" in text
    assert "配信停止: %%NL_UNSUBSCRIBE_URL%%\n" in text


def test_markdown_links_become_text_and_url(sample_project, config):
    path = write_issue(
        sample_project,
        TRICKY_ISSUE.replace(
            'intro: "Intro', 'intro: "See [the site](https://example.org/s) **now**. Intro'
        ),
    )
    text = Renderer(config).render(read_issue(path, config)).edition("en").text
    assert "See the site (https://example.org/s) now. Intro" in " ".join(text.split())


def test_japanese_breaks_between_characters_but_not_before_closing_punctuation():
    text = "日本の宇宙ステーション補給機「こうのとり」（HTV）の国際宇宙ステーションへのドッキングでは、カナダが開発したロボットアーム「カナダアーム2」が重要な役割を果たしており、日加協力の未来志向の性格を表しています。"
    lines = wrap(text, "* ", "  ")
    assert "".join(line[2:] for line in lines) == text
    assert all(width(line) <= 72 for line in lines) and len(lines) == 3
    for line in lines[1:]:
        assert line[2] not in "、。）」ーっ", line
    for line in lines:
        assert line[-1] not in "「（", line


def test_english_wraps_at_spaces_and_keeps_long_urls_whole():
    url = "https://example.org/" + "x" * 80
    lines = wrap(f"Read the whole report at {url} before the meeting.")
    assert lines == ["Read the whole report at", url, "before the meeting."]


def test_wide_characters_count_two_columns():
    assert width("日本語 abc") == 10
    assert width("😀") == 2


MARKDOWN_ISSUE = """\
title: Markdown in the text part
date: 2013-07-15
status: ready
intro: |
  Write to jane_doe@example.org or see https://example.net/a_b/c_d.html and the file
  my_data_file.csv; `__init__.py` and __init__.py, 2*3*4 and snake_case_name.

  1. First item, which is long enough that it has to wrap onto a second line in the text part
  2. Second item

  - a_1
  - b_2
    - nested_item with enough words to wrap around the seventy-two column limit of the text
  - 日本の宇宙ステーション補給機「こうのとり」（HTV）の国際宇宙ステーションへのドッキングでは、カナダが開発したロボットアームが重要な役割を果たしており

  End of the intro.
sections:
  - title: Updates
    entries:
      - title: An entry with a list
        date: 2013-07
        summary: |
          Two steps, see [the guide](https://example.org/guide_v2):

          1. Read the call for proposals, which is long enough to be wrapped in the text part
          2. Apply
"""


@pytest.fixture
def markdown_text_part(sample_project, config) -> str:
    path = write_issue(sample_project, MARKDOWN_ISSUE)
    return Renderer(config).render(read_issue(path, config)).edition("en").text


def test_the_text_part_keeps_underscores_code_and_the_emphasis_the_html_has(markdown_text_part):
    assert (
        "Write to jane_doe@example.org or see https://example.net/a_b/c_d.html\n"
        "and the file my_data_file.csv; __init__.py and init.py, 234 and\n"
        "snake_case_name.\n"
    ) in markdown_text_part


def test_lists_in_the_intro_keep_an_item_a_line_with_a_hanging_indent(markdown_text_part):
    assert (
        "\n1. First item, which is long enough that it has to wrap onto a second\n"
        "   line in the text part\n"
        "2. Second item\n"
        "\n"
        "- a_1\n"
        "- b_2\n"
        "  - nested_item with enough words to wrap around the seventy-two column\n"
        "    limit of the text\n"
        "- 日本の宇宙ステーション補給機「こうのとり」（HTV）の国際宇宙ステーショ\n"
        "  ンへのドッキングでは、カナダが開発したロボットアームが重要な役割を果た\n"
        "  しており\n"
        "\n"
        "End of the intro.\n"
    ) in markdown_text_part


def test_a_list_in_a_summary_is_indented_under_its_entry(markdown_text_part):
    assert (
        "* An entry with a list\n"
        "  July 2013\n"
        "  Two steps, see the guide (https://example.org/guide_v2):\n"
        "  1. Read the call for proposals, which is long enough to be wrapped in\n"
        "     the text part\n"
        "  2. Apply\n"
    ) in markdown_text_part


def test_every_line_of_markdown_with_lists_fits_72_columns(markdown_text_part):
    for line in markdown_text_part.splitlines():
        if "://" not in line:
            assert width(line) <= WIDTH, line


def test_a_url_in_parentheses_is_never_broken_even_with_wide_characters():
    url = "(https://ja.wikipedia.org/wiki/日本の宇宙ステーション補給機こうのとりとカナダアーム)"
    lines = wrap(f"補給機 {url} について")
    assert url in lines
