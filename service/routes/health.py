"""Probes: ``/healthz`` (the process answers) and ``/readyz`` (it can do work: Redis answers
and at least one worker is alive)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from jobstore.redisconn import probe_client
from pagewash.settings import get_settings
from worker.heartbeat import alive

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The gateway process is up (liveness)."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Redis down or no worker alive"}})
def readyz() -> JSONResponse:
    """200 only when Redis answers and at least one worker beat recently (readiness)."""
    r = probe_client(get_settings().redis_url)
    try:
        r.ping()
        workers = alive(r)
    except Exception as e:
        return JSONResponse({"redis": f"unreachable: {type(e).__name__}", "workers": []}, status_code=503)
    body = {"redis": "ok", "workers": workers}
    return JSONResponse(body, status_code=200 if workers else 503)
