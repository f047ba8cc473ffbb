"""Living through a Redis outage, in one process: a call waits for Redis to come back and is
made again, an outage is logged once when it starts and once when it ends, and the
Retry-After a 503 carries grows with the outage."""

from __future__ import annotations

import logging
import time

import pytest
import redis

from pagewash.settings import get_settings
from tests.stack import free_port, redis_db
from worker.jobstore import redisconn
from worker.jobstore.redisconn import Outage, patiently
from worker.quiet import OncePerOutage


@pytest.fixture
def redis_at(monkeypatch):
    def point(url: str) -> None:
        monkeypatch.setenv("PAGEWASH_REDIS_URL", url)
        get_settings.cache_clear()

    yield point
    get_settings.cache_clear()


def test_a_call_that_meets_an_outage_is_made_again_once_redis_answers(redis_at):
    redis_at(redis_db(5))
    calls = []

    def flaky() -> int:
        calls.append(1)
        if len(calls) < 3:
            raise redis.ConnectionError("Connection closed by server.")
        return 7

    assert patiently("test", flaky, wait=10) == 7 and len(calls) == 3


def test_past_its_wait_the_redis_error_is_raised(redis_at):
    redis_at(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    t0 = time.monotonic()

    def down() -> None:
        raise redis.ConnectionError("Error 111 connecting")

    with pytest.raises(redis.ConnectionError):
        patiently("test", down, wait=0.5)
    assert time.monotonic() - t0 < 5
    redisconn.outage.up()  # end the process's outage here: its watcher would log the end in a later test


def test_an_outage_is_logged_when_it_starts_and_when_it_ends(redis_at, caplog):
    redis_at(f"redis://127.0.0.1:{free_port()}/0")  # away while the failures come in
    outage = Outage()
    with caplog.at_level(logging.WARNING, logger="pagewash.redis"):
        for _ in range(5):
            outage.down("heartbeat", redis.ConnectionError("refused"))
        redis_at(redis_db(5))  # back: the watcher sees the end on its next ping
        deadline = time.monotonic() + 5
        while outage.is_down and time.monotonic() < deadline:
            time.sleep(0.05)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and "unreachable (heartbeat" in lines[0] and "answers again" in lines[1]
    assert outage.count == 1 and not outage.is_down


def test_retry_after_grows_with_the_outage():
    outage = Outage()
    assert outage.retry_after() == "2"
    outage.since = time.time() - 20
    assert outage.retry_after() == "10"
    outage.since = time.time() - 3600
    assert outage.retry_after() == "30"


def test_celerys_reconnect_errors_are_let_through_once_per_outage():
    once = OncePerOutage()

    def record(msg: str) -> logging.LogRecord:
        return logging.LogRecord("celery", logging.ERROR, __file__, 1, msg, None, None)

    tries = [once.filter(record("consumer: Cannot connect to %s: %s.\n%s\n")) for _ in range(4)]
    assert tries == [True, False, False, False]
    assert once.filter(record("Connected to %s"))
    assert once.filter(record("consumer: Cannot connect to %s: %s.\n%s\n"))  # a second outage
