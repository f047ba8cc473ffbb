"""The worker's job steps in-process against the real Redis: idempotent redelivery, redo after a
crash, the attempt limit, deleted jobs, bad input. (The Celery round trip is in tests/service.)"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import redis
from PIL import Image

from pagewash.settings import get_settings
from tests.stack import redis_db
from worker import pipeline
from worker.jobstore import jobs
from worker.jobstore.blobs import get_blobs
from worker.jobstore.redisconn import get_redis


@pytest.fixture
def store(monkeypatch):
    monkeypatch.setenv("PAGEWASH_REDIS_URL", redis_db(11))
    get_settings.cache_clear()
    yield get_redis()
    get_settings.cache_clear()


def new_job(r: redis.Redis, data: bytes, **options) -> str:
    job_id = jobs.new_id()
    get_blobs().put(f"{job_id}/input", data)
    jobs.create(r, job_id, {"input": f"{job_id}/input", "page": 0, "options": {"model": "default", **options}})
    return job_id


def page_png() -> bytes:
    rng = np.random.default_rng(0)
    a = np.full((96, 128), 230, np.uint8)
    a[40:50, 10:110] = 30
    a = np.clip(a + rng.normal(0, 25, a.shape), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="PNG")
    return buf.getvalue()


def test_redelivery_of_a_finished_job_does_nothing(store):
    job_id = new_job(store, page_png())
    pipeline.run_clean(job_id)
    first = jobs.get(store, job_id)
    assert first["status"] == "done" and first["attempts"] == "1"
    pipeline.run_clean(job_id)
    assert jobs.get(store, job_id) == first
    assert jobs.stats(store)["done"] == 1


def test_a_job_cut_off_while_running_is_redone(store):
    job_id = new_job(store, page_png())
    jobs.incr(store, job_id, "attempts")
    jobs.transition(store, job_id, "running", started=0)  # as a SIGKILLed worker leaves it
    pipeline.run_clean(job_id)
    job = jobs.get(store, job_id)
    assert job["status"] == "done" and job["attempts"] == "2"
    assert Image.open(io.BytesIO(get_blobs().get(f"{job_id}/image"))).size == (128, 96)


def test_a_job_out_of_attempts_is_failed_not_retried(store):
    job_id = new_job(store, page_png())
    for _ in range(get_settings().max_attempts):
        jobs.incr(store, job_id, "attempts")
    pipeline.run_clean(job_id)
    job = jobs.get(store, job_id)
    assert job["status"] == "failed" and "gave up after" in job["error"]
    assert get_blobs().get(f"{job_id}/image") is None


def test_a_deleted_job_is_not_resurrected(store):
    job_id = new_job(store, page_png())
    jobs.delete(store, job_id)
    pipeline.run_clean(job_id)
    assert jobs.get(store, job_id) is None


def test_corrupt_input_fails_the_job_with_a_reason(store):
    job_id = new_job(store, page_png()[:80])
    pipeline.run_clean(job_id)
    job = jobs.get(store, job_id)
    assert job["status"] == "failed" and "truncated" in job["error"]


def test_final_states_are_final(store):
    job_id = new_job(store, page_png())
    assert jobs.transition(store, job_id, "failed", error="x") == 1
    assert jobs.transition(store, job_id, "running") == -1
    assert jobs.transition(store, "0" * 32, "running") == 0
    assert jobs.get(store, job_id)["status"] == "failed"


def test_a_job_deleted_mid_claim_is_not_recreated(store):
    job_id = new_job(store, page_png())
    jobs.delete(store, job_id)
    assert jobs.incr(store, job_id, "attempts") == -2
    assert not store.exists(jobs.JOB + job_id)
    store.hset(jobs.JOB + job_id, "attempts", 1)  # a half-written record (as an old race could leave)
    assert jobs.get(store, job_id) is None


def test_a_webhook_lost_to_a_crash_is_sent_on_redelivery(store):
    job_id = new_job(store, page_png(), callback_url="http://127.0.0.1:9/hook")
    jobs.transition(store, job_id, "done", callback="pending")  # died before the send
    before = store.llen("ocr")
    pipeline.run_clean(job_id)  # the redelivered task
    assert store.llen("ocr") == before + 1  # the callback task went out (queue ocr)
    assert jobs.get(store, job_id)["status"] == "done"


PDFS = Path(__file__).parents[1] / "data" / "pdf"


@pytest.mark.parametrize("name", ["encrypted.pdf", "bomb-huge-page.pdf", "bomb-deep-page-tree.pdf", "truncated.pdf"])
def test_a_bad_pdf_that_got_past_the_gateway_fails_its_job_with_the_reason(store, name):
    job_id = new_job(store, (PDFS / name).read_bytes(), ocr=True)
    pipeline.run_pdf(job_id)  # the worker probes again: it never trusts what it fetched
    job = jobs.get(store, job_id)
    assert job["status"] == "failed"
    assert any(w in job["error"] for w in ("password", "MP", "nested", "readable")), job["error"]
    assert get_blobs().get(f"{job_id}/pdf") is None


def test_a_pdf_job_past_its_deadline_is_failed_and_leaves_nothing_running(store, monkeypatch):
    monkeypatch.setattr(get_settings(), "pdf_timeout", 0.5)
    job_id = new_job(store, (PDFS / "javascript-form-attachment.pdf").read_bytes())
    pipeline.run_pdf(job_id)
    job = jobs.get(store, job_id)
    assert job["status"] == "failed" and "deadline" in job["error"], job
