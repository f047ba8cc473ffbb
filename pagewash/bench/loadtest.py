"""``pagewash loadtest``: many clients submitting small pages at once, each waiting for its
job; reports what the issue tracker asks of a job system under load (all done, none lost or
run twice, latency percentiles, throughput) and the service's own overhead per job (submit
to done as the client sees it, minus the worker's time on the page)."""

from __future__ import annotations

import asyncio
import io
import json
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from PIL import Image

from pagewash.client import AsyncClient
from pagewash.errors import JobFailed, ServiceError

ENGINE_STAGES = ("fetch", "decode", "denoise", "encode", "ocr")


def pages(n: int, size: tuple[int, int], seed: int = 0) -> list[bytes]:
    """n distinct small noisy text-like pages (PNG); distinct so no cache could flatter us."""
    rng = np.random.default_rng(seed)
    w, h = size
    out = []
    for _ in range(n):
        a = np.full((h, w), rng.integers(180, 240), np.uint8)
        for y in range(int(rng.integers(8, 20)), h - 12, 22):
            a[y : y + 9, 10 : w - int(rng.integers(10, w // 3))] = rng.integers(10, 80)
        a = np.clip(a + rng.normal(0, 18, a.shape), 0, 255).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(a).save(buf, format="PNG", compress_level=1)
        out.append(buf.getvalue())
    return out


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


async def one_job(client: AsyncClient, data: bytes, ocr: bool) -> dict[str, Any]:
    t0, wall0 = time.perf_counter(), time.time()
    try:
        job_id = await client.submit(data, ocr=ocr, filename="page.png")
    except ServiceError as e:
        return {"error": f"submit: {e}"}
    try:
        record = await client.wait(job_id)
    except JobFailed as e:
        record = e.job
    except ServiceError as e:
        return {"id": job_id, "error": f"status: {e}"}
    latency = time.perf_counter() - t0
    engine = sum(record["timings"].get(s, 0.0) for s in ENGINE_STAGES)
    return {
        "id": job_id,
        "status": record["status"],
        "attempts": record["attempts"],
        "latency": latency,
        "engine": engine,
        # from the server's own finish time (same clock, this machine), so polling does not count
        "overhead": (record["finished"] or time.time()) - wall0 - engine,
        "waiting": record["timings"].get("queue", 0.0),
        "error": record["error"],
    }


async def run_async(
    url: str, n: int, clients: int, api_key: str | None, size: tuple[int, int], ocr: bool, timeout: float
) -> dict[str, Any]:
    data = pages(n, size)
    todo = iter(range(n))
    results: list[dict[str, Any]] = []

    # Polling every 10 ms growing to 100 ms: the latency measured is the service's, not the
    # poll's. No retries: a 429 or 503 under load is an error to report, not to hide.
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with AsyncClient(url, api_key or "", timeout, retries=0, poll=(0.01, 0.1), limits=limits) as client:

        async def worker() -> None:
            for i in todo:
                results.append(await one_job(client, data[i], ocr))

        before = await finished(client)
        t0 = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(clients))), timeout)
        wall = time.perf_counter() - t0
        after = await finished(client)
    report = summarize(results, n, clients, wall, size, ocr)
    report["server_finished"] = after - before  # jobs the fleet finished meanwhile: n unless one ran twice
    return report


async def finished(client: AsyncClient) -> float:
    """Jobs finished so far, by the fleet's own count (``/metrics``)."""
    text = (await client.http.get("/metrics")).raise_for_status().text
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("pagewash_jobs_finished_total{")
    )


def summarize(
    results: list[dict[str, Any]], n: int, clients: int, wall: float, size: tuple[int, int], ocr: bool
) -> dict[str, Any]:
    ok = [r for r in results if r.get("status") == "done"]
    ids = [r["id"] for r in results if "id" in r]
    lat = [r["latency"] for r in ok]
    over = [r["overhead"] for r in ok]
    return {
        "jobs": n,
        "clients": clients,
        "page": f"{size[0]}x{size[1]}",
        "ocr": ocr,
        "done": len(ok),
        "failed": sum(r.get("status") == "failed" for r in results),
        "errors": [r["error"] for r in results if r.get("status") != "done"][:10],
        "lost": n - len(results),
        "duplicate_ids": len(ids) - len(set(ids)),
        "redelivered": sum(r.get("attempts", 1) > 1 for r in ok),
        "wall_s": round(wall, 2),
        "throughput_jobs_per_s": round(len(ok) / wall, 2) if wall else None,
        "latency_p50_ms": round(1000 * percentile(lat, 50), 1),
        "latency_p95_ms": round(1000 * percentile(lat, 95), 1),
        "engine_p50_ms": round(1000 * statistics.median([r["engine"] for r in ok]), 1) if ok else None,
        "overhead_p50_ms": round(1000 * percentile(over, 50), 1),
        "overhead_p95_ms": round(1000 * percentile(over, 95), 1),
        # the same less the wait in the queue (which, with every worker busy, is capacity, not overhead)
        "overhead_less_queue_p50_ms": round(1000 * percentile([r["overhead"] - r["waiting"] for r in ok], 50), 1),
        "queue_wait_p50_ms": round(1000 * percentile([r["waiting"] for r in ok], 50), 1),
    }


def run(
    url: str,
    n: int = 500,
    clients: int = 32,
    api_key: str | None = None,
    size: tuple[int, int] = (320, 240),
    ocr: bool = False,
    timeout: float = 1800,
    out: Path | None = None,
) -> dict[str, Any]:
    report = asyncio.run(run_async(url, n, clients, api_key, size, ocr, timeout))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2) + "\n")
    return report
