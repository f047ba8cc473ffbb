"""The one place a model is loaded: shipped names resolve to files here, and each process
loads a given model once (workers and the CLI call ``get_model`` per page)."""

from __future__ import annotations

import functools
import hashlib
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from pagewash import onnx_runtime
from pagewash.artifact import load_artifact
from pagewash.errors import BadRequest, ModelNotFound
from pagewash.settings import device_name, get_settings, model_name
from pagewash.shipped import ALIASES, NAMES, SHIPPED, WEIGHTS_DIR


@dataclass
class Model:
    net: nn.Module
    info: dict[str, Any]
    device: torch.device
    dtype: torch.dtype | None  # autocast dtype, None for full precision
    onnx: Path | None = None  # an int8 graph run by ONNX Runtime instead of the torch network

    @property
    def precision(self) -> str:
        """What the network runs in: ``int8``, ``torch.bfloat16``, ``torch.float16`` or ``fp32``."""
        return "int8" if self.onnx else str(self.dtype or "fp32")

    @property
    def arch(self) -> str:
        return self.info["arch"]

    @property
    def scale(self) -> int:
        """Output pixels per input pixel along each side: 1 for a cleaner, 2 for an upscaler."""
        cfg = getattr(self.net, "cfg", None)
        return getattr(cfg, "scale", 1)


def resolve(name: str | None) -> Path:
    """A shipped model's name, or a path to an artifact, -> the artifact's path (unset or
    ``default``: ``PAGEWASH_MODEL``, ``settings.model_name``)."""
    name = model_name(name)
    name = ALIASES.get(name, name)
    if name in SHIPPED:
        return WEIGHTS_DIR / SHIPPED[name]
    path = Path(name).expanduser()
    if path.is_file():
        return path
    raise ModelNotFound(f"no model {name!r}: use one of {', '.join(NAMES)} or a path to a .pt artifact")


def pick_dtype(device: torch.device, want: str) -> torch.dtype | None:
    """bf16 where the hardware does it natively (AMX/AVX512-BF16 CPUs, recent GPUs), else fp32
    (on a CPU, ``auto`` runs the int8 graph instead where there is one: ``int8_graph``)."""
    if want in ("fp32", "int8"):
        return None
    if want in ("bf16", "fp16"):
        return torch.bfloat16 if want == "bf16" else torch.float16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.bfloat16 if torch.ops.mkldnn._is_mkldnn_bf16_supported() else None


def get_model(name: str | None = None, device: str | None = None, precision: str | None = None) -> Model:
    """Load once per process: every spelling of the same model, device and precision (``None``
    or ``default`` meaning the settings' value, ``settings.model_name``) returns the same object."""
    path = resolve(name).resolve()
    with _loading:  # task threads of a GPU worker may ask at once: load once, not once each
        return _load(path, device_name(device), precision or get_settings().precision)


_loading = threading.Lock()


@functools.lru_cache(maxsize=4)
def _load(path: Path, device: str, precision: str) -> Model:
    threads = get_settings().threads or os.cpu_count() or 1
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    dev = torch.device(device)
    net, info = load_artifact(path)
    info["path"] = str(path)
    # Channels-last weights: oneDNN (CPU, bf16 on AMX) and cuDNN (tensor cores) both run NHWC
    # convolutions fastest; 2550x3300 on this CPU: 0.27 s against 0.48 s NCHW.
    net = net.to(dev).to(memory_format=torch.channels_last)
    graph = int8_graph(path, dev, precision)
    return Model(net, info, dev, None if graph else pick_dtype(dev, precision), graph)


def int8_graph(path: Path, device: torch.device, want: str) -> Path | None:
    """The int8 graph to run instead of the torch network, on a CPU (``auto`` or ``int8``),
    where one was made from this very artifact and ONNX Runtime is installed. It cleans a
    2550x3300 page in 0.34 s against 0.61 s for native bf16 and 1.1 s for fp32 (2 threads,
    one run) at the same word recall; without it, ``auto`` is bf16 where native, else fp32.
    A graph left from older weights is never run: it would clean with the old model."""
    if want not in ("int8", "auto") or device.type != "cpu":
        if want == "int8":
            raise BadRequest(f"int8 runs on the CPU only, not on {device}")
        return None
    graph = onnx_runtime.quantized_path(path)
    why = (
        "ONNX Runtime is not installed"
        if not onnx_runtime.available()
        else f"{graph.name} is missing (make quantize)"
        if not graph.is_file()
        else f"{graph.name} was made from other weights than {path.name} (make quantize)"
        if onnx_runtime.source_sha256(graph) != hashlib.sha256(path.read_bytes()).hexdigest()
        else None
    )
    if why and want == "int8":
        raise ModelNotFound(f"no int8 graph for {path.name}: {why}")
    if why and graph.is_file():
        warnings.warn(f"running {path.name} in torch, not int8: {why}", stacklevel=3)
    return None if why else graph
