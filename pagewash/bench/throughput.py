"""``pagewash bench --parts throughput``: pages per second through a worker's GPU path.

Decode, the cross-job batcher on the device, and encode, at several batch sizes, precisions
and memory formats, beside the stage-only rates that show which side caps it. On a GPU this
is the number that matters; on the CPU it is a smoke test with small pages. The benchmarks
sit above the worker, so this one drives the worker's own batcher.
"""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import torch

from pagewash.bench.perf import SEED
from pagewash.engine import pad_to, run_batch
from pagewash.imageio import encode_png, load_page, to_u8
from pagewash.model_store import Model, get_model, pick_dtype
from training.synth import make_sample
from worker.batcher import Batcher


def _variant(model: Model, precision: str, channels_last: bool) -> Model:
    net = copy.deepcopy(model.net)
    net = net.to(memory_format=torch.channels_last if channels_last else torch.contiguous_format)
    return Model(net, model.info, model.device, pick_dtype(model.device, precision))


def throughput(
    device: str,
    size: tuple[int, int],
    n: int,
    batch_sizes: list[int],
    precisions: list[str],
    progress: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Pages per second through decode -> batch on the device -> encode, with the stage-only
    rates beside it (decode and encode use every core; the network one batch at a time)."""
    base = get_model("default", device)
    pngs = [encode_png(make_sample(SEED + 100 + i, "val", size).noisy) for i in range(min(n, 8))]
    pngs = [pngs[i % len(pngs)] for i in range(n)]
    cores = os.cpu_count() or 1
    rows = []
    with ThreadPoolExecutor(cores) as pool:
        t0 = time.perf_counter()
        decoded = list(pool.map(load_page, pngs))
        decode_rate = n / (time.perf_counter() - t0)
        u8 = [to_u8(p) for p in decoded]
        t0 = time.perf_counter()
        list(pool.map(encode_png, u8))
        encode_rate = n / (time.perf_counter() - t0)
    for precision in precisions:
        for channels_last in (True, False):
            model = _variant(base, precision, channels_last)
            for b in batch_sizes:
                x = pad_to(torch.from_numpy(decoded[0])[None, None], model.net.stride).repeat(b, 1, 1, 1)
                run_batch(model, x)  # warm-up (cuDNN autotune, allocator)
                reps = max(n // b, 2)
                t0 = time.perf_counter()
                for _ in range(reps):
                    run_batch(model, x)
                net_rate = reps * b / (time.perf_counter() - t0)
                batcher = Batcher(lambda t, m=model: run_batch(m, t), max_batch=b, window_s=0.002)

                def one(png: bytes, batcher=batcher, stride=model.net.stride) -> int:
                    page = load_page(png)
                    h, w = page.shape
                    y = batcher.run(pad_to(torch.from_numpy(page)[None, None], stride))[0, 0, :h, :w].numpy()
                    return len(encode_png(to_u8(y)))

                with ThreadPoolExecutor(max(2 * b, cores) + 2) as pool:
                    t0 = time.perf_counter()
                    list(pool.map(one, pngs))
                    e2e = n / (time.perf_counter() - t0)
                batcher.stop()
                rows.append(
                    {
                        "precision": str(model.dtype or "fp32").replace("torch.", ""),
                        "channels_last": channels_last,
                        "batch": b,
                        "pages_per_s": round(e2e, 2),
                        "network_only_pages_per_s": round(net_rate, 2),
                        "mean_batch_filled": round(batcher.items / max(batcher.batches, 1), 2),
                    }
                )
                if progress:
                    progress()
    name = torch.cuda.get_device_name(0) if base.device.type == "cuda" else "CPU"
    return {
        "device": name,
        "page": f"{size[0]}x{size[1]}",
        "pages": n,
        "decode_only_pages_per_s": round(decode_rate, 2),
        "encode_only_pages_per_s": round(encode_rate, 2),
        "cpu_cores": cores,
        "rows": rows,
    }
