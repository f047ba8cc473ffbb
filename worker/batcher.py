"""Cross-job batching for a GPU worker: the Celery task threads decode their pages, hand the
padded tensors to the one thread that owns the device, and wait; that thread waits a few
milliseconds to fill a batch, stacks same-shaped inputs (letter pages at 300 DPI all pad to
2560x3328), runs them at once and hands each caller its own slice back. Decode and encode
stay in the task threads, beside the GPU loop rather than in front of it.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

import torch

from pagewash.engine import run_batch
from pagewash.errors import JobTimeout
from pagewash.model_store import Model
from pagewash.settings import get_settings

RunFn = Callable[[torch.Tensor], torch.Tensor]


class Batcher:
    def __init__(self, run: RunFn, max_batch: int = 8, window_s: float = 0.005):
        self.run_batch, self.max_batch, self.window_s = run, max_batch, window_s
        self.inbox: queue.Queue[tuple[torch.Tensor, Future]] = queue.Queue()
        self.batches = 0  # batches run, and inputs in them (for the benchmark's batch-fill figure)
        self.items = 0
        self.thread = threading.Thread(target=self._loop, name="pagewash-batcher", daemon=True)
        self.thread.start()

    def run(self, x: torch.Tensor, timeout: float | None = None) -> torch.Tensor:
        """(1, C, H, W) in -> (1, C, H, W) out, computed in some batch with other callers' inputs.
        Past ``timeout`` seconds the caller gives up (its job fails as timed out; a wedged
        device must not hold a job until Redis hands it to another worker as well)."""
        done: Future = Future()
        self.inbox.put((x, done))
        try:
            return done.result(timeout=timeout)
        except FutureTimeout as e:
            raise JobTimeout(f"the device did not answer within {timeout:g} s") from e

    def stop(self) -> None:
        self.inbox.put(None)  # type: ignore[arg-type]
        self.thread.join()

    def _collect(self) -> list[tuple[torch.Tensor, Future]] | None:
        first = self.inbox.get()
        if first is None:
            return None
        items = [first]
        end = time.monotonic() + self.window_s
        while len(items) < self.max_batch:
            try:
                item = self.inbox.get(timeout=max(end - time.monotonic(), 0))
            except queue.Empty:
                break
            if item is None:
                self.inbox.put(None)
                break
            items.append(item)
        return items

    def _loop(self) -> None:
        while (items := self._collect()) is not None:
            groups: dict[tuple, list[tuple[torch.Tensor, Future]]] = defaultdict(list)
            for x, done in items:
                groups[tuple(x.shape[1:])].append((x, done))
            for group in groups.values():
                try:
                    out = self.run_batch(torch.cat([x for x, _ in group]))
                    self.batches += 1
                    self.items += len(group)
                    for i, (_, done) in enumerate(group):
                        done.set_result(out[i : i + 1])
                except Exception as e:  # a failed batch fails its callers' jobs, not the thread
                    for _, done in group:
                        done.set_exception(e)


_batchers: dict[int, Batcher] = {}
_lock = threading.Lock()


def batcher_for(key: object, run: RunFn, max_batch: int, window_s: float) -> Batcher:
    """One batcher per loaded model per process."""
    with _lock:
        if id(key) not in _batchers:
            _batchers[id(key)] = Batcher(run, max_batch, window_s)
        return _batchers[id(key)]


def batching(model: Model) -> bool:
    want = get_settings().batch
    return want == "on" or (want == "auto" and model.device.type == "cuda")


def runner_for(model: Model) -> RunFn | None:
    """What the engine should run each padded page through: on a batching device, this
    process's batcher for the model (pages share batches with other jobs'); else None, the
    engine's own one-page run."""
    if not batching(model):
        return None
    settings = get_settings()
    batcher = batcher_for(model, lambda b: run_batch(model, b), settings.max_batch, settings.batch_window_ms / 1000)
    return lambda x: batcher.run(x, timeout=settings.job_timeout)
