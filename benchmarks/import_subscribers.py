"""Import 100,000 subscribers into a fresh SQLite file and a fresh PostgreSQL database.

Runs `newsletter subscribers import` in a child process, as a user would, and reports its
wall time and peak memory (the child's maximum resident set size, from wait4). Then imports
the same list again, which must change nothing. Target: under 10 s and 200 MB each.

    .venv/bin/python benchmarks/import_subscribers.py [--rows N] [--postgres URL]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get(
    "NEWSLETTER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SOURCES = ["web form", "business card, Ottawa 2024", "embassy reception sign-up sheet"]


def write_list(path: Path, rows: int) -> None:
    """A realistic list: both languages, both kinds of consent, an extra column."""
    rng = random.Random(2025)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            ["email", "name", "language", "consent", "consented_at", "source", "organisation"]
        )
        for n in range(rows):
            writer.writerow(
                [
                    f"Person.{n}@Example{n % 97}.org",
                    f"Person Number {n}",
                    rng.choice(["en", "ja"]),
                    rng.choice(["express", "implied"]),
                    f"{rng.randint(2015, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    rng.choice(SOURCES),
                    f"Organisation {n % 500}" if n % 3 else "",
                ]
            )


def run_import(project: Path, csv_path: Path, database_url: str | None) -> tuple[float, float, str]:
    """(seconds, peak MB, summary line) of one import in a child process."""
    env = dict(os.environ)
    if database_url:
        env["NEWSLETTER_DATABASE_URL"] = database_url
    command = [sys.executable, "-c", "from newsletter.cli import main; main()"]
    command += ["--project", str(project), "subscribers", "import", str(csv_path)]
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    out, err = child.stdout.read().decode(), child.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"import failed:\n{out}{err}")
    return seconds, usage.ru_maxrss / 1024, out.strip().splitlines()[-1]


def fresh_postgres(admin_url: str) -> tuple[str, str]:
    import psycopg

    name = f"newsletter_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name, admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", default=ADMIN_URL, help="admin URL; 'none' to skip")
    args = parser.parse_args()
    python = platform.python_version()
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {python}")
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "project"
        project.mkdir()
        shutil.copy(REPO / "newsletter.toml", project)
        csv_path = Path(folder) / "subscribers.csv"
        write_list(csv_path, args.rows)
        print(f"list: {args.rows:,} rows, {csv_path.stat().st_size / 1e6:.1f} MB")
        backends = [("SQLite", None)]
        if args.postgres != "none":
            name, url = fresh_postgres(args.postgres)
            backends.append(("PostgreSQL", url))
        try:
            for label, url in backends:
                for attempt in ("first import", "re-import"):
                    seconds, peak, summary = run_import(project, csv_path, url)
                    print(f"{label:10} {attempt:12} {seconds:6.2f} s  {peak:6.1f} MB  {summary}")
        finally:
            if args.postgres != "none":
                drop_postgres(args.postgres, name)


if __name__ == "__main__":
    main()
