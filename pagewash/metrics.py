"""Metrics that mirror the job: OCR character and word error rates, order-free word recall,
and pixel error against the clean page. CER and WER come from jiwer (Levenshtein over
characters or words) after collapsing whitespace, since layout is not content."""

from __future__ import annotations

from collections import Counter

import cv2
import jiwer
import numpy as np

from pagewash.classical import pieces
from pagewash.despeckle import DARK, largest_speck, stroke_width
from pagewash.imageio import to_unit


def normalize_text(text: str) -> str:
    """Collapse all whitespace: layout (line breaks, column gaps) is not what CER should count."""
    return " ".join(text.split())


def cer(reference: str, hypothesis: str) -> float:
    ref, hyp = normalize_text(reference), normalize_text(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return float(jiwer.cer(ref, hyp))


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = normalize_text(reference), normalize_text(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return float(jiwer.wer(ref, hyp))


def word_recall(reference: str, hypothesis: str) -> float:
    """Share of the reference's words found in the hypothesis, as multisets (reading order ignored)."""
    ref, hyp = Counter(reference.split()), Counter(hypothesis.split())
    total = sum(ref.values())
    return 1.0 if not total else sum((ref & hyp).values()) / total


def rmse(a: np.ndarray, b: np.ndarray) -> float:
    """On [0, 1] intensities, as the dirty-documents benchmark reports it."""
    a = a.astype(np.float64) / (255 if a.dtype == np.uint8 else 1)
    b = b.astype(np.float64) / (255 if b.dtype == np.uint8 else 1)
    return float(np.sqrt(np.mean((a - b) ** 2)))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(20 * np.log10(1.0 / max(rmse(a, b), 1e-8)))


# ------------------------------------------------------------------ ink fidelity and specks
# A cleaner can read better and still change the ink: strokes made bolder, their soft edges
# made hard, specks left on the paper. These measure that against the clean page, by region,
# so a gain on the background cannot hide a loss on the strokes.


def regions(clean: np.ndarray) -> dict[str, np.ndarray]:
    """The clean page's pixels as ``edge`` (within a pixel of a stroke's boundary, where
    anti-aliasing lives), ``ink`` (the strokes' insides) and ``background`` (paper at least
    two pixels from any ink)."""
    c = to_unit(clean)
    ink = (c < DARK).astype(np.uint8)
    soft = (c < 0.9).astype(np.uint8)
    grown = cv2.dilate(soft, np.ones((3, 3), np.uint8)).astype(bool)
    edge = (grown & ~cv2.erode(ink, np.ones((3, 3), np.uint8)).astype(bool)) & (
        cv2.dilate(ink, np.ones((3, 3), np.uint8)).astype(bool) | (soft > 0)
    )
    background = ~cv2.dilate(soft, np.ones((5, 5), np.uint8)).astype(bool)
    return {"edge": edge, "ink": ink.astype(bool) & ~edge, "background": background}


def fidelity(clean: np.ndarray, out: np.ndarray) -> dict[str, float]:
    """How faithful a cleaned page's ink is to the clean page's: ``dark_change`` is the change
    in the share of dark pixels, relative (+0.11: strokes 11% bolder); RMSE on each region of
    ``regions``, and each region's share of the page's squared error; ``dark_clean`` and
    ``dark_out``, the shares themselves (a set's change is best taken from their sums: a page
    with almost no ink makes its own ratio meaningless)."""
    c, o = to_unit(clean), to_unit(out)
    err = (c - o) ** 2
    dark_clean = float((c < DARK).mean())
    dark_out = float((o < DARK).mean())
    found = {
        "dark_change": dark_out / dark_clean - 1 if dark_clean else 0.0,
        "dark_clean": dark_clean,
        "dark_out": dark_out,
        "rmse": rmse(c, o),
    }
    total = float(err.sum()) or 1.0
    for name, where in regions(clean).items():
        found[f"{name}_rmse"] = float(np.sqrt(err[where].mean())) if where.any() else 0.0
        found[f"{name}_share"] = float(err[where].sum()) / total
    return found


def set_dark_change(found: list[dict[str, float]]) -> float:
    """The change in dark pixels over a set of pages (``fidelity`` of each), from the sums."""
    return sum(f["dark_out"] for f in found) / max(sum(f["dark_clean"] for f in found), 1e-12) - 1


def specks(clean: np.ndarray, noisy: np.ndarray, out: np.ndarray) -> dict[str, float]:
    """Specks on the paper, and the small marks of the print: ``specks_in`` pieces of dark ink
    on the noisy page narrower than the print's dots (``despeckle.largest_speck``; where
    dust lies thick, specks touch, and a clump of them is a blot, not a speck) that touch
    none of the clean page's ink, ``specks_left`` of those still
    dark on the cleaned page (half their pixels or more), ``marks`` the clean page's dots
    (an i's dot, a full stop: pieces no wider than two strokes), ``marks_kept`` those still
    dark on the cleaned page."""
    c, o = to_unit(clean), to_unit(out)
    width = stroke_width(clean)
    dark_out = o < DARK

    def still_dark(labels: np.ndarray, stats: np.ndarray) -> np.ndarray:
        """Per piece: half its pixels or more dark on the cleaned page."""
        return np.bincount(labels[dark_out], minlength=len(stats)) * 2 >= stats[:, 4]

    near_ink = cv2.dilate((c < 0.9).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    n, labels, stats = pieces(to_unit(noisy) < DARK)
    alone = (np.bincount(labels[near_ink], minlength=n) == 0) & (stats[:, 2:4].max(axis=1) <= largest_speck(width))
    alone[0] = False
    left = alone & still_dark(labels, stats)
    n, labels, stats = pieces(c < DARK)
    dot = max(width, 1.0)
    small = (stats[:, 2:4].max(axis=1) <= 2 * dot + 1) & (stats[:, 4] >= 0.3 * dot**2)
    small[0] = False
    return {
        "specks_in": int(alone.sum()),
        "specks_left": int(left.sum()),
        "marks": int(small.sum()),
        "marks_kept": int((small & still_dark(labels, stats)).sum()),
    }
