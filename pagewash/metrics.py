"""Metrics that mirror the job: OCR character and word error rates, order-free word recall,
and pixel error against the clean page. CER and WER come from jiwer (Levenshtein over
characters or words) after collapsing whitespace, since layout is not content."""

from __future__ import annotations

from collections import Counter

import jiwer
import numpy as np


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

DARK = 0.5  # a pixel darker than this is ink


def _unit(page: np.ndarray) -> np.ndarray:
    return page.astype(np.float32) / (255 if page.dtype == np.uint8 else 1)


def regions(clean: np.ndarray) -> dict[str, np.ndarray]:
    """The clean page's pixels as ``edge`` (within a pixel of a stroke's boundary, where
    anti-aliasing lives), ``ink`` (the strokes' insides) and ``background`` (paper at least
    two pixels from any ink)."""
    import cv2

    c = _unit(clean)
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
    c, o = _unit(clean), _unit(out)
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


def _components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return n, labels, stats


def specks(clean: np.ndarray, noisy: np.ndarray, out: np.ndarray) -> dict[str, float]:
    """Specks on the paper, and the small marks of the print: ``specks_in`` pieces of dark ink
    on the noisy page narrower than the print's dots (``despeckle.largest_speck``; where
    dust lies thick, specks touch, and a clump of them is a blot, not a speck) that touch
    none of the clean page's ink, ``specks_left`` of those still
    dark on the cleaned page (half their pixels or more), ``marks`` the clean page's dots
    (an i's dot, a full stop: pieces no wider than two strokes), ``marks_kept`` those still
    dark on the cleaned page."""
    import cv2

    from pagewash.despeckle import largest_speck, stroke_width

    c, o = _unit(clean), _unit(out)
    near_ink = cv2.dilate((c < 0.9).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    n, labels, stats = _components(_unit(noisy) < DARK)
    dark_out = o < DARK
    specks_in = specks_left = 0
    if n > 1:
        touches = np.bincount(labels[near_ink], minlength=n) > 0
        sizes = np.bincount(labels.ravel(), minlength=n)
        still = np.bincount(labels[dark_out], minlength=n)
        alone = ~touches & (np.maximum(stats[:, 2], stats[:, 3]) <= largest_speck(stroke_width(clean)))
        alone[0] = False
        specks_in = int(alone.sum())
        specks_left = int((alone & (still * 2 >= sizes)).sum())
    width = max(stroke_width(clean), 1.0)
    n, labels, stats = _components(c < DARK)
    small = [i for i in range(1, n) if max(stats[i, 2], stats[i, 3]) <= 2 * width + 1 and stats[i, 4] >= 0.3 * width**2]
    kept = 0
    if small:
        sizes = np.bincount(labels.ravel(), minlength=n)
        still = np.bincount(labels[dark_out], minlength=n)
        kept = sum(1 for i in small if still[i] * 2 >= sizes[i])
    return {"specks_in": specks_in, "specks_left": specks_left, "marks": len(small), "marks_kept": kept}
