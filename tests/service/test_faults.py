"""Faults with real processes and real Redis: workers killed mid-job, Redis crashed and
restarted, the gateway restarted, a poison job, a job past its deadline."""

from __future__ import annotations

import io
import json
import os
import signal
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import numpy as np
import pytest
import redis
from PIL import Image

from tests.service.test_jobs import crops
from tests.stack import RedisServer, Stack, make_stack, wait_job
from worker.jobstore import jobs
from worker.shutdown import pool_children


def slow_page(w: int = 4000, h: int = 3000) -> bytes:
    """A big page that still compresses to a small PNG: a few seconds of denoising here, long
    enough to catch its job running, short enough to spare the cores."""
    a = np.full((h, w), 235, np.uint8)
    a[::40, :] = 30
    a[:, ::97] = 90
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="PNG")
    return buf.getvalue()


def wait_for(predicate, timeout: float = 60, every: float = 0.02):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError("condition not met")


def finished_total(stack: Stack) -> dict[str, float]:
    out = {}
    for line in httpx.get(stack.url + "/metrics").text.splitlines():
        if line.startswith("pagewash_jobs_finished_total{"):
            out[line.split('"')[1]] = float(line.rsplit(" ", 1)[1])
    return out


class Hooks(BaseHTTPRequestHandler):
    got: Counter = Counter()

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).got[body["id"]] += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hooks():
    server = HTTPServer(("127.0.0.1", 0), Hooks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def test_worker_killed_mid_job_redelivers_and_finishes_exactly_once(tmp_path, hooks):
    s = make_stack(tmp_path, 12, visibility_timeout="3", allow_private_callbacks="true")
    s.start_gateway()
    s.start_worker("w1", "--concurrency", "1")
    try:
        s.wait_ready()
        api = httpx.Client(base_url=s.url, timeout=60)
        job_id = api.post("/v1/jobs", files={"file": ("big.png", slow_page())}, data={"callback_url": hooks}).json()[
            "id"
        ]
        wait_for(lambda: api.get(f"/v1/jobs/{job_id}").json()["status"] == "running")
        s.stop("w1", signal.SIGKILL)  # the whole worker, mid-denoise
        assert api.get(f"/v1/jobs/{job_id}").json()["status"] == "running"
        s.start_worker("w2", "--concurrency", "1")
        record = wait_job(api, job_id, timeout=90)
        assert record["status"] == "done" and record["attempts"] == 2, record
        assert Image.open(io.BytesIO(api.get(f"/v1/jobs/{job_id}/image").content)).size == (4000, 3000)
        time.sleep(4)  # past another visibility timeout: a duplicate delivery would show now
        assert finished_total(s) == {"done": 1, "failed": 0}
        assert Hooks.got[job_id] == 1
        assert api.get(f"/v1/jobs/{job_id}").json()["attempts"] == 2
    finally:
        s.close()


def test_redis_crash_loses_no_queued_job_and_everyone_reconnects(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    s = make_stack(tmp_path, url=server.url)
    s.start_gateway()
    try:
        api = httpx.Client(base_url=s.url, timeout=60)
        s.wait_up()
        queued = [api.post("/v1/jobs", files={"file": ("p.png", d)}).json()["id"] for d in crops(8)]
        server.kill()  # crash with 8 jobs queued and no worker yet
        server.start()
        s.start_worker("worker", "--concurrency", "1")
        assert all(wait_job(api, j)["status"] == "done" for j in queued)  # the gateway reconnected, too
        worker_pid = s.procs["worker"].pid
        server.kill()  # now with a worker connected
        time.sleep(2)
        server.start()
        later = [api.post("/v1/jobs", files={"file": ("p.png", d)}).json()["id"] for d in crops(3)]
        records = [wait_job(api, j, timeout=90) for j in later]
        assert all(r["status"] == "done" for r in records)
        assert s.procs["worker"].poll() is None and s.procs["worker"].pid == worker_pid
        assert {api.get(f"/v1/jobs/{j}").json()["status"] for j in queued} == {"done"}
    finally:
        s.close()
        server.kill()


def test_gateway_restart_keeps_records_and_results(tmp_path):
    s = make_stack(tmp_path, 13)
    s.start_gateway()
    s.start_worker("worker", "--concurrency", "1")
    try:
        s.wait_ready()
        api = httpx.Client(base_url=s.url, timeout=60)
        job_id = api.post("/v1/jobs", files={"file": ("p.png", crops(1)[0])}).json()["id"]
        before = wait_job(api, job_id)
        image = api.get(f"/v1/jobs/{job_id}/image").content
        s.stop("gateway")
        s.start_gateway()
        s.wait_ready()
        assert api.get(f"/v1/jobs/{job_id}").json()["finished"] == before["finished"]
        assert api.get(f"/v1/jobs/{job_id}/image").content == image
    finally:
        s.close()


def test_poison_job_is_failed_after_bounded_attempts(tmp_path):
    """A job that takes its worker down every time (here: the OOM killer's SIGKILL, played by
    the test, on the process the record names) is failed with a reason, and the worker goes on."""
    s = make_stack(tmp_path, 14, max_attempts="2", blob_dir=str(tmp_path / "blobs"))
    s.start_gateway()
    s.start_worker("worker", "--concurrency", "1", "--pool", "prefork")
    try:
        s.wait_ready()
        api = httpx.Client(base_url=s.url, timeout=60)
        job_id = api.post("/v1/jobs", files={"file": ("poison.png", slow_page())}).json()["id"]
        killed = set()
        for attempt in (1, 2):

            def running(attempt=attempt):
                record = api.get(f"/v1/jobs/{job_id}").json()
                return record["status"] == "running" and record["attempts"] == attempt

            wait_for(running, timeout=60)
            pid = _record_pid(s, job_id)
            os.kill(pid, signal.SIGKILL)
            killed.add(pid)
        record = wait_job(api, job_id, timeout=60)
        assert record["status"] == "failed" and "gave up after 2 attempts" in record["error"], record
        assert len(killed) == 2
        assert (
            wait_job(api, api.post("/v1/jobs", files={"file": ("ok.png", crops(1)[0])}).json()["id"])["status"]
            == "done"
        )
        assert s.procs["worker"].poll() is None
    finally:
        s.close()


def _record_pid(s: Stack, job_id: str) -> int:
    import redis

    return int(redis.Redis.from_url(s.redis_url).hget(f"pagewash:job:{job_id}", "pid"))


def test_job_past_its_deadline_fails_and_frees_the_worker(tmp_path):
    s = make_stack(tmp_path, 15, job_timeout="0.8")
    s.start_gateway()
    s.start_worker("worker", "--concurrency", "1")
    try:
        s.wait_ready()
        api = httpx.Client(base_url=s.url, timeout=60)
        # 27 MP: the 12 MP page was cleaned within the 0.8 s once the cleaner got faster
        slow = api.post("/v1/jobs", files={"file": ("slow.png", slow_page(6000, 4500))}).json()["id"]
        record = wait_job(api, slow)
        assert record["status"] == "failed" and "deadline of 0.8 s" in record["error"], record
        fast = wait_job(api, api.post("/v1/jobs", files={"file": ("p.png", crops(1)[0][:])}).json()["id"])
        assert fast["status"] == "done" and fast["attempts"] == 1
    finally:
        s.close()


@pytest.mark.slow  # make test-slow: over 15 s, and the fast suite covers its path
def test_a_killed_workers_jobs_go_to_the_other_worker_in_seconds(tmp_path):
    # The broker's visibility timeout stays at its default (900 s): only the reaper can be in time.
    s = make_stack(tmp_path, 14)
    s.start_gateway()
    s.start_worker("w1", "--concurrency", "1")
    s.start_worker("w2", "--concurrency", "1")
    try:
        s.wait_ready(workers=2)
        api = httpx.Client(base_url=s.url, timeout=60)
        page = slow_page(2500, 2000)
        ids = [api.post("/v1/jobs", files={"file": (f"p{i}.png", page)}).json()["id"] for i in range(12)]
        w1 = s.procs["w1"]

        store = redis.Redis.from_url(s.redis_url)

        def w1_running():  # the worker's pid is on the record, not in the public view
            kids = {str(p) for p in [*pool_children(w1.pid), w1.pid]}
            records = [jobs.get(store, i) or {} for i in ids]
            return [r["id"] for r in records if r.get("status") == "running" and r.get("pid") in kids] or None

        wait_for(w1_running, timeout=60)
        s.stop("w1", signal.SIGKILL)  # the whole process group, mid-job
        killed = time.monotonic()
        records = [wait_job(api, i, timeout=120) for i in ids]
        took = time.monotonic() - killed
        print(f"all 12 done {took:.1f} s after the kill")
        assert [r["status"] for r in records] == ["done"] * 12
        assert took < 60, took  # the heartbeat TTL here is 3 s; the broker alone would take 900 s
        assert any(r["attempts"] >= 2 for r in records)  # the killed worker's job was run again
        assert finished_total(s) == {"done": 12, "failed": 0}  # and none twice
        assert "sent again" in s.log("w2", tail=None)
    finally:
        s.close()


@pytest.mark.parametrize("grace", [60, 1], ids=["finishes", "hands-back"])
def test_sigterm_finishes_the_job_in_hand_or_hands_it_back_within_the_grace(tmp_path, grace):
    s = make_stack(tmp_path, 15, shutdown_grace=str(grace))
    s.start_gateway()
    s.start_worker("w1", "--concurrency", "1")
    try:
        s.wait_ready(workers=1)
        api = httpx.Client(base_url=s.url, timeout=60)
        # 27 MP: over 2 s of cleaning in int8 (a 12 MP page took under the 1 s grace)
        job_id = api.post("/v1/jobs", files={"file": ("big.png", slow_page(6000, 4500))}).json()["id"]
        wait_for(lambda: api.get(f"/v1/jobs/{job_id}").json()["status"] == "running")
        w1 = s.procs.pop("w1")
        t0 = time.monotonic()
        os.kill(w1.pid, signal.SIGTERM)  # as Kubernetes and docker stop do: the main process only
        w1.wait(timeout=grace + 30)
        exited = time.monotonic() - t0
        if grace == 1:  # the job was handed back: the next worker to come takes it
            s.start_worker("w2", "--concurrency", "1")
        record = wait_job(api, job_id, timeout=120)
        assert record["status"] == "done", record
        if grace == 60:  # the job was finished by w1, once
            assert record["attempts"] == 1 and exited < 60
            assert f"job {job_id}: done" in (tmp_path / "w1.log").read_text()
        else:  # cut short at the grace, sent again, done by w2; a hand-back is not a crash
            assert exited < grace + 5, exited
            assert record["attempts"] == 1
            assert "handed back" in (tmp_path / "w1.log").read_text()
            # and w2 did it (its log line follows the record's update, so it may lag a moment)
            assert wait_for(lambda: f"job {job_id}: done" in s.log("w2", tail=None), timeout=10)
        time.sleep(2)
        assert finished_total(s) == {"done": 1, "failed": 0}
    finally:
        s.close()
