"""Worker liveness in Redis: each worker's main process sets a key with a short TTL every
few seconds and deletes it on a clean shutdown. ``/readyz`` and ``/metrics`` read these keys,
so they need neither Celery's broadcast ping nor a worker's answer. The same thread runs the
reaper of dead workers' jobs (``worker.held``)."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path

from celery.signals import worker_ready, worker_shutdown

from pagewash.settings import get_settings
from worker.jobstore.redisconn import get_redis

PREFIX = "pagewash:worker:"
log = logging.getLogger(__name__)
_stop = threading.Event()
_key: list[str] = []
_holder: list[str] = []  # this worker's holder id for worker.held ("hostname:pid" of the main process)


def holder_id() -> str | None:
    return _holder[0] if _holder else None


def _beat(key: str, info: str, every: float, path: str) -> None:
    from worker import held

    while not _stop.is_set():
        try:
            r = get_redis()
            r.set(key, info, ex=max(int(every * 3), 2))
            if path:  # only after Redis took the beat: a worker cut off from Redis is unhealthy
                Path(path).touch()
            # each beat, one worker (whoever takes the lock) hands dead workers' jobs on
            held.reap(r, {held.holder(w["hostname"], w["pid"]) for w in alive(r)}, int(every))
        except Exception as e:  # Redis away: keep beating, the worker reconnects when it is back
            log.warning("heartbeat: %s", e)
        _stop.wait(every)


@worker_ready.connect
def start(sender, **kwargs) -> None:
    hostname = getattr(sender, "hostname", None) or f"pid{os.getpid()}"
    queues = sorted(q.name for q in sender.app.amqp.queues.consume_from.values())
    info = json.dumps(
        {
            "hostname": hostname,
            "pid": os.getpid(),
            "queues": queues,
            "device": get_settings().device,
            "since": time.time(),
        }
    )
    _key[:] = [PREFIX + f"{hostname}:{os.getpid()}"]  # two workers may share a node name
    _holder[:] = [f"{hostname}:{os.getpid()}"]
    _stop.clear()
    settings = get_settings()
    beat_args = (_key[0], info, settings.worker_heartbeat, settings.heartbeat_file)
    threading.Thread(target=_beat, args=beat_args, daemon=True, name="pagewash-heartbeat").start()


@worker_shutdown.connect
def stop(**kwargs) -> None:
    _stop.set()
    if _key:
        try:
            get_redis().delete(_key[0])
        except Exception as e:
            log.warning("heartbeat: could not remove %s: %s", _key[0], e)


def alive(r=None) -> list[dict]:
    """Every worker that beat within its TTL."""
    r = r or get_redis()
    keys = list(r.scan_iter(match=PREFIX + "*", count=100))
    values = r.mget(keys) if keys else []
    return [json.loads(v) for v in values if v]
