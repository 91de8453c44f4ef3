"""Mistakes in a project's templates are reported as `templates/<file>:<line>: message`."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.errors import ProblemsError
from newsletter.render import Renderer
from render_helpers import TRICKY_ISSUE, project_config, read_issue, write_issue


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
    "undefined_attribute": (
        "partials/entry.mjml", "entry.date_label", "entry.dated",
        "templates/partials/entry.mjml:3: 'newsletter.view.EntryView object' has no attribute 'dated'",
    ),
    "unknown_label": (
        "partials/footer.mjml", "labels.contact", "labels.contakt",
        "templates/partials/footer.mjml:10: 'dict object' has no attribute 'contakt'",
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
        "templates/email.mjml:22: MJML: unknown tag <mj-al>",
    ),
    "mjml_error_without_a_position_found_by_its_line": (
        "partials/hero.mjml", "<mj-image src=", '<mj-image x="1 src=',
        "templates/partials/hero.mjml:4: MJML: unable to parse next template in root template",
    ),
    "closing_tag_of_another_element": (
        "partials/section.mjml", "  </mj-column>\n", "",
        "templates/partials/section.mjml:11: MJML: </mj-section> closes <mj-column>",
    ),
    "label_table_syntax": (
        "labels.toml", "[ja]", "[ja",
        "templates/labels.toml:31:4: TOML syntax error: Expected ']' at the end of a table declaration",
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
