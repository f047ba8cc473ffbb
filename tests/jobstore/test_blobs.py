"""Blob stores: Redis (with the job's TTL) and a shared directory (atomic writes, sweeping of
what outlived the TTL), behind one interface; keys never reach outside the store."""

from __future__ import annotations

import os
import threading
import time

import pytest

from tests.stack import redis_db
from worker.jobstore.blobs import DirBlobs, RedisBlobs
from worker.jobstore.redisconn import client

JOB = "0123456789abcdef0123456789abcdef"


@pytest.fixture(params=["redis", "dir"])
def store(request, tmp_path):
    if request.param == "redis":
        return RedisBlobs(client(redis_db(6)), ttl=600)
    return DirBlobs(tmp_path / "blobs", ttl=600)


def test_put_get_delete(store):
    store.put(f"{JOB}/input", b"page bytes")
    store.put(f"{JOB}/image", b"")
    assert store.get(f"{JOB}/input") == b"page bytes" and store.get(f"{JOB}/image") == b""
    store.delete(f"{JOB}/input", f"{JOB}/image", f"{JOB}/text")  # a missing one is no error
    assert store.get(f"{JOB}/input") is None and store.get(f"{JOB}/image") is None


@pytest.mark.parametrize("key", ["../../etc/passwd", f"{JOB}/../x", "abc/input", f"{JOB}/IMAGE", f"{JOB}/a/b"])
def test_keys_not_made_by_pagewash_are_refused(store, key):
    with pytest.raises(ValueError):
        store.put(key, b"x")
    with pytest.raises(ValueError):
        store.get(key)


def test_redis_blobs_expire_with_the_job():
    r = client(redis_db(6))
    RedisBlobs(r, ttl=600).put(f"{JOB}/input", b"x")
    assert 590 <= r.ttl(f"pagewash:blob:{JOB}/input") <= 600


def test_dir_writes_are_atomic_even_with_two_writers_of_one_key(tmp_path):
    """A redelivered job may write a result while its first run still does: a reader sees one
    whole version, never a mix or a truncated file, and no temporary file is left."""
    store = DirBlobs(tmp_path, ttl=600)
    versions = [bytes([i]) * 2_000_000 for i in range(4)]
    store.put(f"{JOB}/image", versions[0])
    stop, seen = threading.Event(), set()

    def read() -> None:
        while not stop.is_set():
            seen.add(store.get(f"{JOB}/image"))

    def write(i: int) -> None:
        for _ in range(10):
            store.put(f"{JOB}/image", versions[i])

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write, args=(i,)) for i in range(1, 4)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    stop.set()
    reader.join()
    assert seen <= set(versions) and len(seen) > 1
    assert [p.name for p in (tmp_path / JOB).iterdir()] == ["image"]


def test_the_sweep_removes_what_outlived_the_ttl_and_keeps_the_rest(tmp_path):
    store = DirBlobs(tmp_path, ttl=60)
    old, fresh = "a" * 32, "b" * 32
    store.put(f"{old}/input", b"old")
    store.put(f"{old}/image", b"old")
    store.put(f"{fresh}/input", b"new")
    past = time.time() - 120
    os.utime(tmp_path / old / "input", (past, past))
    os.utime(tmp_path / fresh, (past, past))  # an old folder with a fresh file stays
    store.sweep()
    assert not (tmp_path / old / "input").exists() and (tmp_path / old / "image").exists()
    assert store.get(f"{fresh}/input") == b"new"
    os.utime(tmp_path / old / "image", (past, past))
    store.sweep()  # the files go first; the folder once it is old and empty
    os.utime(tmp_path / old, (past, past))
    store.sweep()
    assert not (tmp_path / old).exists() and (tmp_path / fresh).exists()


def test_a_write_sweeps_at_most_once_a_minute(tmp_path):
    store = DirBlobs(tmp_path, ttl=60)
    stale = "c" * 32
    store.put(f"{stale}/input", b"x")  # the first write sweeps (nothing to sweep yet)
    past = time.time() - 120
    os.utime(tmp_path / stale / "input", (past, past))
    store.put(f"{JOB}/input", b"y")  # within the minute: no sweep
    assert (tmp_path / stale / "input").exists()
    store._swept -= 61  # a minute later
    store.put(f"{JOB}/image", b"z")
    assert not (tmp_path / stale / "input").exists() and store.get(f"{JOB}/input") == b"y"
