"""The jobs each worker holds, kept in Redis beside its heartbeat, and the reaper that hands a
dead worker's jobs to the living ones in seconds.

Without it, a job whose worker is SIGKILLed (a spot node, an eviction, the OOM killer) sits
unacknowledged in the broker for the whole visibility timeout (15 minutes by default). Now
each worker's main process adds a job to its set when the task message arrives (reserved
ones too), and the task removes it when it has run. Every worker's heartbeat thread also
runs the reaper, under a Redis lock so that one acts at a time. A holder whose heartbeat has
expired (3 beats) has its jobs sent again.

The set is only as true as the writes that reached Redis: a release lost to a Redis outage
would leave a job "held" by a worker that has long let it go. So each beat also rewrites
the set from Celery's own state of the requests this process has reserved or runs
(``sync``), and the sweep (``worker.sweep``) trusts it.

Resending is safe because the tasks are idempotent (``worker.pipeline.claim``): a job that
finished is left alone, a job found running is redone, and each delivery counts an attempt,
so the poison limit still applies. The broker's own redelivery, after the visibility timeout,
stays as the last resort, and finds the job finished.
"""

from __future__ import annotations

import logging
import os

from celery.signals import task_postrun, task_received

from worker.jobstore import jobs
from worker.jobstore.redisconn import DOWN, get_redis, outage

log = logging.getLogger(__name__)
HELD = "pagewash:held:"  # + holder ("hostname:pid" of the worker's main process): set of "task|job id"
LOCK = "pagewash:reaper"
TASKS = ("pagewash.clean", "pagewash.ocr", "pagewash.pdf")  # the tasks that carry a job id
# The worker's main process imports this module (with the tasks) before it forks its pool, so
# the children inherit the main process's pid here: the pid its heartbeat carries.
MAIN_PID = os.getpid()


def holder(hostname: str, pid: int) -> str:
    return f"{hostname}:{pid}"


def _text(v: bytes | str) -> str:
    return v.decode() if isinstance(v, bytes) else v


@task_received.connect
def _hold(request=None, **kwargs) -> None:
    """In the main process, as the message arrives (also for messages reserved, not yet run)."""
    if request is None or request.name not in TASKS or not request.args:
        return
    try:
        get_redis().sadd(HELD + holder(request.hostname, MAIN_PID), f"{request.name}|{request.args[0]}")
    except DOWN as e:  # Redis away: the next beat's sync records it
        outage.down("held jobs", e)
    except Exception as e:
        log.warning("held jobs: could not record %s: %s", request.id, e)


@task_postrun.connect
def _release(task=None, args=None, **kwargs) -> None:
    """In whichever process ran the task, once it has run (whatever its outcome)."""
    if task is None or task.name not in TASKS or not args:
        return
    try:
        get_redis().srem(HELD + holder(task.request.hostname, MAIN_PID), f"{task.name}|{args[0]}")
    except DOWN as e:  # Redis away: the next beat's sync forgets it
        outage.down("held jobs", e)
    except Exception as e:
        log.warning("held jobs: could not release %s: %s", args[0], e)


def holding() -> set[str] | None:
    """``task|job id`` for each job this process has reserved or is running, from Celery's
    own bookkeeping (kept in the worker's main process, for every pool); None when it could
    not be read this time."""
    from celery.worker import state

    for _ in range(3):  # the consumer thread may add a request while we look
        try:
            requests = (*state.reserved_requests, *state.active_requests)
            break
        except RuntimeError:
            continue
    else:
        return None
    return {f"{q.name}|{q.args[0]}" for q in requests if q.name in TASKS and q.args}


def sync(r, who: str, members: set[str]) -> None:
    """Make ``who``'s set exactly ``members`` (one transaction)."""
    with r.pipeline() as p:
        p.delete(HELD + who)
        if members:
            p.sadd(HELD + who, *members)
        p.execute()


def holders(r) -> list[str]:
    """Every holder with a set, alive or not."""
    return [_text(k)[len(HELD) :] for k in r.scan_iter(match=HELD + "*", count=100)]


def held(r, who: str) -> list[tuple[str, str]]:
    """(task, job id) for each job ``who`` holds."""
    return [tuple(_text(m).split("|", 1)) for m in r.smembers(HELD + who)]


COUNTER = {"pagewash.ocr": "ocr_attempts"}  # the attempt counter each task's claim counts (else "attempts")


def requeue(r, who: str, refund: bool = False) -> int:
    """Send again every unfinished job that ``who`` holds, and forget its set; the count sent.
    ``refund`` (a graceful hand-back, not a crash) takes back the attempt the job's claim
    counted, so that scale-downs never push a long job to the poison limit."""
    from worker.celery_app import app

    sent = 0
    for task, job_id in held(r, who):
        job = jobs.get(r, job_id)
        if job is not None and job["status"] not in jobs.FINAL:
            counter = COUNTER.get(task, "attempts")
            if refund and int(job.get(counter) or 0) > 0:
                r.hincrby(jobs.JOB + job_id, counter, -1)
            app.send_task(task, args=[job_id])
            sent += 1
            log.warning("job %s: its worker %s is gone; sent again (%s)", job_id, who, task)
        r.srem(HELD + who, f"{task}|{job_id}")
    return sent


def reap(r, live: set[str], lock_seconds: int) -> int:
    """Requeue the jobs of every holder not in ``live`` (the holders with a fresh heartbeat);
    only the worker that takes the lock acts. The count of jobs sent again.

    Not within 3 beats of a Redis start: the heartbeats of live workers expired while it was
    down (or were lost with it), and each worker needs a beat to say it is still there."""
    if not r.set(LOCK, str(MAIN_PID), nx=True, ex=max(lock_seconds, 1)):
        return 0
    if int(r.info("server").get("uptime_in_seconds", 0)) <= 3 * max(lock_seconds, 1) + 1:
        return 0
    return sum(requeue(r, who) for who in holders(r) if who not in live)
