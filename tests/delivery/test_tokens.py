"""The personal links' tokens: made on the hot path by hand, checked by itsdangerous."""

import time

import pytest
from itsdangerous import SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from newsletter.delivery import PREFERENCES, UNSUBSCRIBE, InvalidToken, Personal, Signer


@pytest.mark.parametrize("purpose", [UNSUBSCRIBE, PREFERENCES])
@pytest.mark.parametrize("keys", [["one key"], ["new key", "old key"], []])
def test_a_token_is_what_itsdangerous_makes(purpose, keys):
    signer = Signer(keys)
    reference = URLSafeSerializer(list(reversed(signer.keys)), salt=f"newsletter.{purpose}")
    for subscriber_id in (0, 1, 7, 99_999, 2**31 - 1, 10**12):
        for send_id in (0, 1, 42, 123_456):
            who = Personal(subscriber_id, send_id)
            assert signer.token(purpose, who) == reference.dumps([subscriber_id, send_id])
            assert signer.check(purpose, signer.token(purpose, who)) == who


def test_a_token_is_good_for_its_purpose_only():
    signer = Signer(["key"])
    token = signer.token(PREFERENCES, Personal(5, 6))
    with pytest.raises(InvalidToken):
        signer.check(UNSUBSCRIBE, token)


def test_a_token_made_with_an_old_key_is_still_accepted_after_a_rotation():
    token = Signer(["old key"]).token(UNSUBSCRIBE, Personal(5, 6))
    assert Signer(["new key", "old key"]).check(UNSUBSCRIBE, token) == Personal(5, 6)
    with pytest.raises(InvalidToken):
        Signer(["new key"]).check(UNSUBSCRIBE, token)


@pytest.mark.parametrize("who", [Personal(5, 6), Personal(10**12, 123_456)])
def test_a_token_carries_no_expiry(monkeypatch, who):
    # CASL asks for unsubscribe links that work at least 60 days after the send.
    signer = Signer(["key"])
    tokens = {purpose: signer.token(purpose, who) for purpose in (UNSUBSCRIBE, PREFERENCES)}
    dated = URLSafeTimedSerializer("key").dumps("made now")
    later = time.time() + 61 * 86400
    monkeypatch.setattr(time, "time", lambda: later)  # the clock itsdangerous reads
    with pytest.raises(SignatureExpired):  # a dated token would have expired by now
        URLSafeTimedSerializer("key").loads(dated, max_age=60 * 86400)
    for purpose, token in tokens.items():
        assert signer.check(purpose, token) == who
