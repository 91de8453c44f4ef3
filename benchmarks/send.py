"""Sending speed: `newsletter send` end to end against Postfix's smtp-source, in one run.

    .venv/bin/python benchmarks/send.py [--databases sqlite,postgresql] [--connections 1,4,8]
        [--recipients 10000,100000] [--million] [--record]

Each case: a copy of the sample project with N generated subscribers (80% English, 20%
Japanese), the May 2013 issue sent with `newsletter send --yes --connections C` in a child
process (the ledger, personalisation, the progress log all on) to Postfix's smtp-sink on
127.0.0.1, timed from start to exit, with its peak memory. In the same run, smtp-source
sends N messages of the English message's size over C connections to a fresh sink: the
ceiling on this machine. `--million` adds 1,000,000 recipients on PostgreSQL with three
`send` processes at once. Needs Debian's postfix package (see .ci/setup) for smtp-sink and
smtp-source, and for PostgreSQL the server .ci/setup starts. --record writes the table into
BENCHMARKS.md under `## Delivery`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from newsletter.config import load_config  # noqa: E402
from newsletter.core import address_key  # noqa: E402
from newsletter.subscribers import (  # noqa: E402
    Consent,
    insert_subscribers,
    new_subscriber_values,
    open_store,
)

POSTGRES_ADMIN = os.environ.get(
    "NEWSLETTER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PROJECT_PARTS = ("newsletter.toml", "issues", "templates")
CHUNK = 50_000
SECRET = "benchmark-secret-key"
CHILD = "from newsletter.cli import main\nmain()\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sink:
    """Postfix's smtp-sink on a free port: accepts and discards, as fast as it can."""

    def __enter__(self) -> Sink:
        self.port = free_port()
        self.process = subprocess.Popen(
            ["smtp-sink", "-u", "root", f"127.0.0.1:{self.port}", "1000"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("smtp-sink did not start")

    def __exit__(self, *exc) -> None:
        self.process.kill()
        self.process.wait()


def database(kind: str, scratch: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{scratch / 'bench.db'}", None
    import psycopg

    name = f"newsletter_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}", name


def drop(name: str | None) -> None:
    if name:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def project_with(recipients: int, url: str, scratch: Path) -> tuple[Path, dict[str, str]]:
    project = scratch / "project"
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir()
    for part in PROJECT_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, project / part)
        else:
            shutil.copy2(source, project / part)
    environ = {
        "NEWSLETTER_DATABASE_URL": url,
        "NEWSLETTER_DELIVERY_BACKEND": "smtp",
        "NEWSLETTER_DELIVERY_RATE_PER_MINUTE": "0",
        "NEWSLETTER_SMTP_HOST": "127.0.0.1",
        "NEWSLETTER_SMTP_SECURITY": "none",
        "NEWSLETTER_SECRET_KEY": SECRET,
    }
    store = open_store(load_config(project, environ))
    at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    consent = Consent("express", at, "benchmark")
    for start in range(0, recipients, CHUNK):
        rows = []
        for n in range(start, min(start + CHUNK, recipients)):
            address = f"reader{n:07d}@example.org"
            language = "ja" if n % 5 == 4 else "en"
            name = f"読者 {n}" if language == "ja" else f"Reader {n}"
            rows.append(
                new_subscriber_values(
                    address, address_key(address), name, language, consent, {}, at
                )
            )
        with store.transaction() as connection:
            insert_subscribers(connection, rows)
    store.close()
    return project, environ


def send(project: Path, environ: dict, port: int, connections: int, workers: int = 1) -> dict:
    env = {**os.environ, **environ, "NEWSLETTER_SMTP_PORT": str(port)}
    env["PYTHONPATH"] = str(REPO / "src")
    command = [sys.executable, "-c", CHILD, "-p", str(project), "send", "2013-05", "--yes"]
    command += ["--connections", str(connections)]
    cpu_before = _children_cpu()
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(workers)
    ]
    peaks = [0] * workers
    watching = threading.Thread(target=_watch_peaks, args=(processes, peaks), daemon=True)
    watching.start()
    for process in processes:
        out, err = process.communicate()
        if process.returncode:
            raise RuntimeError(f"send failed: {err[-2000:]}")
    seconds = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before  # the senders' own, before the sink is reaped
    watching.join()
    return {"seconds": seconds, "cpu": cpu, "peak_mb": max(peaks) / 1024, "last_report": out}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _watch_peaks(processes: list[subprocess.Popen], peaks: list[int]) -> None:
    """Each child's peak resident memory (VmHWM, KB), read from /proc while it runs: not
    ru_maxrss, which counts the pages a child shares with this big process before exec."""
    while any(process.poll() is None for process in processes):
        for index, process in enumerate(processes):
            try:
                with open(f"/proc/{process.pid}/status") as status:
                    line = next(line for line in status if line.startswith("VmHWM"))
                peaks[index] = max(peaks[index], int(line.split()[1]))
            except (OSError, StopIteration):
                pass
        time.sleep(0.1)


def message_file(scratch: Path) -> tuple[Path, int]:
    """The English message as one recipient gets it, LF line ends (smtp-source adds CR)."""
    from newsletter.config import load_config as load
    from newsletter.issues import find_issue
    from newsletter.mail import PreparedMessage, Recipient
    from newsletter.render import Renderer

    config = load(REPO, {})
    edition = Renderer(config).render(find_issue(config, "2013-05"), ["en"]).edition("en")
    data = PreparedMessage.from_edition(edition, config).fill(
        Recipient("reader0000001@example.org", "Reader 1", "https://n.example.org/u/" + "x" * 80),
        "<1@example.org>",
    )
    path = scratch / "message.lf"
    path.write_bytes(data.replace(b"\r\n", b"\n"))
    return path, len(data)


def smtp_source(path: Path, messages: int, connections: int) -> float:
    with Sink() as sink:
        started = time.perf_counter()
        subprocess.run(
            ["smtp-source", "-d", "-s", str(connections), "-m", str(messages), "-F", str(path),
             "-f", "science@newsletter.example.org", "-t", "reader@example.org",
             f"127.0.0.1:{sink.port}"],
            check=True,
        )  # fmt: skip
        return messages / (time.perf_counter() - started)


def case(kind: str, recipients: int, connections: int, workers: int, scratch: Path, message: Path):
    url, name = database(kind, scratch)
    try:
        project, environ = project_with(recipients, url, scratch)
        with Sink() as sink:
            result = send(project, environ, sink.port, connections, workers)
    finally:
        drop(name)
        (scratch / "bench.db").unlink(missing_ok=True)
    ours = recipients / result["seconds"]
    ceiling = smtp_source(message, min(recipients, 100_000), connections * workers)
    row = {
        "database": kind,
        "recipients": recipients,
        "connections": connections,
        "workers": workers,
        "messages_per_second": round(ours),
        "smtp_source_per_second": round(ceiling),
        "ratio": round(ours / ceiling, 2),
        "peak_mb": round(result["peak_mb"]),
        "cpu_us_per_message": round(result["cpu"] / recipients * 1e6),
    }
    print(json.dumps(row), flush=True)
    return row


def table(rows: list[dict], size: int) -> str:
    lines = [
        "## Delivery",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}; "
        f"measured {dt.date.today()}.",
        "Command: `.venv/bin/python benchmarks/send.py --record` "
        "(with `--million` for the last row).",
        f"`newsletter send` of the May 2013 issue (both editions; the English message is "
        f"{size / 1024:.0f} KB) end to end, in a child process, to Postfix's smtp-sink on "
        "127.0.0.1, against smtp-source sending a message of the same size over the same number "
        "of connections to a fresh sink in the same run. Peak memory is the sending process's.",
        "",
        "| Database | Recipients | Connections | Processes | Messages/s | smtp-source/s | Ratio "
        "| Peak MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['database']} | {row['recipients']:,} | {row['connections']} | "
            f"{row['workers']} | {row['messages_per_second']:,} | "
            f"{row['smtp_source_per_second']:,} | {row['ratio']:.2f} | {row['peak_mb']} |"
        )
    return "\n".join(lines) + "\n"


def record(text: str) -> None:
    path = REPO / "BENCHMARKS.md"
    current = path.read_text(encoding="utf-8")
    start = current.find("## Delivery")
    if start == -1:
        path.write_text(current.rstrip() + "\n\n" + text, encoding="utf-8")
        return
    end = current.find("\n## ", start + 1)
    rest = current[end:] if end != -1 else ""
    path.write_text(current[:start] + text + rest, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--connections", default="1,4,8")
    parser.add_argument("--recipients", default="10000,100000")
    parser.add_argument("--million", action="store_true")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        message, size = message_file(scratch)
        for recipients in map(int, args.recipients.split(",")):
            for kind in args.databases.split(","):
                for connections in map(int, args.connections.split(",")):
                    rows.append(case(kind, recipients, connections, 1, scratch, message))
        if args.million:
            rows.append(case("postgresql", 1_000_000, 8, 3, scratch, message))
    text = table(rows, size)
    print(text)
    if args.record:
        record(text)


if __name__ == "__main__":
    main()
