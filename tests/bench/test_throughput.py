"""``pagewash bench --parts throughput`` on the CPU, small: CI's smoke test of the GPU throughput path."""

from __future__ import annotations

import json

from pagewash.bench import perf
from pagewash.bench.throughput import throughput


def test_throughput_smoke_on_cpu(tmp_path):
    result = throughput("cpu", (160, 120), 4, [1, 2], ["auto"])
    assert len(result["rows"]) == 4  # 1 precision x 2 memory formats x 2 batch sizes
    assert all(r["pages_per_s"] > 0 and r["network_only_pages_per_s"] > 0 for r in result["rows"])
    assert result["decode_only_pages_per_s"] > 0 and result["device"] == "CPU"
    perf.write_report({"throughput": result}, tmp_path)
    assert json.loads((tmp_path / "perf.json").read_text())["throughput"]["rows"]
    assert "pages/s end to end" in (tmp_path / "perf.md").read_text()
