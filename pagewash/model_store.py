"""The one place a model is loaded: shipped names resolve to files here, and each process
loads a given model once (workers and the CLI call ``get_model`` per page)."""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from pagewash.artifact import load_artifact
from pagewash.errors import ModelNotFound
from pagewash.settings import device_name, get_settings, model_name
from pagewash.shipped import ALIASES, NAMES, SHIPPED, WEIGHTS_DIR


@dataclass
class Model:
    net: nn.Module
    info: dict[str, Any]
    device: torch.device
    dtype: torch.dtype | None  # autocast dtype, None for full precision

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
    """bf16 where the hardware does it natively (AMX/AVX512-BF16 CPUs, recent GPUs), else fp32."""
    if want == "fp32":
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
    return Model(net, info, dev, pick_dtype(dev, precision))
