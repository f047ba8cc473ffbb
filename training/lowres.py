"""Low-resolution training pairs: a degraded page scanned at 1/scale of the resolution it is
rendered at, paired with the clean page at full resolution, for the clean-and-upscale model.

Low-resolution pages reach OCR by several roads, and each leaves its own marks, so the
sampling step is drawn from all of them:

- a plain low-dpi scan: optics blur the page, the sensor averages each pixel's area;
- a fax or bilevel archive scan, later shrunk for storage: the page is thresholded at the
  higher resolution (with the threshold's own jagged edges), then averaged down to grey;
- a thumbnail or a screenshot: bilinear, bicubic or nearest resizing with no blur at all;
- a phone photo from too far away: blur, sensor noise, JPEG at the low resolution.

The page's own damage (stains, show-through, faded ink...) happens on paper, before the
scan, so it is applied at full resolution with the ordinary generator; sensor noise,
dithering and compression happen after sampling, at the low resolution.
"""

from __future__ import annotations

import random

import cv2
import numpy as np

from pagewash.imageio import to_u8
from training.degrade import degrade, gaussian, jpeg, salt_pepper
from training.render import render_page
from training.synth import Sample, rotate

# Full-resolution x-heights of the clean targets: at scale 2 the inputs hold text of about
# 4-16 px, the range ``pagewash.textsize`` sends to the 2x model, with some margin each side.
TARGET_XHEIGHT = (8.0, 32.0)


def downsample(rng: random.Random, img: np.ndarray, scale: int) -> tuple[np.ndarray, str]:
    """One of the ways a page ends up with 1/scale of its pixels along each side."""
    h, w = img.shape
    size = (w // scale, h // scale)
    road = rng.choices(["scan", "bilevel", "resize", "photo"], [0.35, 0.3, 0.2, 0.15])[0]
    if road == "bilevel":
        blurred = gaussian(img, rng.uniform(0.0, 0.6) * scale)
        threshold = rng.uniform(0.35, 0.7)
        img = (blurred > threshold).astype(np.float32)
        return cv2.resize(img, size, interpolation=cv2.INTER_AREA), road
    if road == "resize":
        mode = rng.choice([cv2.INTER_LINEAR, cv2.INTER_CUBIC, cv2.INTER_NEAREST, cv2.INTER_AREA])
        return np.clip(cv2.resize(img, size, interpolation=mode), 0, 1), road
    sigma = rng.uniform(0.3, 0.7) * scale if road == "scan" else rng.uniform(0.5, 1.0) * scale
    return cv2.resize(gaussian(img, sigma), size, interpolation=cv2.INTER_AREA), road


def sensor(nrng: np.random.Generator, rng: random.Random, img: np.ndarray, road: str) -> tuple[np.ndarray, list[str]]:
    """What happens after sampling: noise, a re-threshold, dithering, compression."""
    applied = []
    if rng.random() < (0.7 if road == "photo" else 0.35):
        img = img + nrng.standard_normal(img.shape, dtype=np.float32) * rng.uniform(0.01, 0.08)
        applied.append("lr_noise")
    if road == "bilevel" and rng.random() < 0.3:  # stored bilevel again at the low resolution
        img = (img > rng.uniform(0.4, 0.65)).astype(np.float32)
        applied.append("lr_threshold")
    if rng.random() < 0.12:
        img = salt_pepper(nrng, np.clip(img, 0, 1), rng.uniform(0.2, 0.8))
        applied.append("lr_salt_pepper")
    if rng.random() < (0.6 if road == "photo" else 0.25):
        img = jpeg(nrng, np.clip(img, 0, 1), rng.uniform(0.2, 1.0))
        applied.append("lr_jpeg")
    return np.clip(img, 0, 1).astype(np.float32), applied


def make_lowres_sample(
    seed: int,
    split: str = "train",
    scale: int = 2,
    show_through_p: float = 0.3,
    size: tuple[int, int] | None = None,
) -> Sample:
    """(clean page at full resolution, degraded page at 1/scale, text); deterministic from the
    seed. ``size`` (width, height) of the full-resolution page; by default it varies."""
    rng = random.Random(f"lowres{scale}:{split}:{seed}")
    nrng = np.random.default_rng(rng.getrandbits(64))
    width = rng.randint(640, 1400) // (4 * scale) * (4 * scale)
    height = int(width * rng.uniform(0.9, 1.45)) // (4 * scale) * (4 * scale)
    if size is not None:
        width, height = size
    img, text, meta = render_page(rng, split, width, height, TARGET_XHEIGHT)
    clean = img.astype(np.float32) / 255
    if rng.random() < 0.3:
        angle = rng.uniform(-2.0, 2.0)
        clean = rotate(clean, angle)
        meta["angle"] = round(angle, 2)
    applied: list[str] = []
    paper = clean
    if rng.random() < 0.7:  # damage on the paper, before the scan (the ordinary generator, milder)
        back = None
        if rng.random() < 0.4:
            back = 1 - render_page(rng, split, width, height, TARGET_XHEIGHT)[0].astype(np.float32) / 255
        paper, applied = degrade(nrng, clean, back, rng.uniform(0.1, 0.8) ** 0.8, show_through_p)
    small, road = downsample(rng, paper, scale)
    noisy, after = sensor(nrng, rng, small, road)
    meta.update(scale=scale, road=road, degradations=applied + after)
    return Sample(to_u8(clean), to_u8(noisy), text, meta)
