"""A per-job deadline that works in any pool whose tasks run on a process's main thread
(Celery's prefork children and the solo pool): Celery's own time limits do nothing in the
solo pool a GPU worker uses, so the deadline is an interval timer that raises in the job."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pagewash.errors import JobTimeout


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise ``JobTimeout`` in the block once ``seconds`` have passed. Off the main thread
    (no signals there) the block runs without a deadline; Tesseract has its own timeout."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise JobTimeout(f"the job ran past its deadline of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
