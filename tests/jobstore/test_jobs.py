"""Job and batch records against the real Redis: the transition script's rules (final states
stay final, a gone job is never recreated), the gauges it keeps, attempts, deletes and TTLs."""

from __future__ import annotations

import time

import pytest

from pagewash.settings import get_settings
from tests.stack import redis_db
from worker.jobstore import jobs
from worker.jobstore.redisconn import client


@pytest.fixture
def r(monkeypatch):
    monkeypatch.setenv("PAGEWASH_JOB_TTL", "600")
    get_settings.cache_clear()
    yield client(redis_db(6))
    get_settings.cache_clear()


def gauges(r) -> dict[str, int]:
    return {k: v for k, v in jobs.stats(r).items() if k in ("queued", "running", "done", "failed", "submitted")}


def test_a_new_job_is_queued_with_no_attempts_and_the_jobs_ttl(r):
    job_id = jobs.new_id()
    jobs.create(r, job_id, {"filename": "a.png", "options": {"ocr": True}})
    job = jobs.get(r, job_id)
    assert job["status"] == "queued" and job["attempts"] == "0" and job["filename"] == "a.png"
    assert jobs.options(job) == {"ocr": True}
    assert 590 <= r.ttl(jobs.JOB + job_id) <= 600
    assert gauges(r) == {"queued": 1, "submitted": 1}


def test_queued_running_done_moves_the_gauges_and_done_stays_done(r):
    job_id = jobs.new_id()
    jobs.create(r, job_id, {})
    assert jobs.transition(r, job_id, "running", worker="w1") == 1
    assert gauges(r) == {"queued": 0, "running": 1, "submitted": 1}
    assert jobs.transition(r, job_id, "done", results="image") == 1
    assert gauges(r) == {"queued": 0, "running": 0, "done": 1, "submitted": 1}
    for status in ("running", "failed", "queued"):  # a redelivery, a late failure: refused
        assert jobs.transition(r, job_id, status, error="late") == -1
    job = jobs.get(r, job_id)
    assert job["status"] == "done" and "error" not in job and job["worker"] == "w1"
    assert gauges(r)["done"] == 1 and gauges(r)["running"] == 0


def test_failed_is_final_too(r):
    job_id = jobs.new_id()
    jobs.create(r, job_id, {})
    assert jobs.transition(r, job_id, "failed", error="bad page") == 1
    assert jobs.transition(r, job_id, "done") == -1
    assert jobs.get(r, job_id)["error"] == "bad page"
    assert gauges(r) == {"queued": 0, "failed": 1, "submitted": 1}


def test_a_gone_job_is_never_recreated(r):
    gone = jobs.new_id()
    assert jobs.transition(r, gone, "running") == 0
    assert jobs.update(r, gone, note="x") is False
    assert jobs.incr(r, gone, "attempts") == -2
    assert not r.exists(jobs.JOB + gone)
    assert jobs.stats(r) == {}  # and no gauge moved


def test_attempts_count_deliveries_of_a_live_job_only(r):
    job_id = jobs.new_id()
    jobs.create(r, job_id, {})
    assert [jobs.incr(r, job_id, "attempts") for _ in range(3)] == [1, 2, 3]
    jobs.transition(r, job_id, "done")
    assert jobs.incr(r, job_id, "attempts") == -1
    assert jobs.get(r, job_id)["attempts"] == "3"


def test_delete_returns_the_record_and_keeps_the_gauges_right(r):
    queued, running, done = jobs.new_id(), jobs.new_id(), jobs.new_id()
    for job_id in (queued, running, done):
        jobs.create(r, job_id, {"input": f"{job_id}/input"})
    jobs.transition(r, running, "running")
    jobs.transition(r, done, "done")
    assert jobs.delete(r, queued)["input"] == f"{queued}/input"
    assert jobs.delete(r, running)["status"] == "running"
    assert jobs.delete(r, done)["status"] == "done"
    assert gauges(r) == {"queued": 0, "running": 0, "done": 1, "submitted": 3}  # done counts finished jobs
    assert jobs.delete(r, queued) is None and jobs.get(r, queued) is None
    assert jobs.delete(r, "../../etc") is None and jobs.get(r, "not-an-id") is None


def test_every_transition_renews_the_ttl_and_an_expired_job_is_gone(r, monkeypatch):
    job_id = jobs.new_id()
    jobs.create(r, job_id, {})
    r.expire(jobs.JOB + job_id, 5)
    jobs.transition(r, job_id, "running")
    assert r.ttl(jobs.JOB + job_id) > 500  # a long job is not expired under its worker
    monkeypatch.setenv("PAGEWASH_JOB_TTL", "1")
    get_settings.cache_clear()
    short = jobs.new_id()
    jobs.create(r, short, {})
    time.sleep(1.3)
    assert jobs.get(r, short) is None
    assert jobs.transition(r, short, "running") == 0  # a worker reaching it late finds nothing


def test_a_half_written_record_is_no_job(r):
    job_id = jobs.new_id()
    r.hset(jobs.JOB + job_id, "attempts", 1)  # what a racing HINCRBY on a deleted job would leave
    assert jobs.get(r, job_id) is None


def test_a_batch_lists_its_jobs_and_rejections_and_expires_with_them(r):
    batch_id, ids = jobs.new_id(), [jobs.new_id(), jobs.new_id()]
    rejected = [{"filename": "x.txt", "error": "not an image", "status": 415}]
    jobs.create_batch(r, batch_id, ids, rejected)
    batch = jobs.get_batch(r, batch_id)
    assert batch["jobs"] == ids and batch["rejected"] == rejected and batch["created"] <= time.time()
    assert 590 <= r.ttl(jobs.BATCH + batch_id) <= 600
    assert jobs.get_batch(r, jobs.new_id()) is None and jobs.get_batch(r, "nope") is None


def test_describe_links_each_result(r):
    job_id = jobs.new_id()
    jobs.create(r, job_id, {"page": 2, "options": {"ocr": True}})
    jobs.transition(r, job_id, "done", results="image,text", t_denoise=0.25, ocr_scale=2)
    d = jobs.describe(jobs.get(r, job_id), "http://h")
    assert d["links"] == {
        "self": f"http://h/v1/jobs/{job_id}",
        "image": f"http://h/v1/jobs/{job_id}/image",
        "text": f"http://h/v1/jobs/{job_id}/text",
    }
    assert d["page"] == 3 and d["timings"] == {"denoise": 0.25} and d["ocr_scale"] == 2 and d["kind"] == "page"
