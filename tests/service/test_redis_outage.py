"""A Redis restart loses no job, with real processes: a redis-server of the test's own with
its append-only file (``appendfsync everysec``, as compose runs it), the gateway, a worker,
the hot folder with ``--server`` and the Python client.

Redis stopped for 15 s mid-run and started again: every job done, once; uploads meanwhile
refused with a 503 and a Retry-After; every process alive; the outage logged once. The
machine under Redis crashed (the append-only file's last second lost): a job may be gone
(404), but none stays queued or running past the sweep's bound. A job whose task message
was lost is swept and done."""

from __future__ import annotations

import io
import re
import shutil
import threading
import time
from pathlib import Path

import httpx
import pytest
import redis
from PIL import Image

import pagewash
from tests.cli.test_watch import PAGES, start, stop
from tests.service.test_faults import wait_for
from tests.stack import RedisServer, Stack, make_stack, wait_job
from worker.jobstore import jobs

SWEEP = {"sweep_interval": "1", "orphan_grace": "3"}  # the sweep's bound in seconds: 3 + 2 x 1


def letter_pages(n: int) -> list[bytes]:
    """Letter-sized pages (150 dpi) from the built-in examples: a fraction of a second each."""
    out = []
    for i in range(n):
        page = Image.open(PAGES[i % len(PAGES)]).convert("L").resize((1275, 1650))
        buf = io.BytesIO()
        page.save(buf, format="PNG", dpi=(150, 150))
        out.append(buf.getvalue())
    return out


def status(api: httpx.Client, job_id: str) -> str:
    answer = api.get(f"/v1/jobs/{job_id}")
    return "lost" if answer.status_code == 404 else answer.json()["status"]


def metric(stack: Stack, name: str) -> float:
    line = next(x for x in httpx.get(stack.url + "/metrics").text.splitlines() if x.startswith(name + " "))
    return float(line.split()[-1])


def stack_on(tmp_path: Path, **settings: str) -> tuple[RedisServer, Stack]:
    (tmp_path / "redis").mkdir()
    server = RedisServer(tmp_path / "redis", fsync="everysec")
    server.start()
    return server, make_stack(tmp_path, url=server.url, **SWEEP, **settings)


@pytest.mark.slow  # make test-slow: over 15 s, and the fast suite covers its path
def test_redis_stopped_for_15_s_mid_run_every_job_is_done_once(tmp_path):
    server, s = stack_on(tmp_path)
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    s.start_gateway()
    s.start_worker("worker", "--concurrency", "2")
    watcher = start(
        tmp_path / "watch.log", str(src), "-o", str(out), "--server", s.url, "--failed", str(tmp_path / "failed")
    )
    try:
        s.wait_ready()
        api = httpx.Client(base_url=s.url, timeout=60)
        pages = letter_pages(12)
        ids = [api.post("/v1/jobs", files={"file": (f"p{i}.png", d)}).json()["id"] for i, d in enumerate(pages)]
        for i in range(2):
            shutil.copy(PAGES[i], src / f"before{i}.png")
        wait_for(lambda: sum(status(api, j) == "done" for j in ids) >= 2, timeout=120, every=0.1)

        server.stop()  # SIGTERM: Redis writes its append-only file and exits
        stopped = time.monotonic()
        late: list[str] = []  # a client that submits during the outage and rides it out
        rider = threading.Thread(target=lambda: late.append(pagewash.Client(s.url).submit(pages[0])))
        rider.start()
        for i in range(2):
            shutil.copy(PAGES[i + 2], src / f"during{i}.png")
        refused = [httpx.post(s.url + "/v1/jobs", files={"file": ("x.png", pages[1])}, timeout=30) for _ in range(3)]
        ready = httpx.get(s.url + "/readyz", timeout=10)
        up_during = metric(s, "pagewash_redis_up")
        time.sleep(max(0.0, 15 - (time.monotonic() - stopped)))
        server.start()  # on the same data

        assert [r.status_code for r in refused] == [503] * 3, [r.text for r in refused]
        assert all(int(r.headers["Retry-After"]) >= 2 for r in refused)
        assert ready.status_code == 503 and "redis_down_for_s" in ready.json(), ready.text
        assert up_during == 0
        restarted = time.monotonic()
        wait_for(lambda: httpx.get(s.url + "/readyz", timeout=10).status_code == 200, timeout=30, every=0.2)
        records = [wait_job(api, j, timeout=120) for j in ids]
        took = time.monotonic() - restarted
        assert [r["status"] for r in records] == ["done"] * 12, [(r["status"], r["error"]) for r in records]
        rider.join(timeout=120)
        assert late and wait_job(api, late[0])["status"] == "done"
        assert wait_job(api, api.post("/v1/jobs", files={"file": ("n.png", pages[2])}).json()["id"])["status"] == "done"
        wait_for(lambda: len(list(out.glob("*.png"))) == 4, timeout=120)
        assert not (tmp_path / "failed").exists() or not list((tmp_path / "failed").iterdir())

        log = s.log("worker", tail=None)
        for j in ids:  # done once: at most one final transition each (a job whose "done" was written just
            # as Redis went finds it done when Redis is back, and logs that), and the counter is exact
            assert log.count(f"job {j}: done") + log.count(f"job {j}: already done") >= 1, j
            assert log.count(f"job {j}: done") <= 1, j
        assert jobs.stats(redis.Redis.from_url(server.url))["done"] == 12 + 1 + 1 + 4
        assert all(p.poll() is None for p in s.procs.values()) and watcher.poll() is None
        assert len(re.findall(r"consumer: Cannot connect to", log)) <= 1  # once per outage, not per try
        assert s.log("gateway", tail=None).count("Redis unreachable") == 1
        assert metric(s, "pagewash_redis_up") == 1 and metric(s, "pagewash_redis_outages_total") == 1
        print(f"all 12 done {took:.1f} s after the restart")
    finally:
        stop(watcher)
        s.close()
        server.kill()


@pytest.mark.slow  # make test-slow: over 15 s, and the fast suite covers its path
def test_a_machine_crash_under_redis_leaves_no_job_queued_or_running(tmp_path):
    """Redis SIGKILLed loses nothing it acknowledged: it writes the append-only file before it
    answers. A crash of its machine loses what was not yet fsynced, up to a second with
    ``appendfsync everysec``. Played here: SIGKILL, and the file cut back to its length a
    second before. Jobs submitted in that second are gone (404); jobs that moved in it are
    back where they stood, and done; none stays queued or running past the sweep's bound."""
    server, s = stack_on(tmp_path)
    s.start_gateway()
    s.start_worker("worker", "--concurrency", "2")
    try:
        s.wait_ready()
        api = httpx.Client(base_url=s.url, timeout=60)
        pages = letter_pages(12)
        ids = [api.post("/v1/jobs", files={"file": (f"p{i}.png", d)}).json()["id"] for i, d in enumerate(pages)]
        wait_for(lambda: sum(status(api, j) == "done" for j in ids) >= 2, timeout=120, every=0.1)
        (aof,) = (tmp_path / "redis" / "appendonlydir").glob("*.incr.aof")
        fsynced = aof.stat().st_size  # what the disk holds; all below is lost with the machine
        lost = [api.post("/v1/jobs", files={"file": ("l.png", d)}).json()["id"] for d in pages[:2]]
        time.sleep(1)  # the workers go on: jobs start, finish, are acknowledged
        server.kill()
        with aof.open("r+b") as fp:
            fp.truncate(fsynced)
        server.start()
        wait_for(lambda: httpx.get(s.url + "/readyz", timeout=10).status_code == 200, timeout=30, every=0.2)
        end = time.monotonic() + 3 + 2 * 1 + 90  # the sweep's bound, plus the jobs' run time here
        while time.monotonic() < end:
            seen = {j: status(api, j) for j in ids}
            if set(seen.values()) == {"done"}:
                break
            time.sleep(0.5)
        assert set(seen.values()) == {"done"}, seen
        assert [status(api, j) for j in lost] == ["lost", "lost"]  # a 404, never a job stuck
        new = api.post("/v1/jobs", files={"file": ("n.png", pages[2])}).json()["id"]
        assert wait_job(api, new)["status"] == "done"
        assert all(p.poll() is None for p in s.procs.values())
        print("sent again by the sweep:", s.log("worker", tail=None).count("sent again"))
    finally:
        s.close()
        server.kill()


@pytest.mark.parametrize("stage", ["queued", "running"])
def test_a_job_nothing_will_move_is_swept_and_done(tmp_path, stage):
    """As a SIGKILLed Redis can leave it: the record kept, its task message lost (queued), or
    its worker's last write lost (running, held by nobody)."""
    s = make_stack(tmp_path, 3, **SWEEP)
    s.start_gateway()
    try:
        s.wait_up()
        api = httpx.Client(base_url=s.url, timeout=60)
        job_id = api.post("/v1/jobs", files={"file": ("p.png", letter_pages(1)[0])}).json()["id"]
        r = redis.Redis.from_url(s.redis_url)
        assert r.delete("clean") == 1  # the message, gone
        if stage == "running":
            jobs.transition(r, job_id, "running", started=time.time(), worker="gone", pid=1)
        s.start_worker("worker", "--concurrency", "1")
        record = wait_job(api, job_id, timeout=60)
        assert record["status"] == "done"
        assert f"job {job_id}: {stage}" in s.log("worker", tail=None) and "sent again" in s.log("worker", tail=None)
    finally:
        s.close()
