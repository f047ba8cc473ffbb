"""Dependencies shared by the routes, as ``Annotated`` aliases."""

from __future__ import annotations

import hmac
from typing import Annotated

import redis
from fastapi import Depends, Header, HTTPException

from pagewash.settings import Settings, get_settings
from worker.jobstore.blobs import BlobStore, get_blobs
from worker.jobstore.redisconn import get_redis, outage


def require_api_key(x_api_key: Annotated[str | None, Header()] = None) -> None:
    """With ``PAGEWASH_API_KEYS`` set, a ``/v1`` call needs one of them in ``X-Api-Key``.
    Every key is compared in constant time, and a wrong key is never logged."""
    keys = get_settings().api_key_list()
    if not keys:
        return
    given = (x_api_key or "").encode()
    ok = False
    for key in keys:
        ok |= hmac.compare_digest(given, key.encode())
    if not ok:
        raise HTTPException(401, "missing or invalid X-Api-Key header")


def redis_up() -> redis.Redis:
    """The Redis client; during an outage this process already saw, a 503 at once instead of
    a request that hangs through the client's retries (the outage's watcher notices within a
    second that Redis is back)."""
    if outage.is_down:
        raise redis.ConnectionError("Redis has been unreachable for a while")
    return get_redis()


SettingsDep = Annotated[Settings, Depends(get_settings)]
RedisDep = Annotated[redis.Redis, Depends(redis_up)]
BlobsDep = Annotated[BlobStore, Depends(get_blobs)]
