"""Load: many concurrent clients, every job done exactly once. The short version runs in
``make test`` against the session stack; the full 500 jobs x 32 clients against a gateway
and 2 workers is ``make load`` (marked slow)."""

from __future__ import annotations

import pytest

from pagewash.bench.loadtest import run
from tests.conftest import API_KEY
from tests.stack import make_stack


def check(report: dict, n: int) -> None:
    assert report["done"] == n, report
    assert report["lost"] == 0 and report["failed"] == 0 and report["duplicate_ids"] == 0, report
    assert report["redelivered"] == 0 and report["server_finished"] == n, report
    assert report["latency_p95_ms"] >= report["latency_p50_ms"] > 0


def test_short_load(stack):
    check(run(stack.url, n=60, clients=8, api_key=API_KEY, size=(200, 150)), 60)


@pytest.mark.slow
def test_full_load_500_jobs_32_clients_2_workers(tmp_path):
    s = make_stack(tmp_path, 8)
    s.start_gateway()
    s.start_worker("w1", "--concurrency", "1")
    s.start_worker("w2", "--concurrency", "1")
    try:
        s.wait_ready()
        check(run(s.url, n=500, clients=32, size=(320, 240)), 500)
    finally:
        s.close()
