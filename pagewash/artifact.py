"""The model artifact: one file that rebuilds its model with nothing else.

It holds only tensors, strings and numbers, so ``torch.load(weights_only=True)`` reads it:
an artifact from a stranger cannot run code on load.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

from pagewash.errors import BadArtifact
from pagewash.models import build_model, model_hparams

FORMAT = "pagewash-model"
FORMAT_VERSION = 1


def save_artifact(path: str | Path, model: nn.Module, arch: str, **info: Any) -> None:
    """Write weights + architecture + ``info`` (training config, metrics, generator version)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    blob = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "arch": arch,
        "hparams": model_hparams(model),
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **info,
    }
    tmp = path.with_name(path.name + ".part")
    torch.save(blob, tmp)
    tmp.replace(path)


def read_artifact(path: str | Path) -> dict[str, Any]:
    try:
        blob = torch.load(Path(path), map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many types for a file that is not a checkpoint
        raise BadArtifact(f"{path}: not a readable model artifact ({e})") from e
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise BadArtifact(f"{path}: not a pagewash model artifact")
    if blob.get("format_version", 0) > FORMAT_VERSION:
        raise BadArtifact(f"{path}: artifact format {blob['format_version']} is newer than this pagewash reads")
    return blob


def load_artifact(path: str | Path) -> tuple[nn.Module, dict[str, Any]]:
    """The model (on the CPU, in eval mode) and the artifact's metadata without the weights."""
    blob = read_artifact(path)
    model = build_model(blob["arch"], blob["hparams"])
    model.load_state_dict(blob.pop("state_dict"))
    return model.eval(), blob
