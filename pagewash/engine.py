"""Inference on any page size: pad to the network's stride, or cut overlapping tiles.

Everything here is stateless functions of (model, page), so concurrent callers in one
process can share a loaded model. How a padded page reaches the device is a function the
caller may pass (``run``): a GPU worker hands in its cross-job batcher, everyone else runs
the page on its own.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from pagewash import onnx_runtime
from pagewash.despeckle import despeckle
from pagewash.model_store import Model
from pagewash.models import PATCH
from pagewash.polarity import normalise_polarity
from pagewash.settings import get_settings

Run = Callable[[torch.Tensor], torch.Tensor]  # (B, 1, H, W) padded pages -> cleaned, on the CPU


def run_batch(model: Model, x: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) float32 on any device -> (B, 1, H * s, W * s) float32 on the CPU, clamped to
    [0, 1], where s is the model's ``scale`` (1 for a cleaner, 2 for the upscaler)."""
    if model.onnx:  # int8 on ONNX Runtime: the same network, corrections added and clamped in the graph
        with torch.inference_mode():
            return onnx_runtime.run(model.onnx, model.net.base(x.float()))
    if model.device.type == "cuda":
        x = x.pin_memory().to(model.device, non_blocking=True)
    else:
        x = x.to(model.device)
    with torch.inference_mode():
        if model.arch == "pagenet":
            x = model.net.base(x)  # the page, or its bicubic upscaling (in fp32, like the residual add)
        with torch.autocast(model.device.type, dtype=model.dtype or torch.float32, enabled=model.dtype is not None):
            y = x + model.net.residual(x).float() if model.arch == "pagenet" else model.net(x).float()
        return y.clamp(0, 1).cpu()


def pad_to(x: torch.Tensor, multiple: int) -> torch.Tensor:
    """Mirror the page into the padding (it looks like more page; replicated edge pixels
    look like streaks); pages smaller than the padding can only be replicated."""
    h, w = x.shape[-2:]
    ph, pw = -h % multiple, -w % multiple
    if not (ph or pw):
        return x
    return F.pad(x, (0, pw, 0, ph), mode="reflect" if ph < h and pw < w else "replicate")


def _denoise_whole(model: Model, page: np.ndarray, run: Run | None) -> np.ndarray:
    h, w = page.shape
    s = model.scale
    x = pad_to(torch.from_numpy(page)[None, None], model.net.stride)
    y = run(x) if run else run_batch(model, x)
    return y[0, 0, : h * s, : w * s].numpy()


def _denoise_patches(model: Model, page: np.ndarray, batch: int = 4096) -> np.ndarray:
    """The article models see one 28x28 patch at a time: cut, run in batches, stitch."""
    h, w = page.shape
    x = pad_to(torch.from_numpy(page)[None, None], PATCH)[0, 0]  # (H', W')
    hp, wp = x.shape
    patches = x.reshape(hp // PATCH, PATCH, wp // PATCH, PATCH).permute(0, 2, 1, 3).reshape(-1, 1, PATCH, PATCH)
    out = torch.cat([run_batch(model, patches[i : i + batch]) for i in range(0, len(patches), batch)])
    out = out.reshape(hp // PATCH, wp // PATCH, PATCH, PATCH).permute(0, 2, 1, 3).reshape(hp, wp)
    return out[:h, :w].numpy()


def _denoise_tiled(model: Model, page: np.ndarray, tile: int, overlap: int, run: Run | None) -> np.ndarray:
    """Overlapping tiles whose ``overlap``-pixel borders are cropped off before stitching
    (all coordinates times the model's scale on the output side)."""
    h, w = page.shape
    s = model.scale
    out = np.empty((h * s, w * s), np.float32)
    for y0 in range(0, h, tile):
        for x0 in range(0, w, tile):
            y1, x1 = min(y0 + tile, h), min(x0 + tile, w)
            ya, xa = max(y0 - overlap, 0), max(x0 - overlap, 0)
            yb, xb = min(y1 + overlap, h), min(x1 + overlap, w)
            cleaned = _denoise_whole(model, np.ascontiguousarray(page[ya:yb, xa:xb]), run)
            inner = cleaned[(y0 - ya) * s : (y1 - ya) * s, (x0 - xa) * s : (x1 - xa) * s]
            out[y0 * s : y1 * s, x0 * s : x1 * s] = inner
    return out


def denoise(
    model: Model,
    page: np.ndarray,
    tile: int | None = None,
    overlap: int | None = None,
    run: Run | None = None,
) -> np.ndarray:
    """Clean one grey page ((H, W) float32, 1 = white) -> float32 page of the same size (times
    the model's ``scale``: an upscaler returns the page cleaned at twice the size).

    A page the model would barely change is returned untouched: on an already clean page even
    invisible edits to anti-aliasing can change how Tesseract segments it, and never making
    a good page worse matters more than polishing it. Reversed text (white on dark) is made
    dark-on-light first (``polarity``): the network would take its dark ground for a stain.
    Specks it left (ink narrower than the print's dots) are painted over (``despeckle``).
    ``run`` replaces the plain ``run_batch(model, x)`` for each padded page or tile (a
    worker's batcher).
    """
    settings = get_settings()
    page = np.ascontiguousarray(page, dtype=np.float32)
    if settings.fix_polarity:
        page = normalise_polarity(page)
    if model.arch != "pagenet":
        return _denoise_patches(model, page)
    # tile and overlap are the output's pixels (what memory scales with), the input's for a cleaner
    tile = (tile or settings.tile) // model.scale
    overlap = (settings.tile_overlap if overlap is None else overlap) // model.scale
    h, w = page.shape
    if h <= tile + 2 * overlap and w <= tile + 2 * overlap:
        cleaned = _denoise_whole(model, page, run)
    else:
        cleaned = _denoise_tiled(model, page, tile, overlap, run)
    # the mean change, in one pass (np.abs(cleaned - page).mean() makes two pages of temporaries)
    if model.scale == 1 and cv2.norm(cleaned, page, cv2.NORM_L1) / page.size < settings.keep_clean_below:
        # the page as it was, but for its specks: a dust-only page counts as clean
        return despeckle(page) if settings.despeckle else page
    return despeckle(cleaned, in_place=True) if settings.despeckle else cleaned  # the network's page: ours to paint
