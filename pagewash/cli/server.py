"""Running the service: ``serve`` (the gateway) and ``worker`` (a Celery worker).

A worker is started to suit its device: GPU -> one process per GPU (CUDA must not live
through fork) whose task threads feed one batcher; CPU -> prefork children that split the
cores between them.
"""

from __future__ import annotations

import argparse
import os

from pagewash.cli.spec import LOG_LEVEL, Command, arg


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from pagewash.settings import get_settings

    settings = get_settings()
    uvicorn.run(
        "service.main:app",
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers,
        log_level=args.log_level,
        proxy_headers=True,
        access_log=args.access_log,
    )
    return 0


def plan(device: str, concurrency: int | None, pool: str | None, cores: int) -> tuple[str, int, int]:
    """(pool, processes, torch threads per process) for a resolved device."""
    from pagewash.settings import get_settings

    if device.startswith("cuda"):
        # One process per GPU (CUDA does not survive fork); its task threads decode and encode
        # while one batcher thread owns the device (worker/batcher.py).
        return pool or "threads", concurrency or get_settings().gpu_threads, max(cores, 1)
    n = concurrency or cores
    return pool or ("solo" if n == 1 else "prefork"), n, max(cores // n, 1)


def run_worker(args: argparse.Namespace) -> int:
    from pagewash.settings import device_name, get_settings
    from pagewash.threads import opencv

    settings = get_settings()
    want = device_name(args.device)  # the parent only asks; it never touches CUDA before a fork
    chosen_pool, processes, threads = plan(want, args.concurrency, args.pool, os.cpu_count() or 1)
    os.environ["PAGEWASH_DEVICE"] = want
    if not settings.threads:
        os.environ["PAGEWASH_THREADS"] = str(threads)
    opencv(settings.threads or threads)  # set before the fork: each child runs OpenCV on its share too
    get_settings.cache_clear()
    from worker.celery_app import QUEUES, app

    names = [q.strip() for q in args.queues.split(",") if q.strip()]
    unknown = set(names) - set(QUEUES)
    if unknown:
        raise SystemExit(f"pagewash worker: unknown queue(s) {', '.join(sorted(unknown))}; use {', '.join(QUEUES)}")
    app.worker_main(
        ["worker", "-Q", ",".join(names), "-c", str(processes), "-P", chosen_pool]
        + ["-n", f"pagewash-{os.getpid()}@%h", "--loglevel", args.log_level, "--without-gossip", "--without-mingle"]
    )
    return 0


COMMANDS = [
    Command(
        "serve",
        "run the HTTP gateway (FastAPI on uvicorn)",
        "Run the REST gateway: POST /v1/jobs and /v1/batches, GET job status and results, "
        "/healthz, /readyz, /metrics, OpenAPI docs at /docs. Work is done by `pagewash worker` processes "
        "sharing the same Redis (PAGEWASH_REDIS_URL).",
        run_serve,
        lambda: [
            arg("--host", default=None, help="address to bind (default 127.0.0.1; env PAGEWASH_HOST)"),
            arg("--port", type=int, default=None, help="port (default 8000; env PAGEWASH_PORT)"),
            arg("--workers", type=int, default=1, help="uvicorn worker processes (default 1)"),
            LOG_LEVEL,
            arg("--access-log", action="store_true", help="log every request"),
        ],
    ),
    Command(
        "worker",
        "run a Celery worker that cleans (and OCRs) pages from Redis",
        "Run one Celery worker against PAGEWASH_REDIS_URL. With no flags it serves every queue "
        "(clean, ocr) on the GPU when one is present, else on the CPU. A GPU worker is one process "
        "(start one per GPU with --device cuda:N); a CPU worker forks --concurrency processes that share "
        "the cores. Scale out by starting more workers, on any machine that reaches the same Redis.",
        run_worker,
        lambda: [
            arg("--queues", default="clean,ocr", help="comma-separated queues: clean, ocr (default both)"),
            arg("--concurrency", type=int, default=None, help="processes (default: cores on CPU, 1 on GPU)"),
            arg("--device", default=None, help="auto, cpu, cuda, cuda:N (default auto; env PAGEWASH_DEVICE)"),
            arg("--pool", default=None, choices=["prefork", "solo", "threads"], help="override the pool"),
            LOG_LEVEL,
        ],
    ),
]
