"""``import pagewash`` is cheap: a program that imports it and may never clean a page pays
neither torch's start-up nor the service stack's. Measured the way the issue asks, with
``python -X importtime``."""

from __future__ import annotations

import subprocess
import sys

HEAVY = {"torch", "cv2", "celery", "kombu", "fastapi", "starlette", "redis", "uvicorn", "httpx"}


def importtime(code: str) -> dict[str, int]:
    """Top-level module -> cumulative import time in microseconds, from ``-X importtime``."""
    r = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = {}
    for line in r.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _, cumulative, name = line.removeprefix("import time:").split("|")
            out.setdefault(name.strip().split(".")[0], 0)
            if not name.startswith("  "):  # a top-level import: its cumulative time includes its children
                out[name.strip().split(".")[0]] += int(cumulative)
    return out


def test_import_pagewash_takes_under_half_a_second_and_loads_nothing_heavy():
    times = importtime("import pagewash")
    assert times["pagewash"] < 500_000, times["pagewash"]
    assert not HEAVY & set(times), HEAVY & set(times)


def test_the_client_alone_needs_no_torch():
    times = importtime("import pagewash; pagewash.Client; pagewash.errors.Busy")
    assert "httpx" in times and not {"torch", "cv2", "celery", "fastapi"} & set(times)
