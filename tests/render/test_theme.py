"""Mistakes in a project's templates are reported as `templates/<file>:<line>: message`."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.core import ProblemsError
from newsletter.render import Renderer, check_theme, theme_warnings
from tests.render.helpers import TRICKY_ISSUE, project_config, read_issue, write_issue


@pytest.fixture
def project(sample_project: Path, monkeypatch) -> Path:
    monkeypatch.chdir(sample_project)  # errors name files as the user types them
    write_issue(sample_project, TRICKY_ISSUE)
    return sample_project


def render_error(project: Path, template: str, old: str, new: str, languages=None) -> str:
    path = project / "templates" / template
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {template}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    config = project_config(project)
    issue = read_issue(project / "issues" / "2013-07.yaml", config)
    with pytest.raises(ProblemsError) as excinfo:
        Renderer(config).render(issue, languages)
    return str(excinfo.value)


MISTAKES = {
    # name: (template, text in it, replaced by, the exact message)
    "jinja_syntax_error": (
        "partials/entry.mjml", "{% if entry.url %}", "{% if entry.url %",
        "templates/partials/entry.mjml:4: unexpected '<'",
    ),
    "misspelt_attribute_suggests_the_field": (
        "partials/entry.mjml", "{{ entry.title }}", "{{ entry.titel }}",
        "templates/partials/entry.mjml:4: entry has no attribute 'titel'; did you mean 'title'?",
    ),
    "unknown_attribute_lists_the_fields": (
        "partials/entry.mjml", "entry.date_label", "entry.dated",
        "templates/partials/entry.mjml:3: entry has no attribute 'dated'; it has title,"
        " date_label, url, summary_html, summary_text, summary_lang, language, language_name",
    ),
    "attribute_of_a_nested_object": (
        "partials/footer.mjml", "edition.sender.name", "edition.sender.nmae",
        "templates/partials/footer.mjml:7: edition.sender has no attribute 'nmae'; did you mean 'name'?",
    ),
    "attribute_of_a_variable_set_in_the_template": (
        "partials/hero.mjml", "hero.alt", "hero.atl",
        "templates/partials/hero.mjml:5: hero has no attribute 'atl'; did you mean 'alt'?",
    ),
    "unknown_label": (
        "partials/footer.mjml", "labels.contact", "labels.contakt",
        "templates/partials/footer.mjml:11: labels has no attribute 'contakt'; did you mean 'contact'?",
    ),
    "missing_partial_at_the_including_line": (
        "partials/section.mjml", '"partials/entry.mjml"', '"partials/entri.mjml"',
        "templates/partials/section.mjml:9: template 'partials/entri.mjml' not found in templates/",
    ),
    "unknown_mjml_tag": (
        "partials/masthead.mjml", "<mj-divider", "<mj-dividr",
        "templates/partials/masthead.mjml:9: MJML: unknown tag <mj-dividr>",
    ),
    "unknown_tag_inside_mj_attributes": (
        "email.mjml", "<mj-all ", "<mj-al ",
        "templates/email.mjml:23: MJML: unknown tag <mj-al>",
    ),
    "mjml_error_without_a_position_found_by_its_line": (
        "partials/hero.mjml", "<mj-image src=", '<mj-image x="1 src=',
        "templates/partials/hero.mjml:5: MJML: unable to parse next template in root template",
    ),
    "element_left_open_is_named_where_it_opens": (
        "partials/section.mjml", "  </mj-column>\n", "",
        "templates/partials/section.mjml:3: MJML: <mj-column> is not closed"
        " (</mj-section> at templates/partials/section.mjml:11 closes it)",
    ),
    "element_left_open_in_an_included_partial": (
        "partials/entry.mjml", "</mj-text>", "",
        "templates/partials/entry.mjml:2: MJML: <mj-text> is not closed"
        " (</mj-column> at templates/partials/section.mjml:11 closes it)",
    ),
    "label_table_syntax": (
        # The first table, whose line does not move when words are added to the tables.
        "labels.toml", "\n[en]\n", "\n[en\n",
        "templates/labels.toml:7:4: TOML syntax error: Expected ']' at the end of a table declaration",
    ),
}  # fmt: skip


@pytest.mark.parametrize("mistake", MISTAKES)
def test_template_mistake_is_reported_at_its_file_and_line(project, mistake):
    template, old, new, expected = MISTAKES[mistake]
    assert render_error(project, template, old, new) == expected


def test_stray_closing_tag_is_reported_where_it_is_not_where_mrml_stumbles(project):
    # MRML would take </b> as the end of <mj-text> and fail lines later, in another file;
    # the Japanese edition puts many multi-byte characters before it.
    message = render_error(project, "partials/entry.mjml", "</mj-text>", "</b></mj-text>", ["ja"])
    assert message == "templates/partials/entry.mjml:11: MJML: </b> closes <mj-text>"


def test_missing_template_falls_back_to_the_default_theme(project):
    (project / "templates" / "partials" / "hero.mjml").unlink()
    config = project_config(project)
    issue = read_issue(project / "issues" / "2013-07.yaml", config)
    assert "banner-space.png" in Renderer(config).render(issue).edition("en").email_html


def test_cli_build_prints_template_errors_without_traceback(project):
    from click.testing import CliRunner

    from newsletter.cli import cli

    path = project / "templates" / "partials" / "entry.mjml"
    path.write_text(path.read_text().replace("{{ entry.title }}", "{{ entry.title }", 1))
    result = CliRunner().invoke(cli, ["build", "issues/2013-07.yaml"])
    assert result.exit_code == 1
    assert result.output.startswith("templates/partials/entry.mjml:4: unexpected '}'\n")
    assert "Traceback" not in result.output


def test_check_theme_finds_nothing_wrong_with_the_default_templates(project):
    assert check_theme(project_config(project)) == []


def test_check_theme_reports_a_template_mistake_before_an_issue_needs_it(project):
    path = project / "templates" / "partials" / "entry.mjml"
    path.write_text(path.read_text().replace("</mj-text>", ""))
    assert [str(p) for p in check_theme(project_config(project))] == [
        "templates/partials/entry.mjml:2: MJML: <mj-text> is not closed"
        " (</mj-column> at templates/partials/section.mjml:11 closes it)"
    ]


def test_check_theme_reports_a_label_table_that_does_not_parse(project):
    path = project / "templates" / "labels.toml"
    path.write_text(path.read_text().replace("\n[en]\n", "\n[en\n"))
    assert [str(p) for p in check_theme(project_config(project))] == [
        "templates/labels.toml:7:4: TOML syntax error: Expected ']' at the end of a table"
        " declaration"
    ]
    assert theme_warnings(project_config(project)) == []  # said once, by check_theme


def theme_problems(project: Path, template: str, old: str, new: str) -> list[str]:
    path = project / "templates" / template
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {template}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return [str(p) for p in check_theme(project_config(project))]


NEVER_CLOSED = "is never closed: add {% end{tag} %} where it ends, before"
UNCLOSED = {
    # name: (template, text in it, replaced by, line and tag of the opening, what Jinja met)
    "if_at_the_start_of_a_partial": (
        "partials/links.mjml", "{# Related links, after the sections. #}",
        "{% if edition.links %}{# Related links #}", 1, "if", None,
    ),
    "if_in_the_middle_closed_by_the_wrong_tag": (
        "email.mjml", '{% include "partials/section.mjml" %}',
        '{% if section %}{% include "partials/section.mjml" %}', 52, "if", ("endfor", 53),
    ),
    "if_at_the_end_of_a_partial": (
        "partials/footer.mjml", "<mj-text>&nbsp;</mj-text>",
        "<mj-text>&nbsp;{% if edition.links %}</mj-text>", 24, "if", None,
    ),
    "if_after_block_sets_in_it": (
        "partials/hero.mjml", "    {% endif %}\n  </mj-column>", "  </mj-column>", 6, "if", None,
    ),
    "if_in_a_partial_included_for_every_entry": (
        "partials/entry.mjml", "  {% endif %}\n  {% if entry.url %}", "  {% if entry.url %}",
        5, "if", None,
    ),
    "for_in_the_email": (
        "email.mjml", "    {% endfor %}\n", "", 51, "for", None,
    ),
    "macro_of_a_site_page": (
        "site/issue.html", "{% endmacro %}\n", "", 5, "macro", None,
    ),
    "if_of_a_site_page_closed_by_the_wrong_tag": (
        "site/issue.html", '<a class="all" href="{{ home }}">',
        '{% if home %}<a class="all" href="{{ home }}">', 8, "if", ("endmacro", 11),
    ),
    "if_in_the_site_base_page": (
        "site/base.html", "<body>", "<body>{% if labels %}", 15, "if", None,
    ),
    "block_of_the_site_index": (
        "site/index.html", "{% endblock %}", "", 2, "block", None,
    ),
}  # fmt: skip


@pytest.mark.parametrize("mistake", UNCLOSED)
def test_a_block_left_open_is_reported_where_it_was_opened(project, mistake):
    # Jinja reports where it gave up: the end of the file, or the next end tag of another block.
    template, old, new, line, tag, met = UNCLOSED[mistake]
    where = f"{{% {met[0]} %}} on line {met[1]}" if met else "the end of the file"
    never_closed = NEVER_CLOSED.replace("{tag}", tag)
    expected = f"templates/{template}:{line}: {{% {tag} %}} {never_closed} {where}"
    assert theme_problems(project, template, old, new) == [expected]


def test_a_stray_end_tag_is_reported_at_its_line(project):
    problems = theme_problems(
        project,
        "site/index.html",
        "</section>\n{% endblock %}",
        "</section>\n{% endif %}\n{% endblock %}",
    )
    assert problems == [
        "templates/site/index.html:25: {% endif %} closes no {% if %}: remove it, or add the"
        " {% if %} it ends"
    ]


SITE_MISTAKES = {
    # name: (template, text in it, replaced by, the exact message)
    "unknown_label_on_the_issue_page": (
        "site/issue.html", "labels.all_issues", "labels.all_isues",
        "templates/site/issue.html:8: labels has no attribute 'all_isues'; did you mean 'all_issues'?",
    ),
    "unknown_field_of_a_listed_issue": (
        "site/index.html", "issue.date_label", "issue.date_lable",
        "templates/site/index.html:15: issue has no attribute 'date_lable'; did you mean 'date_label'?",
    ),
    "mistake_in_the_empty_archive_branch": (
        "site/index.html", "labels.no_issues", "labels.no_issue",
        "templates/site/index.html:22: labels has no attribute 'no_issue'; did you mean 'no_issues'?",
    ),
    "mistake_on_the_newest_issue_only": (
        "site/issue.html", '<span class="newer"></span>', "<span>{{ nav.newest.title }}</span>",
        "templates/site/issue.html:9: nav has no attribute 'newest'; did you mean 'newer'?",
    ),
    "mistake_in_the_base_page": (
        "site/base.html", "{{ sender.postal_address }}", "{{ sender.postal }}",
        "templates/site/base.html:33: sender has no attribute 'postal'; did you mean 'postal_address'?",
    ),
    "jinja_in_the_stylesheet": (
        "site/site.css", "* { box-sizing: border-box; }", "* { box-sizing: {{ box }}; }",
        "templates/site/site.css:3: 'box' is undefined",
    ),
    "missing_base_page": (
        "site/issue.html", '{% extends "site/base.html" %}', '{% extends "site/bas.html" %}',
        "templates/site/issue.html:1: template 'site/bas.html' not found in templates/",
    ),
}  # fmt: skip


@pytest.mark.parametrize("mistake", SITE_MISTAKES)
def test_check_theme_finds_mistakes_in_the_site_templates(project, mistake):
    template, old, new, expected = SITE_MISTAKES[mistake]
    assert theme_problems(project, template, old, new) == [expected]


@pytest.mark.parametrize(
    "template",
    ["site/index.html", "site/site.css", "partials/entry.mjml", "style.css", "labels.toml"],
)
def test_a_theme_file_saved_as_latin_1_is_reported_at_its_first_bad_byte(project, template):
    path = project / "templates" / template
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[2] = "Zoë " + lines[2]  # as a Windows editor saves it: one byte, 0xeb
    path.write_bytes("\n".join(lines).encode("latin-1", "replace"))
    problems = [str(p) for p in check_theme(project_config(project))]
    assert len(problems) == 1
    assert problems[0].startswith(f"templates/{template}:3:3: byte 0xeb is not UTF-8"), problems
    assert problems[0].endswith("save the file as UTF-8"), problems
