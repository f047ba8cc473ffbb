"""Starting a Celery worker the way design.md says: GPU -> one solo process per GPU (CUDA
must not live through fork); CPU -> prefork children that split the cores between them."""

from __future__ import annotations

import logging
import os

from pagewash.settings import get_settings

log = logging.getLogger(__name__)


def plan(device: str, concurrency: int | None, pool: str | None, cores: int) -> tuple[str, int, int]:
    """(pool, processes, torch threads per process) for a resolved device."""
    if device.startswith("cuda"):
        # One process per GPU (CUDA does not survive fork); its task threads decode and encode
        # while one batcher thread owns the device (worker/batcher.py).
        return pool or "threads", concurrency or get_settings().gpu_threads, max(cores, 1)
    n = concurrency or cores
    return pool or ("solo" if n == 1 else "prefork"), n, max(cores // n, 1)


def run_worker(queues: str, concurrency: int | None, device: str | None, log_level: str, pool: str | None) -> int:
    settings = get_settings()
    want = device or settings.device
    if want == "auto":
        import torch  # the parent only asks; it never touches CUDA before a fork

        want = "cuda" if torch.cuda.is_available() else "cpu"
    chosen_pool, processes, threads = plan(want, concurrency, pool, os.cpu_count() or 1)
    os.environ["PAGEWASH_DEVICE"] = want
    if not settings.threads:
        os.environ["PAGEWASH_THREADS"] = str(threads)
    get_settings.cache_clear()
    from worker.celery_app import QUEUES, app

    names = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = set(names) - set(QUEUES)
    if unknown:
        raise SystemExit(f"pagewash worker: unknown queue(s) {', '.join(sorted(unknown))}; use {', '.join(QUEUES)}")
    argv = [
        "worker",
        "-Q",
        ",".join(names),
        "-c",
        str(processes),
        "-P",
        chosen_pool,
        "-n",
        f"pagewash-{os.getpid()}@%h",
        "--loglevel",
        log_level,
        "--without-gossip",
        "--without-mingle",
    ]
    app.worker_main(argv)
    return 0
