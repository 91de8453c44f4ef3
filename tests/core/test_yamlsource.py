"""Each scalar is kept as the editor wrote it, with what YAML read it as, so messages can
quote `No`, not False."""

from __future__ import annotations

import pytest

from newsletter.core import parse_yaml


@pytest.mark.parametrize(
    ("written", "read_as"),
    [
        ("No", "true/false (yes/no)"),
        ("yes", "true/false (yes/no)"),
        ("off", "true/false (yes/no)"),
        ("12:30", "a number in base 60 (750)"),
        ("0123", "an octal number (83)"),
        ("0x1F", "a hexadecimal number (31)"),
        ("0b101", "a binary number (5)"),
        ("1_000", "a number (1000)"),
        ("1.50", "a number (1.5)"),
        ("42", "a number"),
        (".inf", "infinity"),
        ("-.inf", "minus infinity"),
        (".NaN", "not-a-number"),
        ("Null", "no value"),
        ("~", "no value"),
    ],
)
def test_plain_text_yaml_reads_as_another_type_says_so(written, read_as):
    doc, _ = parse_yaml(f"title: {written}\n", "f.yaml")
    scalar = doc.written(("title",))
    assert (scalar.text, scalar.read_as) == (written, read_as)


@pytest.mark.parametrize("written", ['"No"', "'12:30'", "Newsletter", "2013-05-15", "|\n  No\n"])
def test_text_and_quoted_values_are_read_as_text(written):
    doc, _ = parse_yaml(f"title: {written}\n", "f.yaml")
    assert doc.written(("title",)).read_as is None


def test_nothing_written_is_empty_not_read_as_anything():
    doc, _ = parse_yaml("title:\n", "f.yaml")
    scalar = doc.written(("title",))
    assert scalar.is_empty and scalar.read_as is None


def test_keys_are_names_as_written():
    # `no` is Norwegian's language code; YAML alone would read it as false.
    doc, problems = parse_yaml("title: {en: News, no: Nyheter, 1: x}\n", "f.yaml")
    assert problems == []
    assert doc.data == {"title": {"en": "News", "no": "Nyheter", "1": "x"}}


def test_a_value_starting_with_a_tag_mark_is_explained():
    _, [problem] = parse_yaml("title: !Important news\n", "f.yaml")
    assert (problem.line, problem.col) == (1, 8)
    assert problem.message == (
        "a value cannot start with '!' (YAML reads !Important as a tag): "
        "put the whole value in quotes"
    )


def test_a_key_written_under_another_name_is_found_under_both():
    doc, _ = parse_yaml("sectons:\n  - title: No\n", "f.yaml")
    doc.alias(("sectons",), ("sections",))
    assert doc.position(("sections", 0, "title")) == (2, 12)
    assert doc.position(("sections",), key=True) == (1, 1)
    assert doc.written(("sections", 0, "title")).text == "No"
