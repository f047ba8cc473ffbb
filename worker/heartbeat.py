"""Worker liveness in Redis: each worker's main process sets a key with a short TTL every
few seconds and deletes it on a clean shutdown. ``/readyz`` and ``/metrics`` read these keys,
so they need neither Celery's broadcast ping nor a worker's answer. The same thread keeps
this worker's set of held jobs true, and runs the reaper of dead workers' jobs
(``worker.held``) and the sweep for jobs nobody holds (``worker.sweep``).

A Redis outage does not stop the thread: it notes the outage once (``outage``), keeps
beating, and goes on when Redis answers. The heartbeat file (container health checks) is
touched on every beat, Redis or not: a restarted worker would not bring Redis back, and it
would cut off the jobs that are waiting for Redis to record their results."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path

from celery.signals import worker_ready, worker_shutdown

from pagewash.settings import get_settings
from worker.jobstore.redisconn import DOWN, get_redis, outage, probe_client

PREFIX = "pagewash:worker:"
log = logging.getLogger(__name__)
_stop = threading.Event()
_key: list[str] = []
_holder: list[str] = []  # this worker's holder id for worker.held ("hostname:pid" of the main process)


def holder_id() -> str | None:
    return _holder[0] if _holder else None


def _beat(key: str, info: str, every: float, path: str) -> None:
    from worker import held, sweep

    settings = get_settings()
    while not _stop.is_set():
        if path:
            Path(path).touch()
        try:
            probe_client(settings.redis_url).ping()  # 2 s at most: an outage never stalls the beat
            r = get_redis()
            r.set(key, info, ex=max(int(every * 3), 2))
            members = held.holding()
            if members is not None:
                held.sync(r, _holder[0], members)
            # each beat, one worker (whoever takes the lock) hands dead workers' jobs on
            held.reap(r, {held.holder(w["hostname"], w["pid"]) for w in alive(r)}, int(every))
            sweep.run(r, settings.sweep_interval, settings.orphan_grace)
        except DOWN as e:  # Redis away: keep beating; everything reconnects when it is back
            outage.down("heartbeat", e)
        except Exception:
            log.exception("heartbeat")
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
