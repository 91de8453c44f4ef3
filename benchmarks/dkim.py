"""DKIM signing's cost per message, on delivery's hot path.

    .venv/bin/python benchmarks/dkim.py [--messages N]

For each edition of the May 2013 sample issue: the median time a message takes to fill
(PreparedMessage.fill_parts, what delivery does per recipient without DKIM), then to fill and
finish it through mail.Outgoing (VERP return path and the signature of mail/dkim.py) with an
Ed25519 key and with an RSA-2048 key: as delivery does (the body hashed from the pieces
canonicalised once per edition) and with the whole body canonicalised for each message (as
for a message made otherwise); and dkimpy's own `dkim.sign` on the same message for
comparison. Prints a table in microseconds per message (the best of 5 runs of N messages).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# This file is named dkim.py too: its folder off the path, so that `import dkim` is dkimpy.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(REPO / "src"))

import dkim  # noqa: E402

from newsletter.config import load_config  # noqa: E402
from newsletter.issues import find_issue  # noqa: E402
from newsletter.mail import (  # noqa: E402
    ED25519,
    RSA,
    Filled,
    Outgoing,
    PreparedMessage,
    Recipient,
    generate_key,
)
from newsletter.render import Renderer  # noqa: E402

DKIM_HEADERS = [
    b"from", b"reply-to", b"subject", b"date", b"to", b"message-id", b"list-id",
    b"list-unsubscribe", b"list-unsubscribe-post", b"mime-version", b"content-type",
]  # fmt: skip


def per_message(work, count: int) -> float:
    """The best of 5 runs of `count` calls, in microseconds a call: on a machine shared with
    other work, the fastest run is the one least disturbed (the median moved 2x here)."""
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for n in range(count):
            work(n)
        runs.append((time.perf_counter() - start) / count * 1e6)
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    count = parser.parse_args().messages
    keys = {algorithm: generate_key(algorithm) for algorithm in (ED25519, RSA)}
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"{'edition':8} {'bytes':>7} {'fill':>7} {'+ed25519':>9} {'whole':>7} "
          f"{'+rsa2048':>9} {'whole':>7} {'dkimpy ed25519':>15} {'dkimpy rsa':>11}"
          "   (µs a message; whole: the whole body canonicalised)")  # fmt: skip
    base = load_config(REPO, {})
    rendered = Renderer(base).render(find_issue(base, "2013-05"))
    for language, edition in rendered.editions.items():
        row = []
        for algorithm in (None, ED25519, RSA):
            environ = {"NEWSLETTER_SECRET_KEY": "benchmark"}
            if algorithm:
                environ |= {
                    "NEWSLETTER_DKIM_DOMAIN": "newsletter.example.org",
                    "NEWSLETTER_DKIM_SELECTOR": "bench",
                    "NEWSLETTER_DKIM_PRIVATE_KEY": keys[algorithm].private_pem,
                }
            config = load_config(REPO, environ)
            prepared = PreparedMessage.from_edition(edition, config)
            outgoing = Outgoing(config)

            def send_one(n: int, prepared=prepared, outgoing=outgoing, whole=False) -> None:
                recipient = Recipient(f"reader{n}@example.org", f"Reader {n}", f"https://x/u/{n}")
                filled = prepared.fill_parts(recipient, f"<{n}@x>")
                outgoing.finish(Filled.of(bytes(filled)) if whole else filled, 1, n)

            row.append(per_message(send_one, count))
            if algorithm:
                row.append(per_message(lambda n, one=send_one: one(n, whole=True), count))
        sample = prepared.fill(Recipient("r@example.org", "R", "https://x/u/1"), "<1@x>")
        reference = [
            per_message(lambda n, a=algorithm, k=key, m=sample: dkimpy_sign(m, a, k), count // 10)
            for algorithm, key in (
                (b"ed25519-sha256", _dkimpy_ed25519(keys[ED25519].private_pem)),
                (b"rsa-sha256", _dkimpy_rsa(keys[RSA].private_pem)),
            )
        ]
        print(f"{language:8} {len(sample):7,} {row[0]:7.0f} {row[1]:9.0f} {row[2]:7.0f} "
              f"{row[3]:9.0f} {row[4]:7.0f} {reference[0]:15.0f} {reference[1]:11.0f}")  # fmt: skip
    print(f"cpu count {os.cpu_count()}")


def dkimpy_sign(message: bytes, algorithm: bytes, key: bytes) -> bytes:
    return dkim.sign(
        message,
        b"bench",
        b"newsletter.example.org",
        key,
        include_headers=DKIM_HEADERS,
        canonicalize=(b"relaxed", b"relaxed"),
        signature_algorithm=algorithm,
    )


def _dkimpy_ed25519(pem: str) -> bytes:
    """dkimpy takes an Ed25519 key as its base64 seed, not PEM."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(pem.encode(), None)
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    import base64

    return base64.b64encode(raw)


def _dkimpy_rsa(pem: str) -> bytes:
    """dkimpy reads PKCS#1 (BEGIN RSA PRIVATE KEY)."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(pem.encode(), None)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


if __name__ == "__main__":
    main()
