"""Which SMTP client delivery uses, by measurement: the same message to Postfix's smtp-sink.

    .venv/bin/python benchmarks/smtp_clients.py [--messages 10000] [--connections 1,4,8]

For each number of connections, in one run and each against a fresh sink: smtp-source (the
ceiling), smtplib's sendmail() in a thread per connection, smtplib driven command by
command with the message's bytes prepared once (what delivery/transports/smtp.py does),
and aiosmtplib in one event loop (`pip install aiosmtplib` first; skipped without it).
Prints messages a second and the client's CPU time a message.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from send import Sink, message_file  # noqa: E402

SENDER = "science@newsletter.example.org"


def recipient(number: int) -> str:
    return f"reader{number}@example.org"


def with_sendmail(port: int, connections: int, messages: int, data: bytes) -> None:
    import smtplib

    numbers = iter(range(messages))
    lock = threading.Lock()

    def connection() -> None:
        smtp = smtplib.SMTP("127.0.0.1", port)
        while True:
            with lock:
                number = next(numbers, None)
            if number is None:
                break
            smtp.sendmail(SENDER, [recipient(number)], data)
        smtp.quit()

    _threads(connection, connections)


def with_commands(port: int, connections: int, messages: int, data: bytes) -> None:
    """Delivery's own transport, as `send` drives it (pipelined commands, prepared data)."""
    from newsletter.delivery.transports import UNRECORDED, Envelope, SmtpServer, SmtpTransport

    transport = SmtpTransport(SmtpServer("127.0.0.1", port, "none"))
    numbers = iter(range(messages))
    lock = threading.Lock()

    def connection() -> None:
        smtp = transport.connect()
        while True:
            with lock:
                number = next(numbers, None)
            if number is None:
                break
            smtp.send(Envelope(SENDER, recipient(number)), data, "", UNRECORDED)
        smtp.close()

    _threads(connection, connections)


def with_aiosmtplib(port: int, connections: int, messages: int, data: bytes) -> None:
    import aiosmtplib

    async def main() -> None:
        numbers = iter(range(messages))

        async def connection() -> None:
            smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
            await smtp.connect()
            for number in numbers:
                await smtp.sendmail(SENDER, [recipient(number)], data)
            await smtp.quit()

        await asyncio.gather(*(connection() for _ in range(connections)))

    asyncio.run(main())


def _threads(target, count: int) -> None:
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def smtp_source(port: int, connections: int, messages: int, path: Path) -> None:
    subprocess.run(
        ["smtp-source", "-d", "-s", str(connections), "-m", str(messages), "-F", str(path),
         "-f", SENDER, "-t", recipient(0), f"127.0.0.1:{port}"],
        check=True,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--connections", default="1,4,8")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path, size = message_file(Path(folder))
        data = path.read_bytes().replace(b"\n", b"\r\n")
        print(f"message: {size / 1024:.0f} KB; {args.messages:,} messages per row")
        print(f"{'client':<22} {'connections':>11} {'messages/s':>10} {'CPU µs/msg':>10}")
        for connections in map(int, args.connections.split(",")):
            clients = {
                "smtp-source": lambda port, c=connections: smtp_source(
                    port, c, args.messages, path
                ),
                "smtplib sendmail()": lambda port, c=connections: with_sendmail(
                    port, c, args.messages, data
                ),
                "delivery's transport": lambda port, c=connections: with_commands(
                    port, c, args.messages, data
                ),
                "aiosmtplib": lambda port, c=connections: with_aiosmtplib(
                    port, c, args.messages, data
                ),
            }
            for name, run in clients.items():
                if name == "aiosmtplib":
                    try:
                        import aiosmtplib  # noqa: F401
                    except ImportError:
                        print(f"{name:<22} {connections:>11} {'(not installed)':>10}")
                        continue
                with Sink() as sink:
                    started, cpu = time.perf_counter(), time.process_time()
                    run(sink.port)
                    seconds = time.perf_counter() - started
                    used = time.process_time() - cpu
                rate = args.messages / seconds
                per = "-" if name == "smtp-source" else f"{used / args.messages * 1e6:.0f}"
                print(f"{name:<22} {connections:>11} {rate:>10,.0f} {per:>10}")


if __name__ == "__main__":
    socket.setdefaulttimeout(30)
    main()
