"""Job and batch records: Redis hashes with a TTL, shared by the gateway and every worker.

A job moves ``queued -> running -> done | failed``; ``done`` and ``failed`` are final, and
every transition goes through one Lua script that refuses to leave them. That is what makes
Celery's redelivery safe: a job redelivered after it finished finds a final status and stops.
The same script keeps the queued/running gauges and done/failed counters for ``/metrics``,
and the set of unfinished jobs (``UNFINISHED``) that the sweep (``worker.sweep``) checks for
jobs nobody holds.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any

import redis

from pagewash.settings import get_settings

JOB = "pagewash:job:"
BATCH = "pagewash:batch:"
STATS = "pagewash:stats"
HIST = "pagewash:hist:"
UNFINISHED = "pagewash:unfinished"  # ids of jobs created and not yet final (nor deleted)
ID = re.compile(r"^[0-9a-f]{32}$")
FINAL = ("done", "failed")
RESULTS = ("image", "text", "hocr", "tsv", "pdf")  # result blobs a job may have, under "<job id>/<name>"
OCR_RESULTS = ("text", "hocr", "tsv")  # what the OCR step of a page job writes
WORK = ("ocr_page",)  # blobs passed between a job's steps (the page upscaled for OCR only), deleted with it
STAGES = ("queue", "fetch", "decode", "denoise", "encode", "ocr_queue", "ocr", "pdf", "total")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

_TRANSITION = """
local old = redis.call('HGET', KEYS[1], 'status')
if not old then return 0 end
if old == 'done' or old == 'failed' then return -1 end
redis.call('HSET', KEYS[1], 'status', ARGV[1])
if ARGV[1] == 'done' or ARGV[1] == 'failed' then redis.call('SREM', KEYS[3], ARGV[#ARGV]) end
for i = 3, #ARGV - 1, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
if old ~= ARGV[1] then
  redis.call('HINCRBY', KEYS[2], old, -1)
  redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
end
return 1
"""
_INCR = """
local s = redis.call('HGET', KEYS[1], 'status')
if not s then return -2 end
if s == 'done' or s == 'failed' then return -1 end
return redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
"""
_DELETE = """
local job = redis.call('HGETALL', KEYS[1])
if #job == 0 then return job end
local s = redis.call('HGET', KEYS[1], 'status')
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[3], ARGV[1])
if s and s ~= 'done' and s ~= 'failed' then redis.call('HINCRBY', KEYS[2], s, -1) end
return job
"""
_UPDATE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 1, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
"""


def new_id() -> str:
    """128 random bits: ids are the only thing between a result and someone guessing it."""
    return secrets.token_hex(16)


def valid_id(job_id: str) -> bool:
    return bool(ID.match(job_id))


def _flat(fields: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for k, v in fields.items():
        out += [k, json.dumps(v) if isinstance(v, dict | list | bool) else str(v)]
    return out


def create(r: redis.Redis, job_id: str, fields: dict[str, Any]) -> None:
    now = time.time()
    record = {"id": job_id, "status": "queued", "created": now, "attempts": 0, **fields}
    with r.pipeline() as p:
        p.hset(JOB + job_id, mapping=dict(zip(*[iter(_flat(record))] * 2)))
        p.expire(JOB + job_id, get_settings().job_ttl)
        p.hincrby(STATS, "queued", 1)
        p.hincrby(STATS, "submitted", 1)
        p.sadd(UNFINISHED, job_id)
        p.execute()


def get(r: redis.Redis, job_id: str) -> dict[str, str] | None:
    if not valid_id(job_id):
        return None
    raw = r.hgetall(JOB + job_id)
    job = {k.decode(): v.decode() for k, v in raw.items()}
    return job if "status" in job and "id" in job else None  # a half-written record is no job


def transition(r: redis.Redis, job_id: str, status: str, **fields: Any) -> int:
    """Move a job to ``status`` and set ``fields``: 1 done, 0 no such job (deleted or expired),
    -1 refused because the job already finished."""
    script = r.register_script(_TRANSITION)
    args = [status, get_settings().job_ttl, *_flat(fields), job_id]  # the id last: the fields are pairs
    return int(script(keys=[JOB + job_id, STATS, UNFINISHED], args=args))


def update(r: redis.Redis, job_id: str, **fields: Any) -> bool:
    """Set fields of a job that still exists (never resurrects a deleted one)."""
    return bool(r.register_script(_UPDATE)(keys=[JOB + job_id], args=_flat(fields)))


def incr(r: redis.Redis, job_id: str, field: str) -> int:
    """Count one more delivery of a live job, atomically with the check that it still is one:
    -2 when the job is gone (never recreates a deleted record), -1 when it is final."""
    return int(r.register_script(_INCR)(keys=[JOB + job_id], args=[field]))


def delete(r: redis.Redis, job_id: str) -> dict[str, str] | None:
    """Remove the record atomically (the queued/running gauges stay right even when a worker
    moves the job at the same moment); returns it, so callers can delete its blobs."""
    if not valid_id(job_id):
        return None
    flat = r.register_script(_DELETE)(keys=[JOB + job_id, STATS, UNFINISHED], args=[job_id])
    if not flat:
        return None
    return {flat[i].decode(): flat[i + 1].decode() for i in range(0, len(flat), 2)}


def unfinished(r: redis.Redis) -> list[str]:
    """Ids of the jobs that were created and are neither final nor deleted; some may have
    expired since, which ``forget`` drops."""
    return [v.decode() for v in r.smembers(UNFINISHED)]


def forget(r: redis.Redis, *job_ids: str) -> None:
    if job_ids:
        r.srem(UNFINISHED, *job_ids)


def timings(job: dict[str, str]) -> dict[str, float]:
    return {s: round(float(job["t_" + s]), 4) for s in STAGES if "t_" + s in job}


def options(job: dict[str, str]) -> dict[str, Any]:
    return json.loads(job.get("options", "{}"))


def observe(r: redis.Redis, stage_seconds: dict[str, float]) -> None:
    """Add stage latencies to the cumulative histograms ``/metrics`` serves (Redis holds them so
    that every worker's observations land in one place)."""
    with r.pipeline(transaction=False) as p:
        for stage, sec in stage_seconds.items():
            key = HIST + stage
            p.hincrby(key, "count", 1)
            p.hincrbyfloat(key, "sum", sec)
            for b in BUCKETS:
                if sec <= b:
                    p.hincrby(key, f"{b:g}", 1)
        p.execute()


def histograms(r: redis.Redis) -> dict[str, dict[str, float]]:
    out = {}
    for stage in STAGES:
        raw = r.hgetall(HIST + stage)
        if raw:
            out[stage] = {k.decode(): float(v) for k, v in raw.items()}
    return out


def stats(r: redis.Redis) -> dict[str, int]:
    return {k.decode(): int(v) for k, v in r.hgetall(STATS).items()}


def create_batch(r: redis.Redis, batch_id: str, job_ids: list[str], rejected: list[dict[str, str]]) -> None:
    key = BATCH + batch_id
    with r.pipeline() as p:
        p.hset(
            key,
            mapping={
                "id": batch_id,
                "created": time.time(),
                "jobs": json.dumps(job_ids),
                "rejected": json.dumps(rejected),
            },
        )
        p.expire(key, get_settings().job_ttl)
        p.execute()


def get_batch(r: redis.Redis, batch_id: str) -> dict[str, Any] | None:
    if not valid_id(batch_id):
        return None
    raw = r.hgetall(BATCH + batch_id)
    if not raw:
        return None
    d = {k.decode(): v.decode() for k, v in raw.items()}
    return {
        "id": d["id"],
        "created": float(d["created"]),
        "jobs": json.loads(d["jobs"]),
        "rejected": json.loads(d["rejected"]),
    }


def results(job: dict[str, str]) -> list[str]:
    return [x for x in job.get("results", "").split(",") if x]


def describe(job: dict[str, str], base: str = "") -> dict[str, Any]:
    """The public view of a job record (the API's JSON and the webhook's body); ``base`` is
    prepended to the links."""
    jid = job["id"]
    links = {"self": f"{base}/v1/jobs/{jid}"}
    for name in results(job):
        links[name] = f"{base}/v1/jobs/{jid}/{name}"

    def num(key: str) -> float | None:
        return float(job[key]) if job.get(key) else None

    out: dict[str, Any] = {
        "id": jid,
        "status": job["status"],
        "created": num("created"),
        "started": num("started"),
        "finished": num("finished"),
        "filename": job.get("filename") or None,
        "page": int(job.get("page", 0)) + 1,
        "batch": job.get("batch") or None,
        "options": options(job),
        "width": int(job["width"]) if job.get("width") else None,
        "height": int(job["height"]) if job.get("height") else None,
        "attempts": int(job.get("attempts", 0)),
        "timings": timings(job),
        "error": job.get("error") or None,
        "ocr_confidence": num("ocr_confidence"),
        "ocr_source": job.get("ocr_source") or None,
        "ocr_scale": int(job["ocr_scale"]) if job.get("ocr_scale") else None,
        "image_scale": int(job["image_scale"]) if job.get("image_scale") else None,
        "quarter": int(job["quarter"]) if job.get("quarter") else None,
        "angle": num("angle"),
        "lines_removed": job["lines_removed"] == "1" if job.get("lines_removed") else None,
        "callback": job.get("callback") or None,
        "kind": job.get("kind") or "page",
        "pages": int(job["pages"]) if job.get("pages") else None,
        "skipped_pages": [int(p) for p in job["skipped_pages"].split(",") if p] if job.get("skipped_pages") else [],
        "note": job.get("note") or None,
        "links": links,
    }
    return out
