"""The sweep: no job waits for ever, whatever stranded it.

A job record can say ``queued`` or ``running`` while nothing will ever move it: its task
message was among the last second of writes a SIGKILLed Redis lost; its worker gave up
waiting for a Redis that stayed away past the job's deadline; its message was reserved by
a consumer whose connection dropped. The reaper (``worker.held``) only knows jobs held by
dead workers, and the broker's own redelivery waits the whole visibility timeout.

So every ``PAGEWASH_SWEEP_INTERVAL`` seconds, whichever worker's heartbeat takes the lock
checks the unfinished jobs (``jobs.UNFINISHED``) against what could still move them: a
message waiting in a task queue, or a worker's set of held jobs (live workers rewrite theirs
each beat from Celery's own state; a dead worker's set is the reaper's). A job with neither,
seen so on every sweep for ``PAGEWASH_ORPHAN_GRACE`` seconds (so that a message on its way
from a queue to a worker is never taken for a lost one), is sent again, to the step it had
reached. Sending it twice is harmless: the tasks are idempotent (``worker.pipeline``).

The bound: a stranded job is sent again within grace + two intervals (50 s by default) of
being stranded, once Redis answers and a worker runs.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable

from worker import held
from worker.jobstore import jobs

log = logging.getLogger(__name__)
ORPHANS = "pagewash:orphans"  # job id -> Redis time at which the sweep first saw it stranded
LOCK = "pagewash:sweep"
PRIORITY_LISTS = ("", "\x06\x163", "\x06\x166", "\x06\x169")  # kombu's Redis list suffixes per priority step


def message_job(raw: bytes) -> str | None:
    """The job id a Celery task message (kombu's JSON envelope) carries, for the job tasks."""
    try:
        msg = json.loads(raw)
        if msg.get("headers", {}).get("task") not in held.TASKS:
            return None
        body = msg["body"]
        if msg.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
        return str(args[0]) if args else None
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None


def carried(r) -> set[str]:
    """Job ids that something will still move: a message waiting in a queue, or a worker's
    held set. The queues are read first: a message taken from a queue while we look is in
    its worker's set by the time the sets are read (or is the grace's to cover)."""
    from worker.celery_app import QUEUES  # on use: the app module builds its app on import

    ids = {job for q in QUEUES for p in PRIORITY_LISTS for raw in r.lrange(q + p, 0, -1) if (job := message_job(raw))}
    for who in held.holders(r):
        ids |= {job for _, job in held.held(r, who)}
    return ids


def next_task(job: dict[str, str]) -> str:
    """The task that moves the job on from where it stands."""
    if job.get("kind") == "pdf":
        return "pagewash.pdf"
    if job["status"] == "running" and job.get("cleaned_at"):  # cleaned; its OCR message was lost
        return "pagewash.ocr"
    return "pagewash.clean"


def sweep(r, grace: float, send: Callable[[str, str], object] | None = None) -> list[str]:
    """One sweep: the ids of the jobs sent again, each by ``send(task, job id)`` (by default
    through Celery, which routes each task to its queue)."""
    if send is None:
        from worker.celery_app import app

        def send(task: str, job_id: str) -> object:
            return app.send_task(task, args=[job_id])

    ids = jobs.unfinished(r)
    if not ids:
        r.delete(ORPHANS)
        return []
    now = float(r.time()[0])  # Redis's clock: workers' clocks may differ
    moving = carried(r)
    seen = {k.decode(): float(v) for k, v in r.hgetall(ORPHANS).items()}
    stranded: dict[str, float] = {}
    gone, sent = [], []
    for job_id in ids:
        if job_id in moving:
            continue
        job = jobs.get(r, job_id)
        if job is None or job["status"] in jobs.FINAL:  # expired, deleted or finished: not ours
            gone.append(job_id)
            continue
        first = seen.get(job_id, now)
        if now - first < grace:
            stranded[job_id] = first
            continue
        task = next_task(job)
        send(task, job_id)
        sent.append(job_id)
        log.warning(
            "job %s: %s for %.0f s, held by no worker and in no queue; sent again (%s)",
            job_id,
            job["status"],
            now - first,
            task,
        )
    jobs.forget(r, *gone)
    with r.pipeline() as p:
        p.delete(ORPHANS)
        if stranded:
            p.hset(ORPHANS, mapping=stranded)
        p.execute()
    return sent


def run(r, interval: float, grace: float) -> list[str]:
    """A sweep, if no other worker swept within ``interval`` (a Redis lock)."""
    if not r.set(LOCK, "1", nx=True, px=max(int(interval * 1000), 100)):
        return []
    return sweep(r, grace)
