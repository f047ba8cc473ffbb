"""The models that ship with pagewash, by name (no torch import: the gateway validates
client-chosen model names against this list without loading anything)."""

from __future__ import annotations

from pathlib import Path

WEIGHTS_DIR = Path(__file__).parent / "weights"
SHIPPED = {
    "pagenet": "pagenet.pt",  # the production model
    "dense1": "dense1.pt",  # article (a): single-layer dense
    "dense": "dense.pt",  # article (b): multi-layer dense
    "conv": "conv.pt",  # article (c): convolutional
}
ALIASES = {"default": "pagenet"}
NAMES = (*ALIASES, *SHIPPED)
