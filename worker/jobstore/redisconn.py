"""The one Redis client per process (job records, blobs, heartbeats, metrics).

Connection errors are retried with backoff inside each command, so a gateway or worker that
loses Redis for a few seconds carries on by itself instead of failing the request or job.
"""

from __future__ import annotations

import functools

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from pagewash.settings import get_settings


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
