"""How ``pagewash worker`` picks its Celery pool from the device."""

from __future__ import annotations

from pagewash.cli.server import plan


def test_worker_plan_follows_the_device():
    assert plan("cuda", None, None, 16)[0] == "threads"  # one process; task threads feed the batcher
    assert plan("cuda:1", 4, None, 16)[:2] == ("threads", 4)
    assert plan("cpu", None, None, 2) == ("prefork", 2, 1)  # children split the cores
    assert plan("cpu", 2, "threads", 2)[0] == "threads"
    assert plan("cpu", 1, None, 2) == ("solo", 1, 2)
