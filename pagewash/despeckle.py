"""Specks off the paper: isolated pieces of ink smaller than the print's own dots.

The network takes most dirt away, but a dark speck the size of a pixel or two looks to it
much like the end of a stroke, and it keeps many (on pages under dust and pepper noise,
the shipped model left 87% of them: docs/benchmarks.md#ink-fidelity-and-specks). The
smallest marks a page's print makes are its dots (an i's dot, a full stop), and those are
as wide as its strokes. So after the network, every separate piece of dark ink narrower
than that, both ways, is painted over with the paper around it; an i's dot, a full stop
and everything bigger stay. The stroke width comes from the page's letters (pieces of ink
a few strokes tall), so the specks themselves cannot talk it down. A lone pixel is a speck
on any page with letters.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

DARK = 0.5  # a pixel darker than this is ink
SOFT = 0.8  # and darker than this, the grey of ink (an anti-aliased edge, a soft stroke)


def _pieces(ink: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    return n, labels, stats


def _letter_width(ink: np.ndarray, labels: np.ndarray, stats: np.ndarray) -> float:
    big = np.zeros(len(stats), bool)
    big[1:] = stats[1:, 2:4].max(axis=1) >= 4
    if not big[1:].any():
        return 0.0
    letters = big[labels] & ink
    dist = cv2.distanceTransform(np.pad(letters.astype(np.uint8), 1), cv2.DIST_L2, 3)[1:-1, 1:-1]
    ridge = letters & (dist >= cv2.dilate(dist, np.ones((3, 3), np.float32)))
    # a stroke w pixels wide has its middle w/2 (even w) or (w+1)/2 (odd) from the paper
    return float(2 * np.median(dist[ridge]) - 0.5) if ridge.any() else 0.0


def stroke_width(page: np.ndarray) -> float:
    """The typical width of a page's strokes, in pixels (float page, 1 = white, or uint8):
    from its letters (pieces of ink at least four pixels tall or wide), so specks cannot talk
    it down; 0 on a page with none."""
    ink = page < (DARK * 255 if page.dtype == np.uint8 else DARK)
    n, labels, stats = _pieces(ink)
    return _letter_width(ink, labels, stats) if n > 1 else 0.0


def largest_speck(width: float) -> int:
    """The widest a speck can be, in pixels, on print of stroke ``width``: a dot is as wide as
    a stroke, so a pixel less, rounded down; and a lone pixel always. (On generator pages of
    the finest print, strokes of a pixel or two, 21 of 14,591 pieces of the clean pages' ink
    were a lone pixel and 599 two pixels wide: their dots are two.) 0 on a page without
    letters."""
    return max(1, math.floor(width - 0.5)) if width > 0 else 0


def despeckle(page: np.ndarray) -> np.ndarray:
    """``page`` (float32, 1 = white) with its specks painted over by the paper next to them."""
    ink = page < DARK
    n, labels, stats = _pieces(ink)
    if n <= 1:
        return page
    limit = largest_speck(_letter_width(ink, labels, stats))
    if not limit:
        return page
    speck = np.zeros(n, bool)
    speck[1:] = stats[1:, 2:4].max(axis=1) <= limit
    if not speck.any():
        return page
    # alone on the paper: its grey (pixels under SOFT) joins no other ink's, as the dark core
    # of a soft letter that broke up, or a speck on a stroke's edge, would
    candidates = speck[labels] & ink
    _, soft_labels, soft_stats = _pieces(page < SOFT)
    soft_of = np.zeros(n, np.int64)
    soft_of[labels[candidates]] = soft_labels[candidates]
    speck &= soft_stats[soft_of, 2:4].max(axis=1) <= limit + 1  # its own grey rim: a pixel, no more
    speck[0] = False
    if not speck.any():
        return page
    where = cv2.dilate((speck[labels] & ink).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    where &= ~(ink & ~speck[labels])  # the speck and the grey around it, never other ink
    paper = cv2.dilate(page, np.ones((7, 7), np.uint8))  # the lightest pixel near: the paper's own tone
    out = page.copy()
    out[where] = paper[where]
    return out
