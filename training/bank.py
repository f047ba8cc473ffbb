"""A bank of pages degraded by Augraphy, the document-degradation library of this field:
someone else's idea of damage, for validating (and optionally training) on pages the fast
generator did not make.

Augraphy takes a second or more per page, too slow to feed training live, so the bank is
rendered once into a folder in the layout ``pagewash benchmark`` reads (``NAME.png``,
``NAME.clean.png``, ``NAME.gt.txt``). Only steps that
keep every pixel where it was are used (no folding, shifting or page borders), so the clean
render stays an exact target. Needs the optional dependency: ``pip install augraphy``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from training.render import render_page


def pipeline() -> Callable[[np.ndarray], np.ndarray]:
    """Ink, paper and scanner phases of pixel-aligned Augraphy steps, each at random."""
    import augraphy as A

    ink = [
        A.InkBleed(p=0.4),
        A.OneOf([A.LowInkRandomLines(), A.LowInkPeriodicLines()], p=0.4),
        A.InkMottling(p=0.3),
        A.Hollow(p=0.05),
    ]
    paper = [
        A.ColorPaper(p=0.4),
        A.NoiseTexturize(p=0.5),
        A.BrightnessTexturize(p=0.5),
        A.Stains(p=0.3),
    ]
    post = [
        A.OneOf([A.DirtyDrum(), A.DirtyRollers(), A.BadPhotoCopy()], p=0.6),
        A.OneOf([A.LightingGradient(), A.ShadowCast(), A.ReflectedLight()], p=0.4),
        A.OneOf([A.SubtleNoise(), A.LowLightNoise(), A.NoisyLines()], p=0.5),
        A.OneOf([A.Dithering(), A.Faxify()], p=0.1),
        A.Jpeg(p=0.3),
        A.Gamma(p=0.3),
    ]
    return A.AugraphyPipeline(ink_phase=ink, paper_phase=paper, post_phase=post)


def grey(img: np.ndarray) -> np.ndarray:
    if img.ndim == 3:
        img = np.asarray(Image.fromarray(img[..., :3]).convert("L"))
    return img


def write_bank(out: Path, n: int, seed: int, split: str = "val", progress: Callable[[], None] | None = None) -> int:
    """``n`` pages rendered by our renderer (``split`` fonts) and degraded by Augraphy;
    returns how many were written (a page whose result changed size is skipped)."""
    out.mkdir(parents=True, exist_ok=True)
    augment, written = pipeline(), 0
    for i in range(n):
        rng = random.Random(f"bank:{seed + i}")
        width = rng.randint(800, 1400)
        clean, text, _ = render_page(rng, split, width, int(width * rng.uniform(1.1, 1.45)))
        random.seed(seed + i)  # Augraphy draws from the global generators
        np.random.seed((seed + i) % 2**32)
        noisy = grey(augment(np.stack([clean] * 3, -1)))
        if noisy.shape == clean.shape:
            name = f"bank{seed + i:07d}"
            Image.fromarray(noisy).save(out / f"{name}.png")
            Image.fromarray(clean).save(out / f"{name}.clean.png")
            (out / f"{name}.gt.txt").write_text(text + "\n")
            written += 1
        if progress:
            progress()
    return written
