"""Probes: ``/healthz`` (the process answers), ``/readyz`` (it can take jobs: Redis answers and
takes writes) and ``/v1/status`` (the fleet: workers, queue depths, jobs by status).

Worker presence is reported, never required. With workers scaled from zero (KEDA on queue
length), a gateway that waited for a worker would refuse the jobs that make the queue grow,
and no worker would ever start.
"""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from pagewash.settings import get_settings
from worker.celery_app import QUEUES
from worker.heartbeat import alive
from worker.jobstore import jobs
from worker.jobstore.redisconn import DOWN, outage, probe_client

router = APIRouter(tags=["health"])
PROBE_KEY = "pagewash:probe"


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The gateway process is up (liveness)."""
    return {"status": "ok"}


def fleet(r) -> dict:
    """Workers alive, messages waiting per queue."""
    return {"workers": alive(r), "queues": {q: int(r.llen(q)) for q in QUEUES}}


@router.get("/readyz", responses={503: {"description": "Redis unreachable or not taking writes"}})
def readyz() -> JSONResponse:
    """200 when Redis answers and takes a write (jobs can be accepted); the body also reports
    the workers alive and the queue depths, which do not count for readiness."""
    r = probe_client(get_settings().redis_url)
    try:
        r.set(PROBE_KEY, str(time.time()), ex=60)  # a full store (noeviction) or a read-only replica fails here
        body = {"redis": "ok", **fleet(r)}
    except Exception as e:
        return unavailable(e, {"workers": []})
    outage.up()  # routes take jobs again at once, not at the watcher's next ping
    return JSONResponse(body)


def unavailable(e: Exception, extra: dict) -> JSONResponse:
    """503 for a Redis that failed the probe, with how long this process has seen it away."""
    if isinstance(e, DOWN):
        outage.down("readyz", e)
    body = {"redis": f"unavailable: {type(e).__name__}: {e}"[:300], **extra}
    if outage.since is not None:
        body["redis_down_for_s"] = round(time.time() - outage.since, 1)
    return JSONResponse(body, status_code=503, headers={"Retry-After": outage.retry_after()})


@router.get("/v1/status", responses={503: {"description": "Redis unreachable"}})
def status() -> JSONResponse:
    """The fleet: workers alive (with their queues and device), queue depths, jobs by status."""
    r = probe_client(get_settings().redis_url)
    try:
        body = {"redis": "ok", **fleet(r), "jobs": jobs.stats(r)}
    except Exception as e:
        return unavailable(e, {})
    return JSONResponse(body)
