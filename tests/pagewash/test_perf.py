"""``pagewash bench`` pieces on the CPU, small: CI's smoke test of the GPU throughput path."""

from __future__ import annotations

import json

from pagewash import perf
from pagewash.worker_cli import plan


def test_throughput_smoke_on_cpu(tmp_path):
    result = perf.throughput("cpu", (160, 120), 4, [1, 2], ["auto"])
    assert len(result["rows"]) == 4  # 1 precision x 2 memory formats x 2 batch sizes
    assert all(r["pages_per_s"] > 0 and r["network_only_pages_per_s"] > 0 for r in result["rows"])
    assert result["decode_only_pages_per_s"] > 0 and result["device"] == "CPU"
    perf.write_report({"throughput": result}, tmp_path)
    assert json.loads((tmp_path / "perf.json").read_text())["throughput"]["rows"]
    assert "pages/s end to end" in (tmp_path / "perf.md").read_text()


def test_worker_plan_follows_the_device():
    assert plan("cuda", None, None, 16)[0] == "threads"  # one process; task threads feed the batcher
    assert plan("cuda:1", 4, None, 16)[:2] == ("threads", 4)
    assert plan("cpu", None, None, 2) == ("prefork", 2, 1)  # children split the cores
    assert plan("cpu", 1, None, 2) == ("solo", 1, 2)
    assert plan("cpu", 2, "threads", 2)[0] == "threads"
