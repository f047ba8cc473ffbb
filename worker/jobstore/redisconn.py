"""The one Redis client per process (job records, blobs, heartbeats, metrics), and how a
process lives through a Redis outage.

Connection errors are retried with backoff inside each command, so a gateway or worker that
loses Redis for a few seconds carries on by itself. A longer outage (a restart, a failover)
is ``DOWN``: the process notes it once in ``outage`` (one log line when it starts, one when
Redis answers again), and whoever must not give up (a job's final write) waits for Redis
with ``wait_for_redis`` or ``patiently``.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from pagewash.settings import get_settings

log = logging.getLogger("pagewash.redis")
T = TypeVar("T")
# Redis is away, restarting or loading its data (BusyLoadingError is a ConnectionError)
DOWN: tuple[type[Exception], ...] = (redis.ConnectionError, redis.TimeoutError)


@functools.cache
def client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_timeout=10,
        socket_connect_timeout=5,
        health_check_interval=15,
        retry=Retry(ExponentialBackoff(cap=2.0, base=0.1), retries=8),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
    )


@functools.cache
def probe_client(url: str) -> redis.Redis:
    """For health probes: a short timeout and no retries, so a Redis outage shows as a quick
    503 instead of a probe that hangs for the whole retry budget."""
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2, retry=Retry(ExponentialBackoff(), 0))


def get_redis() -> redis.Redis:
    """Bytes in, bytes out (blobs share the client); redis-py's pool is fork-safe."""
    return client(get_settings().redis_url)


def answers() -> bool:
    """One quick ping: Redis is up and has loaded its data."""
    try:
        return bool(probe_client(get_settings().redis_url).ping())
    except redis.RedisError:
        return False


class Outage:
    """This process's view of Redis being away. ``down`` is called wherever a Redis call
    failed for good; the first call of an outage logs it and starts a thread that pings
    Redis each second, which logs the end of it. So a process logs two lines per outage,
    not one per try, and ``/readyz`` and ``/metrics`` can say since when Redis is away."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.since: float | None = None  # time.time() of the first failure of the outage now
        self.count = 0  # outages this process has seen begin

    def down(self, where: str, exc: BaseException) -> None:
        with self._lock:
            if self.since is not None:
                return
            self.since, self.count = time.time(), self.count + 1
        log.warning("Redis unreachable (%s: %s: %s); riding it out", where, type(exc).__name__, exc)
        threading.Thread(target=self._watch, daemon=True, name="pagewash-redis-watch").start()

    def _watch(self) -> None:
        while self.is_down and not answers():
            time.sleep(1.0)
        self.up()

    def up(self) -> None:
        """Redis answered: the outage, if there was one, is over."""
        with self._lock:
            since, self.since = self.since, None
        if since is not None:
            log.warning("Redis answers again after %.1f s", time.time() - since)

    def retry_after(self) -> str:
        """A ``Retry-After`` for a 503: half the outage so far, 2 to 30 s. It grows with the
        outage, so a client's fixed number of retries spans a restart of any usual length
        without polling a Redis that stays down."""
        since = self.since
        return str(int(min(max((time.time() - since) / 2 if since else 0, 2), 30)))

    @property
    def is_down(self) -> bool:
        return self.since is not None

    def _after_fork(self) -> None:  # a child has no watcher thread: it starts with its own view
        self._lock, self.since = threading.Lock(), None


outage = Outage()
os.register_at_fork(after_in_child=outage._after_fork)


def wait_for_redis(until: float) -> bool:
    """Ping with backoff (0.25 s doubling to 2 s) until Redis answers, or ``time.monotonic()``
    passes ``until``; whether it answered."""
    pause = 0.25
    while True:
        if answers():
            return True
        if time.monotonic() + pause > until:
            return False
        time.sleep(pause)
        pause = min(pause * 2, 2.0)


def patiently(
    where: str, fn: Callable[..., T], *args, wait: float, errors: tuple[type[Exception], ...] = DOWN, **kwargs
) -> T:
    """``fn(*args, **kwargs)``, called again each time Redis comes back after failing it
    (with one of ``errors``), for at most ``wait`` seconds of outage in all; past that the
    error is raised."""
    until = None
    while True:
        try:
            return fn(*args, **kwargs)
        except errors as e:
            outage.down(where, e)
            until = until or time.monotonic() + wait
            if not wait_for_redis(until):
                raise
