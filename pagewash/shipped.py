"""The models that ship with pagewash, by name (no torch import: the gateway validates
client-chosen model names against this list without loading anything)."""

from __future__ import annotations

from pathlib import Path

WEIGHTS_DIR = Path(__file__).parent / "weights"
SHIPPED = {
    "pagenet": "pagenet.pt",  # the production cleaner
    "dense1": "dense1.pt",  # article (a): single-layer dense
    "dense": "dense.pt",  # article (b): multi-layer dense
    "conv": "conv.pt",  # article (c): convolutional
    "pagenet-x2": "pagenet-x2.pt",  # clean and upscale 2x: used for pages whose text is small (--upscale)
}
ALIASES = {"default": "pagenet", "upscale": "pagenet-x2"}
UPSCALERS = ("upscale", "pagenet-x2")
NAMES = tuple(n for n in (*ALIASES, *SHIPPED) if n not in UPSCALERS)  # the cleaners a client may pick as `model`
