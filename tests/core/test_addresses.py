"""One key per address, whatever its case or Unicode form; the hash kept after forgetting."""

from __future__ import annotations

import unicodedata

import pytest

from newsletter.core import InvalidAddress, address_hashes, address_key


def test_key_is_the_normalised_address_in_lowercase():
    assert address_key("  Claire.Tremblay@Example.ORG ".strip()) == "claire.tremblay@example.org"


def test_international_addresses_in_either_unicode_form_have_one_key():
    composed = "jürgen@bücher.example"
    decomposed = unicodedata.normalize("NFD", "Jürgen@Bücher.example")
    assert address_key(decomposed) == composed
    assert address_key("山田@例え.JP") == "山田@例え.jp"


def test_invalid_address_quotes_it_and_says_why():
    with pytest.raises(InvalidAddress) as error:
        address_key("claire@example")
    assert str(error.value) == (
        "invalid email address 'claire@example': The part after the @-sign is not valid. "
        "It should have a period."
    )


def test_hash_is_keyed_when_a_secret_is_set_and_never_shows_the_address():
    [plain] = address_hashes("a@example.org")
    keyed, also_plain = address_hashes("a@example.org", "secret")
    assert plain.startswith("sha256:") and also_plain == plain
    assert keyed.startswith("hmac-sha256:") and keyed != plain
    assert "example" not in plain + keyed
