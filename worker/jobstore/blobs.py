"""Where image bytes live between the gateway and the workers: Redis by default (every
machine that sees Redis sees them, and they expire with the job), or a shared directory
(``PAGEWASH_BLOB_DIR``) when pages are large or Redis memory is tight.

One small interface, so an S3-compatible store can be added without touching callers.
Keys are built by pagewash from job ids and fixed names, never from anything a client sent.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Protocol

import redis

from pagewash.settings import get_settings

KEY = re.compile(r"^[0-9a-f]{32}/[a-z0-9._]{1,32}$")


def check_key(key: str) -> str:
    if not KEY.match(key):
        raise ValueError(f"bad blob key {key!r}")
    return key


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes | None: ...
    def delete(self, *keys: str) -> None: ...


class RedisBlobs:
    def __init__(self, client: redis.Redis, ttl: int):
        self.r, self.ttl = client, ttl

    def put(self, key: str, data: bytes) -> None:
        self.r.set("pagewash:blob:" + check_key(key), data, ex=self.ttl)

    def get(self, key: str) -> bytes | None:
        return self.r.get("pagewash:blob:" + check_key(key))

    def delete(self, *keys: str) -> None:
        if keys:
            self.r.delete(*["pagewash:blob:" + check_key(k) for k in keys])


class DirBlobs:
    """Files under ``root/<job id>/<name>``, written atomically; files older than the TTL are
    swept at most once a minute by whichever process writes."""

    def __init__(self, root: str | Path, ttl: int):
        self.root, self.ttl, self._swept = Path(root), ttl, 0.0

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # a temp name of its own: two writers of one key (a redelivered job) never share a file
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        with os.fdopen(fd, "wb") as fp:
            fp.write(data)
        Path(tmp).replace(path)
        if time.monotonic() - self._swept > 60:
            self._swept = time.monotonic()
            self.sweep()

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, *keys: str) -> None:
        for key in keys:
            self._path(key).unlink(missing_ok=True)

    def sweep(self) -> None:
        """Best effort: other processes sweep and write at the same time, so anything that
        vanished or refuses is skipped; folders go only once they are old and empty."""
        cutoff = time.time() - self.ttl
        for path in self.root.glob("*/*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                pass
        for folder in self.root.glob("*"):
            try:
                if folder.is_dir() and folder.stat().st_mtime < cutoff and not any(folder.iterdir()):
                    folder.rmdir()
            except OSError:
                pass


def get_blobs() -> BlobStore:
    settings = get_settings()
    return _blobs(settings.redis_url, settings.blob_dir, settings.job_ttl)


@functools.cache
def _blobs(redis_url: str, blob_dir: str, ttl: int) -> BlobStore:
    from worker.jobstore.redisconn import client

    return DirBlobs(blob_dir, ttl) if blob_dir else RedisBlobs(client(redis_url), ttl)
