"""Specks off the paper: isolated pieces of ink smaller than the print's own dots.

The network takes most dirt away, but a dark speck the size of a pixel or two looks to it
much like the end of a stroke, and it keeps many (on pages under dust and pepper noise,
the network alone left 97% of them: docs/benchmarks.md#ink-fidelity-and-specks). The
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

from pagewash.classical import pieces
from pagewash.imageio import to_unit

DARK = 0.5  # a pixel darker than this is ink
SOFT = 0.8  # and darker than this, the grey of ink (an anti-aliased edge, a soft stroke)


def _sample_rows(height: int, band: int = 256) -> np.ndarray:
    """Every fourth band of ``band`` rows of a page taller than four bands; all of a smaller one."""
    if height <= 4 * band:
        return np.arange(height)
    return np.concatenate([np.arange(y, min(y + band, height)) for y in range(0, height, 4 * band)])


def _letter_width(ink: np.ndarray, labels: np.ndarray, stats: np.ndarray) -> float:
    """``labels``/``stats``: the pieces of the page's ink, grey rims included."""
    big = np.zeros(len(stats), bool)
    big[1:] = stats[1:, 2:4].max(axis=1) >= 4
    if not big[1:].any():
        return 0.0
    rows = _sample_rows(ink.shape[0])  # a quarter of a large page is plenty to measure its strokes
    ink, labels = ink[rows], labels[rows]
    dist = cv2.distanceTransform(np.pad(ink.astype(np.uint8), 1), cv2.DIST_L2, 3)[1:-1, 1:-1]
    ridge = ink & (dist >= cv2.dilate(dist, np.ones((3, 3), np.float32)))
    ys, xs = np.nonzero(ridge)
    keep = big[labels[ys, xs]]  # the letters' middles only, whatever the specks say
    # a stroke w pixels wide has its middle w/2 (even w) or (w+1)/2 (odd) from the paper
    return float(2 * np.median(dist[ys[keep], xs[keep]]) - 0.5) if keep.any() else 0.0


def stroke_width(page: np.ndarray) -> float:
    """The typical width of a page's strokes, in pixels (float page, 1 = white, or uint8):
    from its letters (pieces of ink at least four pixels tall or wide), so specks cannot talk
    it down; 0 on a page with none."""
    page = to_unit(page)
    n, labels, stats = pieces(page < SOFT)
    return _letter_width(page < DARK, labels, stats) if n > 1 else 0.0


def largest_speck(width: float) -> int:
    """The widest a speck can be, in pixels, on print of stroke ``width``: a dot is as wide as
    a stroke, so a pixel less, rounded down; and a lone pixel always. (On generator pages of
    the finest print, strokes of a pixel or two, 21 of 14,591 pieces of the clean pages' ink
    were a lone pixel and 599 two pixels wide: their dots are two.) 0 on a page without
    letters."""
    return max(1, math.floor(width - 0.5)) if width > 0 else 0


def despeckle(page: np.ndarray, in_place: bool = False) -> np.ndarray:
    """``page`` (float32, 1 = white) with its specks painted over by the paper next to them.
    A speck is a piece of ink, grey rim and all (pixels under ``SOFT``), no wider than
    ``largest_speck``, or a pixel wider where that pixel is its rim: alone on the paper, as
    the dark core of a soft letter that broke up, or a speck on a stroke's edge, is not.
    ``in_place``: paint ``page`` itself (the cleaner's own output), not a copy."""
    soft, ink = page < SOFT, page < DARK
    n, labels, stats = pieces(soft)
    if n <= 1:
        return page
    limit = largest_speck(_letter_width(ink, labels, stats))
    if not limit:
        return page
    side, area = stats[:, 2:4].max(axis=1), stats[:, 4]
    inked = np.bincount(labels[ink], minlength=n)
    speck = (inked > 0) & (side <= limit)
    rimmed = (inked > 0) & (side == limit + 1) & (inked < area)  # a speck if its ink is no wider than a speck
    speck[0] = rimmed[0] = False
    if rimmed.any():
        ys, xs = pixels_of(labels, stats, np.flatnonzero(rimmed), ink)
        found = labels[ys, xs]
        order = np.argsort(found, kind="stable")
        found, ys, xs = found[order], ys[order], xs[order]
        starts = np.flatnonzero(np.r_[True, found[1:] != found[:-1]])
        tall = np.maximum.reduceat(ys, starts) - np.minimum.reduceat(ys, starts)
        wide = np.maximum.reduceat(xs, starts) - np.minimum.reduceat(xs, starts)
        speck[found[starts[np.maximum(tall, wide) < limit]]] = True
    if not speck.any():
        return page
    specks = speck[labels]
    box3 = np.ones((3, 3), np.uint8)
    where = cv2.dilate(specks.astype(np.uint8), box3).astype(bool) & ~(soft & ~specks)  # never other ink
    paper = cv2.dilate(page, np.ones((7, 7), np.uint8))  # the lightest pixel near: the paper's own tone
    out = page if in_place else page.copy()
    out[where] = paper[where]
    return out


def pixels_of(
    labels: np.ndarray, stats: np.ndarray, ids: np.ndarray, where: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) of the pixels of the pieces ``ids`` (small ones) that are set in
    ``where``, looked for within the pieces' boxes: not a pass over the whole page."""
    x0, y0, bw, bh = (stats[ids, k] for k in range(4))
    rows, cols = [], []
    for dy in range(int(bh.max())):
        for dx in range(int(bw.max())):
            fits = (dy < bh) & (dx < bw)
            y, x = y0[fits] + dy, x0[fits] + dx
            mine = (labels[y, x] == ids[fits]) & (where[y, x] > 0)
            rows.append(y[mine])
            cols.append(x[mine])
    return np.concatenate(rows), np.concatenate(cols)
