"""The sweep for stranded jobs and the held sets it trusts, against the real Redis: what counts
as moving (a queue message, a worker's held set), the grace over two sweeps, the step a job
is sent back to, and the reaper's pause after a Redis start."""

from __future__ import annotations

import time

import pytest

from pagewash.settings import get_settings
from tests.stack import RedisServer, redis_db
from worker import held, sweep
from worker.jobstore import jobs
from worker.jobstore.redisconn import client


@pytest.fixture
def r(monkeypatch):
    url = redis_db(11)  # the database tests/worker/test_pipeline.py gives the Celery app, too
    monkeypatch.setenv("PAGEWASH_REDIS_URL", url)
    get_settings.cache_clear()
    yield client(url)
    get_settings.cache_clear()


def make_app():
    """A Celery app on this test's database (imported here: ``worker.celery_app`` builds its
    own app on import, from the settings of that moment)."""
    from worker.celery_app import make_app

    return make_app()


def new_job(r, **fields) -> str:
    job_id = jobs.new_id()
    jobs.create(r, job_id, fields)
    return job_id


class Sent(list):
    def __call__(self, task: str, job_id: str) -> None:
        self.append((task, job_id))


def test_a_real_celery_message_is_read_for_its_job_id(r):
    app = make_app()  # its broker is this test's Redis database
    job_id = jobs.new_id()
    app.send_task("pagewash.clean", args=[job_id], queue="clean")
    app.send_task("pagewash.callback", args=[jobs.new_id()], queue="ocr")  # not a job step: not counted
    assert [sweep.message_job(m) for m in r.lrange("clean", 0, -1)] == [job_id]
    assert sweep.carried(r) == {job_id}
    assert sweep.message_job(b"not json") is None and sweep.message_job(b'{"headers": 3}') is None


def test_a_job_nothing_moves_is_sent_again_only_after_the_grace(r):
    app = make_app()
    in_queue, in_hand, stranded = new_job(r), new_job(r), new_job(r)
    app.send_task("pagewash.clean", args=[in_queue], queue="clean")
    held.sync(r, "node:1", {f"pagewash.clean|{in_hand}"})
    sent = Sent()
    assert sweep.sweep(r, grace=1.0, send=sent) == [] and sent == []  # first sighting: noted only
    assert set(r.hkeys(sweep.ORPHANS)) == {stranded.encode()}
    time.sleep(1.1)
    assert sweep.sweep(r, grace=1.0, send=sent) == [stranded]
    assert sent == [("pagewash.clean", stranded)]
    assert r.hlen(sweep.ORPHANS) == 0


def test_a_job_seen_moving_between_sweeps_starts_its_grace_again(r):
    job_id, sent = new_job(r), Sent()
    sweep.sweep(r, grace=1.0, send=sent)
    held.sync(r, "node:1", {f"pagewash.clean|{job_id}"})  # a worker took it
    time.sleep(1.1)
    sweep.sweep(r, grace=1.0, send=sent)
    held.sync(r, "node:1", set())  # and let it go without finishing it (its write was lost)
    assert sweep.sweep(r, grace=1.0, send=sent) == []  # a new first sighting
    time.sleep(1.1)
    assert sweep.sweep(r, grace=1.0, send=sent) == [job_id] and sent == [("pagewash.clean", job_id)]


def test_each_job_goes_back_to_the_step_it_had_reached(r):
    cleaned = new_job(r)
    jobs.transition(r, cleaned, "running", cleaned_at=time.time())  # its OCR message was lost
    pdf = new_job(r, kind="pdf")
    fresh = new_job(r)
    jobs.transition(r, fresh, "running")
    sent = Sent()
    sweep.sweep(r, grace=0.0, send=sent)
    assert sorted(sent) == sorted([("pagewash.ocr", cleaned), ("pagewash.pdf", pdf), ("pagewash.clean", fresh)])


def test_finished_deleted_and_expired_jobs_leave_the_unfinished_set(r):
    done, deleted, expired, waiting = (new_job(r) for _ in range(4))
    jobs.transition(r, done, "done")
    jobs.delete(r, deleted)
    assert set(jobs.unfinished(r)) == {expired, waiting}
    r.delete(jobs.JOB + expired)  # its TTL ran out while it waited
    held.sync(r, "node:1", {f"pagewash.clean|{waiting}"})
    assert sweep.sweep(r, grace=0.0, send=Sent()) == []
    assert jobs.unfinished(r) == [waiting]


def test_held_sync_replaces_the_set_with_what_the_worker_holds(r):
    r.sadd(held.HELD + "node:1", "pagewash.clean|" + "a" * 32)  # a release lost to an outage
    held.sync(r, "node:1", {"pagewash.ocr|" + "b" * 32})
    assert held.held(r, "node:1") == [("pagewash.ocr", "b" * 32)]
    held.sync(r, "node:1", set())
    assert held.holders(r) == []


def test_the_reaper_waits_three_beats_after_a_redis_start(tmp_path):
    """Right after a restart every heartbeat has expired, live workers' too: reaping then
    would send again jobs that are running."""
    server = RedisServer(tmp_path)
    server.start()
    try:
        fresh = client(server.url)
        fresh.sadd(held.HELD + "gone:1", "pagewash.clean|" + "c" * 32)
        assert held.reap(fresh, live=set(), lock_seconds=1) == 0
        assert held.holders(fresh) == ["gone:1"]
    finally:
        server.kill()
