"""Cross-job batching: concurrent callers share batches and each gets its own result back."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from pagewash.engine import denoise
from pagewash.settings import get_settings
from worker.batcher import Batcher, runner_for


def test_batches_group_by_shape_and_return_each_callers_slice():
    seen = []

    def run(batch: torch.Tensor) -> torch.Tensor:
        seen.append(tuple(batch.shape))
        return batch * 2

    b = Batcher(run, max_batch=4, window_s=0.05)
    inputs = [torch.full((1, 1, 8, 8), float(i)) for i in range(6)] + [torch.ones(1, 1, 4, 4)]
    start = threading.Barrier(len(inputs))

    def call(x):
        start.wait()
        return b.run(x)

    with ThreadPoolExecutor(len(inputs)) as pool:
        outs = list(pool.map(call, inputs))
    for x, y in zip(inputs, outs):
        assert torch.equal(y, x * 2)
    assert max(s[0] for s in seen) > 1  # some inputs really were batched together
    assert all(s[1:] in ((1, 8, 8), (1, 4, 4)) for s in seen)


def test_a_failing_batch_fails_its_callers_only():
    def run(batch):
        if batch.shape[-1] == 3:
            raise RuntimeError("out of memory")
        return batch

    b = Batcher(run, max_batch=2, window_s=0.0)
    with pytest.raises(RuntimeError, match="out of memory"):
        b.run(torch.zeros(1, 1, 3, 3))
    assert torch.equal(b.run(torch.ones(1, 1, 2, 2)), torch.ones(1, 1, 2, 2))


def test_batched_engine_matches_unbatched(default_model, monkeypatch):
    rng = np.random.default_rng(3)
    pages = [rng.uniform(0.5, 1, (200, 300)).astype(np.float32) for _ in range(4)]
    alone = [denoise(default_model, p) for p in pages]
    monkeypatch.setenv("PAGEWASH_BATCH", "on")
    get_settings.cache_clear()
    try:
        with ThreadPoolExecutor(4) as pool:
            run = runner_for(default_model)
            assert run is not None
            together = list(pool.map(lambda p: denoise(default_model, p, run=run), pages))
    finally:
        get_settings.cache_clear()
    for a, t in zip(alone, together):
        assert np.abs(a - t).max() < 0.02


def test_no_batcher_off_the_gpu_by_default(default_model):
    get_settings.cache_clear()
    assert runner_for(default_model) is None  # a CPU model runs each page itself


def test_a_wedged_device_times_the_caller_out():
    from pagewash.errors import JobTimeout

    release = threading.Event()

    def run(batch):
        release.wait(5)
        return batch

    b = Batcher(run, max_batch=1, window_s=0.0)
    with pytest.raises(JobTimeout, match="did not answer"):
        b.run(torch.zeros(1, 1, 2, 2), timeout=0.2)
    release.set()
    b.stop()
