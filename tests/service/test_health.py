"""Probes, metrics and the OpenAPI page; ``/readyz`` reports the workers' lives but needs only Redis."""

from __future__ import annotations

import signal
import time

import httpx
import pytest

from tests.service.test_jobs import crops
from tests.stack import make_stack, wait_job


def test_healthz_readyz_docs(stack):
    assert httpx.get(stack.url + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(stack.url + "/readyz")
    assert ready.status_code == 200
    assert ready.json()["redis"] == "ok" and ready.json()["workers"][0]["queues"] == ["clean", "ocr"]
    assert httpx.get(stack.url + "/docs").status_code == 200
    paths = httpx.get(stack.url + "/openapi.json").json()["paths"]
    assert {"/v1/jobs", "/v1/jobs/{job_id}", "/v1/jobs/{job_id}/image", "/v1/batches"} <= set(paths)


def test_metrics_count_jobs_and_stages(stack, api):
    wait_job(api, api.post("/v1/jobs", files={"file": ("p.png", crops(1)[0])}).json()["id"])
    text = httpx.get(stack.url + "/metrics").text
    values = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }
    assert values["pagewash_jobs_submitted_total"] >= 1
    assert values['pagewash_jobs_finished_total{status="done"}'] >= 1
    assert values['pagewash_queue_depth{queue="clean"}'] >= 0
    assert values["pagewash_workers_alive"] == 1
    assert values['pagewash_stage_seconds_count{stage="denoise"}'] >= 1


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["stopped", "killed"])
def test_readyz_reports_workers_but_stays_ready_without_them(tmp_path, sig):
    s = make_stack(tmp_path, 10)
    s.start_gateway()
    s.start_worker("worker", "--concurrency", "1")
    try:
        s.wait_ready()
        s.stop("worker", sig)  # SIGTERM: the key is removed; SIGKILL: it expires after 3 missed beats
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and httpx.get(s.url + "/readyz").json()["workers"]:
            time.sleep(0.2)
        ready = httpx.get(s.url + "/readyz")
        assert ready.status_code == 200 and ready.json()["workers"] == []  # still takes jobs
        status = httpx.get(s.url + "/v1/status").json()
        assert status["workers"] == [] and set(status["queues"]) == {"clean", "ocr"}
    finally:
        s.close()


def test_a_gateway_with_no_worker_takes_jobs_that_a_later_worker_does(tmp_path):
    """Scale from zero: KEDA starts a worker only once jobs wait in the queue."""
    s = make_stack(tmp_path, 10)
    s.start_gateway()
    try:
        s.wait_ready(workers=0)
        assert httpx.get(s.url + "/readyz").json()["workers"] == []
        api = httpx.Client(base_url=s.url, timeout=60)
        ids = [api.post("/v1/jobs", files={"file": (f"p{i}.png", c)}).json()["id"] for i, c in enumerate(crops(3))]
        assert httpx.get(s.url + "/v1/status").json()["queues"]["clean"] == 3  # what KEDA scales on
        metrics = httpx.get(s.url + "/metrics").text
        assert 'pagewash_queue_depth{queue="clean"} 3.0' in metrics and "pagewash_workers_alive 0.0" in metrics
        s.start_worker("worker", "--concurrency", "1")
        assert [wait_job(api, i, timeout=90)["status"] for i in ids] == ["done"] * 3
    finally:
        s.close()


def test_readyz_answers_fast_when_redis_is_down(tmp_path):
    from tests.stack import Stack, free_port

    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    s = Stack(dead, {**__import__("os").environ, "PAGEWASH_REDIS_URL": dead}, tmp_path)
    s.start_gateway()
    try:
        s.wait_up()
        t0 = time.monotonic()
        ready = httpx.get(s.url + "/readyz", timeout=30)
        assert ready.status_code == 503 and "unavailable" in ready.json()["redis"]
        assert time.monotonic() - t0 < 5
    finally:
        s.close()
