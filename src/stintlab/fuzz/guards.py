"""Guards of a fuzz case: a wall-clock limit (SIGALRM) and a resident-memory limit (a watchdog
thread), each stopping the case with an exception the code under test cannot swallow."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import traceback
from pathlib import Path

__all__ = ["CaseTimeout", "MemoryLimit", "memory_guard", "time_limit", "tail"]


class CaseTimeout(BaseException):  # BaseException: no ``except Exception`` in the code under test swallows it
    pass


class MemoryLimit(BaseException):
    pass


def _rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@contextlib.contextmanager
def memory_guard(limit_mb: float, every: float = 0.05):
    """While active, a watchdog thread reads this process's resident memory every ``every`` seconds;
    past ``limit_mb`` it signals the main thread (SIGUSR1), where the running case stops with a
    ``memory`` outcome. Resident memory, not address space: DuckDB and pyarrow reserve gigabytes of
    address space they never touch (an address-space limit aborts DuckDB's threads)."""
    if limit_mb <= 0 or not hasattr(signal, "SIGUSR1") or threading.current_thread() is not threading.main_thread():
        yield
        return
    stop = threading.Event()

    def boom(signum, frame):
        raise MemoryLimit()

    def watch():
        while not stop.wait(every):
            if _rss_mb() > limit_mb:
                os.kill(os.getpid(), signal.SIGUSR1)
                stop.wait(1.0)  # one signal per second at most, while the case unwinds

    old = signal.signal(signal.SIGUSR1, boom)
    thread = threading.Thread(target=watch, name="stintlab-fuzz-memory", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        signal.signal(signal.SIGUSR1, old)


@contextlib.contextmanager
def time_limit(seconds: float):
    if seconds <= 0 or not hasattr(signal, "SIGALRM"):
        yield
        return

    def boom(signum, frame):
        raise CaseTimeout()

    old = signal.signal(signal.SIGALRM, boom)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def tail(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)[-3:]
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(tb))
    return f"{type(exc).__name__}: {str(exc)[:200]} [{where}]"
