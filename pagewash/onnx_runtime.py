"""The cleaner in int8 on ONNX Runtime: the CPU's road (``PAGEWASH_PRECISION=auto``).

Most CPUs a user meets have AVX2 and neither AVX-512 bf16 nor AMX; there torch runs the
network in fp32, which costs 0.14-0.19x of a Tesseract read on a dense page. ONNX Runtime's
int8 kernels run the same network in about a third of torch's fp32 time here, and faster
than native bf16, at the same word recall (docs/benchmarks.md#speed). The quantized graph is
made once, from the shipped weights and generator pages (``training/quantize.py``), and
ships beside them as ``<model>.int8.onnx``; nothing is quantized at run time.

The graph computes ``clamp(x + residual(x), 0, 1)`` on the page the network corrects (the
page itself, or its bicubic upscaling), exactly what ``engine.run_batch`` does in torch.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import torch

SOURCE_KEY = "pagewash_source_sha256"  # the .pt artifact the graph was quantized from


def quantized_path(artifact: Path) -> Path:
    """Where the int8 graph of an artifact lies: ``pagenet.pt`` -> ``pagenet.int8.onnx``."""
    return artifact.with_name(artifact.stem + ".int8.onnx")


def available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def session(path: Path, threads: int):
    """One session per graph, thread count and process (ONNX Runtime fixes its thread pool
    when the session is made, and a forked child has none of its parent's threads; callers
    change torch's thread count, which this follows). Threads sleep between pages instead of
    spinning: Tesseract runs beside the cleaner and needs the core."""
    return _session(path, threads, os.getpid())


@functools.lru_cache(maxsize=8)
def _session(path: Path, threads: int, pid: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def forget() -> None:
    """Drop every session: a graph was written again under the same name (``make quantize``)."""
    _session.cache_clear()


def source_sha256(path: Path) -> str | None:
    """The sha256 of the artifact the graph was made from, as recorded in its metadata."""
    return session(path, 1).get_modelmeta().custom_metadata_map.get(SOURCE_KEY)


def run(path: Path, x: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) float32 pages (already upscaled for an upscaler) -> cleaned, clamped."""
    y = session(path, torch.get_num_threads()).run(None, {"x": np.ascontiguousarray(x.numpy(), np.float32)})[0]
    return torch.from_numpy(y)
