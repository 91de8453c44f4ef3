"""Sending speed: `newsletter send` end to end against Postfix's smtp-source, in one run.

    .venv/bin/python benchmarks/send.py [--databases sqlite,postgresql] [--connections 1,4,8]
        [--processes 1,2] [--recipients 10000,100000] [--million] [--cold]

Each case: a copy of the sample project with N generated subscribers (80% English, 20%
Japanese), checked with `newsletter check` as an editor does before sending (untimed; its
SpamAssassin scores are kept, and the send's own preflight reuses them; `--cold` leaves the
check out, and the send scores the editions itself, a second or more of Perl starting up),
then the May 2013 issue sent with `newsletter send --yes --connections C --processes P`
in a child process (the ledger, personalisation, the progress log all on) to Postfix's
smtp-sink on 127.0.0.1, timed from start to exit, with its CPU time (worker processes
included) and peak memory. In the same run, smtp-source sends N messages (at most 100,000)
of the English message's size over C connections to a fresh sink: the ceiling on this
machine. The load average before each case is printed: the machine may be shared, so
compare ratios and CPU a message, not rates across runs. `--million` adds 1,000,000
recipients on PostgreSQL sent by three workers: three `send` commands at once, 3 connections
each (against smtp-source over 9). Needs Debian's postfix
package (see .ci/setup) for smtp-sink and smtp-source, and for PostgreSQL the server
.ci/setup starts. Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import compileall
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
SAMPLE_EVERY = 1.0  # seconds between two readings of the senders' memory
PROJECT_PARTS = ("newsletter.toml", "issues", "templates")
CHUNK = 50_000
SECRET = "benchmark-secret-key-for-signing-links"
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
    shutil.rmtree(scratch / "cache", ignore_errors=True)  # no spam score kept from a case before
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
        "XDG_CACHE_HOME": str(scratch / "cache"),
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


def send(
    project: Path,
    environ: dict,
    port: int,
    connections: int,
    processes: int,
    sends: int = 1,
    cold: bool = False,
) -> dict:
    """`sends` send commands at once, each with `connections` over `processes` workers; unless
    `cold`, after `newsletter check` (untimed), as an editor runs it before sending."""
    env = {**os.environ, **environ, "NEWSLETTER_SMTP_PORT": str(port)}
    env["PYTHONPATH"] = str(REPO / "src")
    newsletter = [sys.executable, "-c", CHILD, "-p", str(project)]
    if not cold:
        checked = subprocess.run([*newsletter, "check", "2013-05"], env=env, capture_output=True)
        if checked.returncode:
            raise RuntimeError(f"check failed: {checked.stderr.decode()[-2000:]}")
    command = [*newsletter, "send", "2013-05", "--yes"]
    command += ["--connections", str(connections), "--processes", str(processes)]
    cpu_before = _children_cpu()
    started = time.perf_counter()
    commands = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(sends)
    ]
    memory = Memory(commands)
    watching = threading.Thread(target=memory.watch, daemon=True)
    watching.start()
    for process in commands:
        out, err = process.communicate()
        if process.returncode:
            raise RuntimeError(f"send failed: {err[-2000:]}")
    seconds = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before  # the senders' own (workers included), not the sink's
    watching.join()
    return {"seconds": seconds, "cpu": cpu, "memory": memory, "last_report": out}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Memory:
    """Peak memory of the send commands and their worker processes, read from /proc while
    they run: each process's own peak (VmHWM, which counts the pages a forked worker shares
    with its parent in full), and the peak of the whole tree's proportional share (Pss: a
    shared page counted once), the memory a machine really gives the send. Read once a
    second: reading a process's Pss walks its page tables, and ten readings a second took
    a tenth of a core (12% CPU) on a two-core machine from the send being measured, where
    smtp-source runs unwatched."""

    def __init__(self, commands: list[subprocess.Popen]):
        self.commands = commands
        self.largest_kb = 0  # the largest VmHWM of one process
        self.tree_kb = 0  # the largest sum of Pss over all of them at one moment

    def watch(self) -> None:
        while any(process.poll() is None for process in self.commands):
            pids = [pid for process in self.commands for pid in _tree(process.pid)]
            total = 0
            for pid in pids:
                self.largest_kb = max(self.largest_kb, _field(pid, "status", "VmHWM:"))
                total += _field(pid, "smaps_rollup", "Pss:")
            self.tree_kb = max(self.tree_kb, total)
            time.sleep(SAMPLE_EVERY)


def _tree(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            return [pid, *(p for child in children.read().split() for p in _tree(int(child)))]
    except OSError:
        return []


def _field(pid: int, name: str, key: str) -> int:
    try:
        with open(f"/proc/{pid}/{name}") as lines:
            return next(int(line.split()[1]) for line in lines if line.startswith(key))
    except (OSError, StopIteration):
        return 0


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


def case(
    kind: str,
    recipients: int,
    connections: int,
    processes: int,
    scratch: Path,
    message: Path,
    sends: int = 1,
    cold: bool = False,
) -> dict:
    url, name = database(kind, scratch)
    try:
        project, environ = project_with(recipients, url, scratch)
        load = os.getloadavg()[0]
        with Sink() as sink:
            result = send(project, environ, sink.port, connections, processes, sends, cold)
    finally:
        drop(name)
        (scratch / "bench.db").unlink(missing_ok=True)
    ours = recipients / result["seconds"]
    ceiling = smtp_source(message, min(recipients, 100_000), connections * sends)
    row = {
        "database": kind,
        "recipients": recipients,
        "connections": connections,
        "processes": processes,
        "sends": sends,
        "cold": cold,
        "messages_per_second": round(ours),
        "smtp_source_per_second": round(ceiling),
        "ratio": round(ours / ceiling, 2),
        "cpu_us_per_message": round(result["cpu"] / recipients * 1e6),
        "largest_process_mb": round(result["memory"].largest_kb / 1024),
        "all_processes_mb": round(result["memory"].tree_kb / 1024),
        "load_before": round(load, 1),
    }
    print(json.dumps(row), flush=True)
    return row


def table(rows: list[dict], size: int) -> str:
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}; "
        f"measured {dt.date.today()}; the English message is {size / 1024:.0f} KB.",
        "",
        *[
            "Each send after `newsletter check`, whose SpamAssassin scores it reuses."
            if not cold
            else "Each send cold: no `newsletter check` before it, the send scores itself."
            for cold in sorted({row["cold"] for row in rows})
        ],
        "",
        "| Database | Recipients | Connections | Worker processes | Messages/s | smtp-source/s "
        "| Ratio | CPU µs a message | Peak MB, largest process | Peak MB, all (PSS) "
        "| Load before |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        processes = f"{row['processes']}" + (f" x {row['sends']} sends" if row["sends"] > 1 else "")
        lines.append(
            f"| {row['database']} | {row['recipients']:,} | {row['connections']} | "
            f"{processes} | {row['messages_per_second']:,} | "
            f"{row['smtp_source_per_second']:,} | {row['ratio']:.2f} | "
            f"{row['cpu_us_per_message']} | {row['largest_process_mb']} | "
            f"{row['all_processes_mb']} | {row['load_before']} |"
        )
    return "\n".join(lines) + "\n"


def compile_sources() -> None:
    """Compile newsletter's modules once, as installing the package does (pip writes each
    module's bytecode at install). Where PYTHONDONTWRITEBYTECODE is set, as on some CI and
    sandbox machines, each `send` would otherwise compile about a hundred modules from
    source at its start: about 90 ms that no installed copy spends."""
    compileall.compile_dir(REPO / "src", quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--connections", default="1,4,8")
    parser.add_argument("--processes", default=f"1,{os.cpu_count()}")
    parser.add_argument("--recipients", default="10000,100000")
    parser.add_argument("--million", action="store_true")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="no `newsletter check` before each send: the send scores with SpamAssassin itself",
    )
    args = parser.parse_args()
    compile_sources()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        message, size = message_file(scratch)
        for recipients in map(int, args.recipients.split(",")):
            for kind in args.databases.split(","):
                for connections in map(int, args.connections.split(",")):
                    for processes in map(int, args.processes.split(",")):
                        if processes <= connections:
                            rows.append(
                                case(
                                    kind,
                                    *(recipients, connections, processes, scratch, message),
                                    cold=args.cold,
                                )
                            )
        if args.million:  # three workers: three `send` commands on one PostgreSQL
            rows.append(
                case("postgresql", 1_000_000, 3, 1, scratch, message, sends=3, cold=args.cold)
            )
    print(table(rows, size))


if __name__ == "__main__":
    main()
