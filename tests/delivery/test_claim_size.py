"""How many rows a worker claims at a time: 32 a connection on a large send, so that claiming
costs little; at most a 32nd of a small one, so that several processes share it."""

from types import SimpleNamespace

from newsletter.delivery.worker import _claim_size


def editions(*recipients: int) -> list:
    return [SimpleNamespace(recipients=count) for count in recipients]


def test_a_large_send_is_claimed_32_rows_a_connection():
    assert _claim_size(8, editions(80_000, 20_000)) == 256
    assert _claim_size(2, editions(100_000)) == 64


def test_a_small_send_is_claimed_a_32nd_at_a_time():
    assert _claim_size(8, editions(3_200)) == 100


def test_a_claim_is_never_tiny():
    assert _claim_size(8, editions(600)) == 50
    assert _claim_size(1, editions(10)) == 50
