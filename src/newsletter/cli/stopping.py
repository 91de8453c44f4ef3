"""Stopping a long command cleanly (`send`, `scheduler`): on Ctrl-C or SIGTERM it finishes
the messages being handed over; a second signal stops it at once."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator

import click

# Said on the first signal. Ctrl-C comes from someone at a terminal; SIGTERM from a service
# manager, or `kill`: systemd sends SIGKILL when TimeoutStopSec= has passed.
STOPPING = {
    signal.SIGINT: "stopping: finishing the messages being handed over (Ctrl-C again to quit now)",
    signal.SIGTERM: "stopping on SIGTERM: finishing the messages being handed over "
    "(a second SIGTERM, or SIGKILL, stops at once and leaves them uncertain)",
}


@contextlib.contextmanager
def stopping_on_signals(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C or SIGTERM: stop taking new messages, finish those being handed over. A
    second signal, of either kind, stops at once (what was in flight is then uncertain)."""

    def handle(number, frame) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        # Off the line a terminal's ^C or progress bar is on; no empty line in a log.
        click.echo(("\n" if sys.stderr.isatty() else "") + STOPPING[number], err=True)

    previous = {number: signal.signal(number, handle) for number in STOPPING}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
