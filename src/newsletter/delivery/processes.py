"""The connections of one send spread over several worker processes (`processes`).

Python runs one thread at a time in a process, and a message costs a few hundred µs of
CPU (BENCHMARKS.md): one process keeps one core busy at most. With `processes` above one,
`send` forks worker processes, each with its share of the connections, its own database
connection and its own row in the workers table, claiming rows as several `send` processes
do (FOR UPDATE SKIP LOCKED on PostgreSQL; on SQLite each group commit takes the write lock
in turn). The parent only watches: it passes on their progress, forwards a stop, and
reports their errors.

A worker process dies with its parent (PR_SET_PDEATHSIG): a `send` killed with SIGKILL
leaves none behind, and the next `send` finds their rows as it finds a killed process's.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import pickle
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import Connection as Pipe
from multiprocessing.connection import wait

from newsletter.core import NewsletterError

from .worker import Options, Progress

REPORT_EVERY = 0.2  # seconds between a worker process's progress reports
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

# Runs one worker in this process: (options, stop, progress).
Work = Callable[[Options, threading.Event, Progress], None]


def shares(connections: int, processes: int) -> list[int]:
    """The connections of each process: as even as they can be, none without one."""
    processes = max(1, min(processes, connections))
    return [
        connections // processes + (1 if n < connections % processes else 0)
        for n in range(processes)
    ]


def run_processes(
    work: Work, options: Options, stop: threading.Event, progress: Progress, before_fork
) -> None:
    """`work` in as many processes as options.processes says (here when that is one)."""
    each = shares(options.connections, options.processes)
    # What exists now (the rendered issue, the modules) lives as long as the send: kept out
    # of the collector's rounds, which would otherwise walk it again and again, and in a
    # forked child copy every page it touches.
    gc.freeze()
    try:
        if len(each) == 1:
            allowed = _pin(os.getpid())
            try:
                work(options, stop, progress)
            finally:
                _unpin(allowed)
            return
        before_fork()  # no database connection may be shared with a child
        children: list[Child] = []
        try:
            for index, connections in enumerate(each):
                share = replace(options, connections=connections)
                children.append(Child.start(work, share, index))
            _watch(children, stop, progress)
        finally:
            for child in children:
                child.end()
    finally:
        gc.unfreeze()


class Child:
    """A forked worker process and the pipe it reports on."""

    def __init__(self, pid: int, pipe: Pipe):
        self.pid = pid
        self.pipe = pipe
        self.done = False  # it said it finished (or failed)

    @classmethod
    def start(cls, work: Work, options: Options, index: int) -> Child:
        read, write = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            _keep_only(0, 1, 2, write)
            _pin(parent + index)
            _child(work, options, Pipe(write, readable=False), parent)
        os.close(write)
        return cls(pid, Pipe(read, writable=False))

    def end(self) -> None:
        """Wait for the process; kill it if it does not end (we are failing)."""
        for _ in range(100):
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(self.pid, os.WNOHANG)[0] != 0:
                    break
            time.sleep(0.05)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
        self.pipe.close()


def _pin(slot: int) -> set[int] | None:
    """Keep this thread and those it starts from now on on one core: of the cores this
    process may use, the slot-th, counted round (a process id, so that several `send`
    commands on one machine land apart; plus its index for a worker process). Its
    connections take turns for Python's interpreter lock; spread over cores, each turn is a
    hand-over between cores and a wake-up. Measured (BENCHMARKS.md):
    one process pinned sent 2,744-2,806 messages/s at 331-343 µs of CPU each, against
    1,679-1,971 at 509-591 µs unpinned, 4.8 context switches a message against 19. Returns
    the cores it was allowed before, or None where this cannot be done."""
    try:
        allowed = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {sorted(allowed)[slot % len(allowed)]})
    except (AttributeError, OSError):  # not Linux, or not allowed
        return None
    return allowed


def _unpin(allowed: set[int] | None) -> None:
    if allowed is not None:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, allowed)


def _watch(children: list[Child], stop: threading.Event, progress: Progress) -> None:
    """Pass on the children's progress until they end; forward a stop; raise the first error
    (an error in one stops the others, as it stops the other connections of a process)."""
    open_pipes = {child.pipe: child for child in children}
    errors: list[BaseException] = []
    stopping = False
    try:
        while open_pipes:
            for pipe in wait(list(open_pipes), timeout=REPORT_EVERY):
                try:
                    kind, payload = pipe.recv()
                except EOFError:  # it ended (or died without a word)
                    if not open_pipes.pop(pipe).done:
                        errors.append(
                            NewsletterError(
                                "a sending process ended unexpectedly; what was sent is recorded"
                            )
                        )
                    continue
                if kind == "progress":
                    _pass_on(payload, progress)
                elif kind == "error":
                    open_pipes[pipe].done = True
                    errors.append(_unpickled(payload))
                else:
                    open_pipes[pipe].done = True
            if not stopping and (stop.is_set() or errors):
                stopping = True
                _signal(children, signal.SIGTERM)
    except BaseException:  # a second Ctrl-C: the children stop at once too
        _signal(children, signal.SIGTERM)
        raise
    if errors:
        raise errors[0]


def _pass_on(counts: dict, progress: Progress) -> None:
    if not counts:  # waiting (for a retry, for the server)
        progress(None)
    for state, count in counts.items():
        for _ in range(count):
            progress(state)


def _signal(children: list[Child], number: int) -> None:
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, number)


def _unpickled(payload: bytes) -> BaseException:
    try:
        return pickle.loads(payload)
    except Exception:
        return NewsletterError("a sending process failed")


# In the child -------------------------------------------------------------------------------


def _child(work: Work, options: Options, pipe: Pipe, parent: int) -> None:
    code = 1
    try:
        stop = threading.Event()
        _stop_on_sigterm(stop)
        _die_with_parent(parent)
        report = Reporter(pipe)
        try:
            work(options, stop, report)
        except BaseException as exc:
            report.flush()
            pipe.send(("error", _pickled(exc)))
        else:
            report.flush()
            pipe.send(("done", None))
            code = 0
    finally:
        os._exit(code)  # no cleanup of what the parent owns (its files, its connections)


def _keep_only(*kept: int) -> None:
    """Close every file the child inherited but these: the parent's sockets (a web server's
    listening one, an SMTP server's in the tests) must not outlive it in its children."""
    last = 3
    for fd in sorted(set(kept) | {2}):
        if fd >= last:
            os.closerange(last, fd)
            last = fd + 1
    os.closerange(last, os.sysconf("SC_OPEN_MAX"))


def _die_with_parent(parent: int) -> None:
    with contextlib.suppress(OSError, AttributeError):  # Linux only; elsewhere: the pipe
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before we asked
        os._exit(1)


def _stop_on_sigterm(stop: threading.Event) -> None:
    """The parent forwards a stop as SIGTERM: the first finishes the messages in flight,
    a second stops at once. Ctrl-C reaches every process of a terminal: the parent decides."""

    def handle(number, frame) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _pickled(exc: BaseException) -> bytes:
    try:
        data = pickle.dumps(exc)
        pickle.loads(data)
        return data
    except Exception:
        return pickle.dumps(NewsletterError(f"{type(exc).__name__}: {exc}"))


class Reporter:
    """A worker process's progress, sent to the parent in counts a few times a second."""

    def __init__(self, pipe: Pipe):
        self.pipe = pipe
        self.counts: Counter = Counter()
        self.waiting = False
        self.last = time.monotonic()
        self._lock = threading.Lock()

    def __call__(self, state: str | None) -> None:
        with self._lock:
            if state is None:
                self.waiting = True
            else:
                self.counts[state] += 1
            if time.monotonic() - self.last >= REPORT_EVERY:
                self._send()

    def flush(self) -> None:
        with self._lock:
            self._send()

    def _send(self) -> None:
        if self.counts:
            self.pipe.send(("progress", dict(self.counts)))
            self.counts.clear()
        elif self.waiting:
            self.pipe.send(("progress", {}))
        self.waiting = False
        self.last = time.monotonic()
