"""`validate` says ok only when `build` and `archive` will work on the same project."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.archive import build_archive
from newsletter.cli import cli
from newsletter.config import load_config
from newsletter.issues import Issue
from newsletter.render import SAMPLE_ISSUE, Renderer
from newsletter.render.theme_check import SITE_TEMPLATES, site_samples


@pytest.fixture
def project(sample_project: Path, monkeypatch) -> Path:
    monkeypatch.chdir(sample_project)  # messages name files as the editor types them
    return sample_project


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def replace_in(project: Path, name: str, old: str, new: str) -> None:
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def save_as_latin_1(project: Path, name: str, old: str, new: str) -> None:
    """`new` in place of `old`, its é saved as a Windows editor would (one byte, 0xe9)."""
    replace_in(project, name, old, new)
    path = project / name
    path.write_bytes(path.read_bytes().replace("é".encode(), b"\xe9"))


def write(project: Path, name: str, text: str) -> None:
    (project / name).write_text(text, encoding="utf-8")


# Editors' mistakes in the templates `build` and `archive` use: validate must find each one.
BROKEN_TEMPLATES = {
    "if_never_closed_in_a_site_page": (
        replace_in, "templates/site/issue.html", '<a class="all"', '{% if home %}<a class="all"',
    ),
    "unknown_label_in_the_site_index": (
        replace_in, "templates/site/index.html", "labels.past_issues", "labels.past_isues",
    ),
    "unknown_field_in_the_site_base_page": (
        replace_in, "templates/site/base.html", "sender.postal_address", "sender.postal",
    ),
    "undefined_name_in_the_site_stylesheet": (
        replace_in, "templates/site/site.css", "box-sizing: border-box", "box-sizing: {{ box }}",
    ),
    "mistake_on_the_newest_issue_page_only": (
        replace_in, "templates/site/issue.html", '<span class="newer"></span>',
        "{{ nav.newest.title }}",
    ),
    "missing_base_page": (
        replace_in, "templates/site/index.html", '"site/base.html"', '"site/bas.html"',
    ),
    "if_never_closed_in_a_partial": (
        replace_in, "templates/partials/entry.mjml", "  {% endif %}\n  {% if entry.url %}",
        "  {% if entry.url %}",
    ),
    "unknown_mjml_tag": (
        replace_in, "templates/partials/masthead.mjml", "<mj-divider", "<mj-dividr",
    ),
    "label_table_syntax": (replace_in, "templates/labels.toml", "[ja]", "[ja"),
    "site_page_saved_as_latin_1": (
        save_as_latin_1, "templates/site/index.html", "</section>", "</section><!-- é -->",
    ),
    "label_table_saved_as_latin_1": (
        save_as_latin_1, "templates/labels.toml", 'subscribe = "Subscribe"',
        'subscribe = "Subscribé"',
    ),
}  # fmt: skip

# Drafts being written: they may or may not stop validate, but must never make it say ok
# when build or archive would then fail.
BROKEN_DRAFTS = {
    "draft_with_a_yaml_syntax_error": "title: Next\ndate 2013-11-10\nstatus: draft\n",
    "empty_draft": "",
    "draft_with_unknown_keys": "title: Next\ndate: 2013-11-10\nstatus: draft\nsectons: []\n",
}


def check_ok_means_build_and_archive_work(project: Path) -> bool:
    """Run validate; when it says ok, build and archive must succeed. Whether it said ok."""
    validate = run("validate")
    assert validate.exit_code in (0, 1), validate.output
    assert "Traceback" not in validate.output
    if validate.exit_code == 0:
        build = run("build", "--out", str(project / "out"))
        assert build.exit_code == 0, f"validate said ok, then build failed:\n{build.output}"
        archive = run("archive", "--out", str(project / "site"))
        assert archive.exit_code == 0, f"validate said ok, then archive failed:\n{archive.output}"
    return validate.exit_code == 0


@pytest.mark.parametrize("mistake", BROKEN_TEMPLATES)
def test_validate_finds_every_template_mistake_that_stops_build_or_archive(project, mistake):
    change, name, old, new = BROKEN_TEMPLATES[mistake]
    change(project, name, old, new)
    assert not check_ok_means_build_and_archive_work(project)
    validate = run("validate")
    assert re.search(rf"^{re.escape(name)}:\d+", validate.output, re.M), validate.output


@pytest.mark.parametrize("draft", BROKEN_DRAFTS)
def test_a_broken_draft_never_makes_validate_say_ok_wrongly(project, draft):
    write(project, "issues/2013-11.yaml", BROKEN_DRAFTS[draft])
    check_ok_means_build_and_archive_work(project)


def test_the_sample_project_validates_builds_and_archives(project):
    assert check_ok_means_build_and_archive_work(project)


def uses_of(value, expression: str) -> str:
    """A template using every name `value` offers as `expression`: each key of a dict, each
    key of a list's items (under `if` and `for`, as the archive gives None or [] at times)."""
    if isinstance(value, dict):
        inner = "".join(uses_of(v, f"{expression}.{k}") for k, v in value.items())
        return f"{{% if {expression} %}}{inner}{{% endif %}}"
    if isinstance(value, list) and value:
        item = f"item{expression.count('.')}"
        return f"{{% for {item} in {expression} %}}{uses_of(value[0], item)}{{% endfor %}}"
    return f"{{{{ {expression} }}}}"


def test_the_site_pages_validate_renders_get_no_name_the_archive_does_not_give(project):
    # validate renders the site templates with a context of its own: a name only it gives
    # would let a template pass validate and then stop archive.
    config = load_config(project, {})
    renderer = Renderer(config)
    issue = Issue.model_validate(
        SAMPLE_ISSUE, context={"languages": config.languages, "all_languages": {"en", "ja"}}
    )
    samples = site_samples(config, renderer, issue, "en", renderer.edition(issue, "en"))
    assert sorted({name for name, _ in samples}) == sorted(SITE_TEMPLATES)
    for template in SITE_TEMPLATES:
        uses = [
            uses_of(value, key)
            for name, context in samples
            if name == template
            for key, value in context.items()
        ]
        write(project, f"templates/{template}", "".join(uses) or "nothing to use")
    build_archive(config, project / "site")  # a name the archive does not give raises


def test_the_default_subscribe_page_is_not_warned_about(project, monkeypatch):
    # The archive's Subscribe links go to `serve`'s own page unless subscribe_url says
    # otherwise: that is a working default, not something left to fill in.
    monkeypatch.delenv("NEWSLETTER_NEWSLETTER_SUBSCRIBE_URL", raising=False)
    assert load_config(project, {}).settings.newsletter.subscribe_url is None
    validate = run("validate")
    assert validate.exit_code == 0, validate.output
    assert "subscribe" not in validate.output.lower(), validate.output
