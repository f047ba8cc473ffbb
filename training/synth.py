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

from pagewash.despeckle import stroke_width
from pagewash.imageio import to_u8
from training.degrade import creases, degrade, dust, gaussian, gaussian_noise, jpeg, lighting, paper, stains, wrinkles
from training.render import render_page

GENERATOR_VERSION = "3"  # 3: dust, paper pages (both opt-in); 2: forms, grids, reversed bands, slides; dropout, grain


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


def seeded(key: str) -> tuple[random.Random, np.random.Generator]:
    """The two generators a page is drawn with (layout and text; pixels), from one key."""
    rng = random.Random(key)
    return rng, np.random.default_rng(rng.getrandbits(64))


def page_size(rng: random.Random, widths: tuple[int, int], aspects: tuple[float, float]) -> tuple[int, int]:
    """(width, height): a width in ``widths``, a height that many times it in ``aspects``."""
    width = rng.randint(*widths)
    return width, int(width * rng.uniform(*aspects))


def make_sample(
    seed: int,
    split: str = "train",
    size: tuple[int, int] | None = None,
    show_through_p: float = 0.3,
    dust_p: float = 0.0,
) -> Sample:
    """One triple. ``size`` (width, height) fixes the page size; by default it varies per seed.
    ``show_through_p`` is the base chance of show-through, ``dust_p`` of dust (training knobs;
    keep the defaults for anything that is scored as before)."""
    rng, nrng = seeded(f"{split}:{seed}")
    size = size or page_size(rng, (640, 1400), (0.9, 1.45))
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
        noisy, applied = degrade(nrng, clean, back, severity, show_through_p, dust_p)
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


def make_paper_sample(seed: int, split: str = "train", size: tuple[int, int] | None = None) -> Sample:
    """A page whose print is fine and whose paper is not: crumpled and lit from the side,
    creased, stained, spotted with dust. The ink is the same on both pages of the pair (its
    soft, anti-aliased edges, the grey of the print, the blur of the scanner): the clean
    page is the page as it was printed, so a cleaner learns to take the paper away and leave
    the strokes exactly as they were, neither bolder nor harder. Made differently from the
    ordinary stream (``degrade``), which darkens and sharpens the ink it damaged."""
    rng, nrng = seeded(f"paper:{split}:{seed}")
    if size is None:
        width = rng.choice([540, 540, rng.randint(400, 1100)])
        size = (width, rng.choice([258, 420, int(width * rng.uniform(0.5, 1.4))]))
    while True:  # dark print on light paper: slides and reversed bands are the ordinary stream's business
        img, text, meta = render_page(rng, split, *size, xheight_range=(7, 22))
        if not {"slide", "reversed"} & set(meta.get("blocks", ())):
            break
    ink = 1 - img.astype(np.float32) / 255
    ink = gaussian(ink, rng.uniform(0.0, 0.8)) * rng.uniform(0.85, 1.0)  # the scanner's optics, the print's grey
    clean = np.clip(1 - ink, 0, 1).astype(np.float32)
    s = rng.uniform(0.4, 1.0)
    applied = ["wrinkles"]
    page = clean * wrinkles(nrng, clean.shape, s)  # crumpled paper under a lamp: every page of this kind
    for name, p, step in (("paper", 0.9, paper), ("stains", 0.6, stains), ("creases", 0.5, creases)):
        if rng.random() < p:
            page = page * step(nrng, clean.shape, s)
            applied.append(name)
    if rng.random() < 0.5:
        page = page * lighting(nrng, clean.shape, 0.5 * s)
        applied.append("lighting")
    if rng.random() < 0.7:
        page = dust(nrng, np.clip(page, 0, 1), s, stroke_width(clean))
        applied.append("dust")
    if rng.random() < 0.5:
        page = gaussian_noise(nrng, page, 0.5 * s)
        applied.append("gaussian_noise")
    page = np.clip(page, 0, 1).astype(np.float32)
    if rng.random() < 0.3:
        page = jpeg(nrng, page, 0.5 * s)
        applied.append("jpeg")
    meta.update(kind="paper", severity=round(s, 2), degradations=applied)
    return Sample(to_u8(clean), to_u8(page), text, meta)


def make_dust_sample(seed: int, split: str = "val", size: tuple[int, int] | None = None) -> Sample:
    """A clean page under dust and pepper noise only, at real strengths (dense, clustered,
    on the strokes too): what the speck benchmark counts, since nothing else on the page can
    have taken an i's dot or a full stop away."""
    rng, nrng = seeded(f"dust:{split}:{seed}")
    img, text, meta = render_page(rng, split, *(size or page_size(rng, (540, 1300), (0.6, 1.4))))
    clean = img.astype(np.float32) / 255
    noisy = dust(nrng, clean, rng.uniform(0.5, 1.0), stroke_width(clean))
    meta.update(kind="dust", degradations=["dust"])
    return Sample(img, to_u8(noisy), text, meta)
