"""Security promises: JSON-only task messages, unguessable ids, headers, webhook SSRF refusal
at submit, configurable caps."""

from __future__ import annotations

import time

import httpx
import pytest
from celery import Celery
from fastapi.testclient import TestClient

from pagewash.settings import get_settings
from tests.conftest import API_KEY
from tests.service.test_jobs import crops
from tests.stack import redis_db, wait_job
from worker.jobstore import jobs


def test_a_pickled_task_message_is_refused_and_the_worker_goes_on(stack, api):
    sender = Celery(broker=stack.redis_url)
    sender.conf.update(task_serializer="pickle", accept_content=["pickle", "json"])
    sender.send_task("pagewash.clean", args=["0" * 32], queue="clean", serializer="pickle")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "untrusted content" not in stack.log("worker", tail=None):
        time.sleep(0.2)
    assert "Refusing to deserialize untrusted content of type pickle" in stack.log("worker", tail=None)
    assert wait_job(api, api.post("/v1/jobs", files={"file": ("p.png", crops(1)[0])}).json()["id"])["status"] == "done"


def test_job_ids_are_128_random_bits():
    ids = {jobs.new_id() for _ in range(10_000)}
    assert len(ids) == 10_000 and all(jobs.valid_id(i) and len(i) == 32 for i in ids)
    assert not jobs.valid_id("../" + "0" * 29) and not jobs.valid_id("0" * 31)


def test_security_headers_on_every_response(stack, api):
    for response in (
        httpx.get(stack.url + "/healthz"),
        api.get("/v1/jobs/" + "0" * 32),
        httpx.get(stack.url + "/docs"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"


@pytest.fixture
def gateway(monkeypatch):
    """The gateway in-process (real Redis; no worker needed for what these tests check)."""
    monkeypatch.setenv("PAGEWASH_REDIS_URL", redis_db(11))
    monkeypatch.delenv("PAGEWASH_ALLOW_PRIVATE_CALLBACKS", raising=False)
    get_settings.cache_clear()
    from service.main import create_app

    yield lambda **env: _with(monkeypatch, create_app, env)
    get_settings.cache_clear()


def _with(monkeypatch, create_app, env: dict[str, str]) -> TestClient:
    for k, v in env.items():
        monkeypatch.setenv(f"PAGEWASH_{k.upper()}", v)
    get_settings.cache_clear()
    return TestClient(create_app())


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/hook", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/", "http://[::1]/"],
)
def test_webhooks_to_internal_addresses_are_refused_at_submit(gateway, url):
    client = gateway()
    response = client.post("/v1/jobs", files={"file": ("p.png", crops(1)[0])}, data={"callback_url": url})
    assert response.status_code == 422 and "non-public address" in response.json()["detail"]


def test_caps_are_configurable(gateway):
    client = gateway(max_upload_bytes="20000", max_upload_pixels="10000")
    big = client.post("/v1/jobs", files={"file": ("p.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 200_000)})
    assert big.status_code == 413
    many_pixels = client.post("/v1/jobs", files={"file": ("p.png", crops(1)[0][:19_000])})
    assert many_pixels.status_code == 413 and "pixels" in many_pixels.json()["detail"]


def test_api_key_never_reaches_the_logs(stack):
    httpx.get(stack.url + "/v1/jobs/" + "0" * 32, headers={"X-Api-Key": "wrong-secret-31337"})
    httpx.get(stack.url + "/v1/jobs/" + "0" * 32, headers={"X-Api-Key": API_KEY})
    logs = stack.log("gateway", tail=None) + stack.log("worker", tail=None)
    assert "wrong-secret-31337" not in logs and API_KEY not in logs
