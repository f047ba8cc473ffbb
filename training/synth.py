"""Synthetic (clean, degraded, text) triples, deterministic from a seed.

Training pages use the training fonts; the held-out split ("val") uses font families
training never sees, and seeds from a separate range, so validation numbers speak for
unseen typefaces and unseen pages.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import cv2
import numpy as np

from pagewash.imageio import to_u8
from training.degrade import degrade
from training.render import render_page

GENERATOR_VERSION = "2"  # 2: forms with boxes, grids, reversed bands and slides; dropout, grain, wrinkles, colour


@dataclass
class Sample:
    clean: np.ndarray  # (H, W) uint8, 255 = paper
    noisy: np.ndarray  # (H, W) uint8, same geometry as clean
    text: str  # ground truth in reading order
    meta: dict = field(default_factory=dict)


def rotate(img: np.ndarray, angle: float) -> np.ndarray:
    """Rotate about the centre, filling with white (small scan skew)."""
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=1.0)


def make_sample(
    seed: int, split: str = "train", size: tuple[int, int] | None = None, show_through_p: float = 0.3
) -> Sample:
    """One triple. ``size`` (width, height) fixes the page size; by default it varies per seed.
    ``show_through_p`` is the base chance of show-through (a training knob; keep the default
    for anything that is scored)."""
    rng = random.Random(f"{split}:{seed}")
    nrng = np.random.default_rng(rng.getrandbits(64))
    if size is None:
        width = rng.randint(640, 1400)
        size = (width, int(width * rng.uniform(0.9, 1.45)))
    img, text, meta = render_page(rng, split, *size)
    clean = img.astype(np.float32) / 255
    if rng.random() < 0.35:
        angle = rng.uniform(-2.5, 2.5)
        clean = rotate(clean, angle)
        meta["angle"] = round(angle, 2)
    back = None
    if rng.random() < 0.5:
        back_img, _, _ = render_page(rng, split, *size)
        back = 1 - back_img.astype(np.float32) / 255
    # 10% of pages stay clean so the model learns to leave good pages alone.
    severity = 0.0 if rng.random() < 0.1 else rng.uniform(0.15, 1.0) ** 0.7
    if severity == 0.0:
        noisy, applied = clean, []
    else:
        noisy, applied = degrade(nrng, clean, back, severity, show_through_p)
    meta.update(severity=round(severity, 2), degradations=applied)
    return Sample(to_u8(clean), to_u8(noisy), text, meta)


# Benchmark-set categories: the first group (in this order) that a page's degradations touch.
CATEGORIES = [
    ("showthrough", {"show_through"}),
    ("photo", {"lighting", "motion_blur", "wrinkles"}),
    ("stained", {"stains", "creases"}),
    (
        "scanner",
        {"scanner_streaks", "toner_speckle", "salt_pepper", "dark_borders", "halftone", "heavy_grain", "mottled_toner"},
    ),
    ("faded", {"faded_ink", "worn_ink", "ink_bleed", "low_contrast", "toner_dropout", "colour_text", "faint_print"}),
    ("colour", {"colour_bands"}),
    ("noisy", {"gaussian_noise", "speckle_noise", "defocus", "jpeg", "paper"}),
]


def category(degradations: list[str]) -> str:
    for name, members in CATEGORIES:
        if members & set(degradations):
            return name
    return "clean"
