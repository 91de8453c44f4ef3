"""Compiled templates are kept between runs in the user's cache folder, and a template whose
text changed is compiled afresh: a kept template is never shown stale."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
import pytest

from newsletter.render.theme import Theme


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "hello.txt").write_text("Hello {{ name }}", encoding="utf-8")
    return folder


def kept() -> list[Path]:
    return sorted((Path(os.environ["XDG_CACHE_HOME"]) / "newsletter" / "templates").iterdir())


def test_a_template_compiled_once_is_loaded_by_the_next_run_without_compiling(
    templates, monkeypatch
):
    assert Theme([templates]).render("hello.txt", {"name": "Aiko"}) == "Hello Aiko"
    assert len(kept()) == 1

    def no_compiling(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(jinja2.Environment, "compile", no_compiling)
    assert Theme([templates]).render("hello.txt", {"name": "Ben"}) == "Hello Ben"


def test_a_changed_template_is_compiled_afresh(templates):
    Theme([templates]).render("hello.txt", {"name": "Aiko"})
    (templates / "hello.txt").write_text("Goodbye {{ name }}", encoding="utf-8")
    assert Theme([templates]).render("hello.txt", {"name": "Aiko"}) == "Goodbye Aiko"


def test_a_cache_folder_that_cannot_be_made_costs_only_time(templates, tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert Theme([templates]).render("hello.txt", {"name": "Aiko"}) == "Hello Aiko"


def test_a_cache_folder_that_cannot_be_written_costs_only_time(templates):
    theme = Theme([templates])
    (Path(os.environ["XDG_CACHE_HOME"]) / "newsletter" / "templates").rmdir()  # gone since
    assert theme.render("hello.txt", {"name": "Aiko"}) == "Hello Aiko"


def test_a_cache_folder_others_may_write_is_not_used(templates):
    """Jinja runs what it loads from there."""
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "newsletter" / "templates"
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    assert Theme([templates]).render("hello.txt", {"name": "Aiko"}) == "Hello Aiko"
    assert kept() == []


def test_a_garbled_kept_template_is_compiled_afresh(templates):
    Theme([templates]).render("hello.txt", {"name": "Aiko"})
    (garbled,) = kept()
    magic = len(jinja2.bccache.bc_magic)  # Jinja checks the rest itself, not the checksum
    garbled.write_bytes(garbled.read_bytes()[:magic] + b"\x00 not a pickled checksum")
    assert Theme([templates]).render("hello.txt", {"name": "Ben"}) == "Hello Ben"
    assert b"not a pickled checksum" not in garbled.read_bytes()  # written again
