"""The time limit: framework backends in worker processes, numpy and fd under a timer.

Each framework backend (torch, jax, tensorflow) runs in a worker process of its own,
started the first time a case needs it and kept for the rest of the run, so the framework
is imported once, in the worker, never in the main process. A case goes to the workers of
all its framework backends at once: they run beside each other and beside numpy and fd,
which run in the main process. A worker that has not answered within the time limit is
killed (SIGKILL stops a framework stuck in native code too) and that backend's outcome is
an error, "exceeded 60 s"; the next case starts a new worker. A worker that dies (a crash,
the kernel's out-of-memory killer) is its backend's error likewise. Workers die with the
main process (PR_SET_PDEATHSIG on Linux, else when their pipe closes), and `shutdown`
stops them at the end of a run.

Inside every process, `time_limit` arms an interval timer around a backend's run: Python
code that runs too long (fd's many evaluations, a long optimizer loop) raises
`BackendTimeout` between two NumPy calls, and the worker lives on.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from .results import Outcome

GRACE = 5.0  # seconds a worker's own timer has to answer before it is killed
IMPORT_LIMIT = 600.0  # seconds a worker may take to import its framework


class BackendTimeout(Exception):
    """A backend ran past the time limit (raised by `time_limit`'s timer)."""


def timeout_outcome(seconds: float) -> Outcome:
    return Outcome(error=f"exceeded {seconds:g} s (--timeout)", error_type="Timeout")


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise BackendTimeout in the block after `seconds` (none where 0 or None, or off the
    main thread, where signals cannot be delivered)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise BackendTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---- the worker process --------------------------------------------------------------------


def _die_with_parent() -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the worker leaves when its pipe closes


def serve(conn: Any, backend: str) -> None:
    """The worker's loop: import the backend, say so, then run each case it is sent."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    from . import backends
    from .errors import BackendSkip
    from .run import run_backend

    try:
        backends.load(backend)
        conn.send(("ready", None))
    except BackendSkip as exc:
        conn.send(("ready", Outcome(skip=str(exc))))
    except Exception as exc:  # a broken install: every case gets this error
        conn.send(("ready", Outcome(error=f"cannot import: {exc}", error_type=type(exc).__name__)))
    while True:
        try:
            case, options = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(("outcome", run_backend(backend, case, options)))


# ---- the main process's side ---------------------------------------------------------------


class Worker:
    """One framework backend's worker process, started on first use, replaced when killed."""

    def __init__(self, backend: str):
        self.backend = backend
        self.process: Any = None
        self.conn: Any = None
        self.broken: Outcome | None = None  # what every case gets when the import failed
        self.ready = False

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=serve, args=(child, self.backend), name=f"gradcheck-{self.backend}", daemon=True
        )
        self.process.start()
        child.close()
        self.ready, self.broken = False, None

    def submit(self, case: Any, options: Any) -> None:
        if self.process is None or not self.process.is_alive():
            self._start()
        self.conn.send((case, options))
        self.sent = time.monotonic()

    def result(self, seconds: float | None, status: Callable[[str], None] | None) -> Outcome:
        """The outcome of the case last submitted; an error if it ran out of time or died."""
        if not self.ready:
            if status:
                status(f"importing {self.backend}")
            kind, message = self._wait(IMPORT_LIMIT)
            if kind == "timeout":
                why = f"did not import {self.backend} within {IMPORT_LIMIT:g} s"
                return Outcome(error=f"the {self.backend} worker {why}", error_type="Timeout")
            if kind == "died":
                return self._died(message)
            self.ready, self.broken = True, message[1]
            self.sent = time.monotonic()  # the time limit starts once the framework is in
        kind, message = self._wait(None if not seconds else seconds + min(GRACE, seconds / 2))
        if kind == "timeout":
            return timeout_outcome(seconds)
        if kind == "died":
            return self._died(message)
        return self.broken if self.broken is not None else message[1]

    def _wait(self, seconds: float | None) -> tuple[str, Any]:
        """("ok", the message), ("timeout", None) once it is killed, or ("died", exit code)."""
        try:
            left = None if seconds is None else max(0.0, self.sent + seconds - time.monotonic())
            if left is not None and not self.conn.poll(left):
                self.stop()
                return "timeout", None
            return "ok", self.conn.recv()
        except (EOFError, OSError):
            self.process.join(5)
            code = self.process.exitcode
            self.stop()
            return "died", code

    def _died(self, code: int | None) -> Outcome:
        text = f"the {self.backend} worker died ({_exit_text(code)})"
        return Outcome(error=text, error_type="Crash")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join(5)
        if self.conn is not None:
            self.conn.close()
        self.process = self.conn = None
        self.ready = False


def _exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        hint = ": out of memory?" if -code == signal.SIGKILL else ""
        return f"signal {name}{hint}"
    return f"exit code {code}"


_WORKERS: dict[str, Worker] = {}


def worker(backend: str) -> Worker:
    if backend not in _WORKERS:
        _WORKERS[backend] = Worker(backend)
    return _WORKERS[backend]


def shutdown() -> None:
    """Stop every worker: nothing is left running after a run."""
    for w in _WORKERS.values():
        w.stop()
    _WORKERS.clear()
