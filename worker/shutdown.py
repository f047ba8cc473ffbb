"""Graceful shutdown within a grace period: SIGTERM (Kubernetes, ``docker stop``) starts
Celery's warm shutdown, which lets the jobs in hand finish. If they are still running
``PAGEWASH_SHUTDOWN_GRACE`` seconds later, the worker sends them again for another worker to
take at once, stops its pool processes and exits, before the orchestrator's SIGKILL
(``terminationGracePeriodSeconds``, set a few seconds above the grace) would cut them off and
leave them to the reaper.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading

from celery.signals import worker_shutting_down

from pagewash.settings import get_settings
from worker.jobstore.redisconn import get_redis

log = logging.getLogger(__name__)


def pool_children(pid: int | None = None) -> list[int]:
    """The child processes of ``pid`` (this process by default): a prefork pool's workers."""
    pid = pid or os.getpid()
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fp:
            return [int(p) for p in fp.read().split()]
    except OSError:
        return []


def hand_back_and_exit() -> None:
    """Send this worker's unfinished jobs again, stop the pool, leave (the grace has run out)."""
    from worker import heartbeat, held

    who = heartbeat.holder_id()
    try:
        sent = held.requeue(get_redis(), who, refund=True) if who else 0
        log.warning("shutdown: grace of %gs over; %d job(s) handed back", get_settings().shutdown_grace, sent)
        heartbeat.stop()
    except Exception as e:  # Redis away: the reaper or the broker's visibility timeout hands them on
        log.warning("shutdown: could not hand jobs back: %s", e)
    for pid in pool_children():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    os._exit(0)


@worker_shutting_down.connect
def _start_grace(sig=None, how=None, **kwargs) -> None:
    grace = get_settings().shutdown_grace
    if how != "Warm" or grace <= 0:
        return
    log.info("shutdown (%s): finishing the jobs in hand, at most %g s", sig, grace)
    timer = threading.Timer(grace, hand_back_and_exit)
    timer.daemon = True
    timer.start()
