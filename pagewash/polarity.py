"""Reversed text (white on a dark band, a dark slide, a dark table header) turned into dark
text on light paper before the network sees it.

The network learned that dark areas are stains and shadows to whiten; on white-on-dark text
that erases the letters. Tesseract also reads dark-on-light best. So regions whose local
background is dark and which hold light strokes are inverted first; everything downstream
then sees an ordinary page. A dark area with nothing light in it (a scanner border, a black
bar, a shadow) is left for the network.
"""

from __future__ import annotations

import cv2
import numpy as np

from pagewash.classical import pieces
from pagewash.imageio import to_u8

WORK_SIDE = 600  # the background is estimated at about this many pixels on the long side
STROKE_SIDE = 1800  # ... and the strokes at this many
DARK_BACKGROUND = 0.55  # a local background (median) below this may carry reversed text (mid-grey slides too)
MIN_AREA = 0.004  # of the page: smaller dark spots are left alone
MIN_LETTER_PX = 6  # light blobs shorter than this (at the stroke scale) are dots, not letters
LIGHT_SHARE = (0.001, 0.4)  # share of a dark region's pixels that are light strokes when it is text
MIN_GAP = 0.3  # between the mean light stroke and the mean dark background


def reversed_mask(page: np.ndarray) -> np.ndarray | None:
    """Boolean (H, W) mask of the reversed-text regions of a grey page (1 = white), or None."""
    h, w = page.shape
    f = min(1.0, WORK_SIDE / max(h, w))
    small = cv2.resize(page, (max(int(w * f), 1), max(int(h * f), 1)), interpolation=cv2.INTER_AREA)
    k = max(3, int(min(small.shape) * 0.06) | 1)  # wider than a text line at this scale
    u8 = to_u8(small)
    background = cv2.medianBlur(u8, min(k, 255)).astype(np.float32) / 255
    dark = (background < DARK_BACKGROUND).astype(np.uint8)
    n, labels, stats = pieces(dark)
    if not (stats[1:, cv2.CC_STAT_AREA] >= MIN_AREA * dark.size).any():
        return None  # no dark region big enough (most pages): the finer scale below is not needed
    g = min(1.0, STROKE_SIDE / max(h, w))  # strokes are judged at a finer scale: thin ones vanish at the coarse one
    finer = cv2.resize(page, (max(int(w * g), 1), max(int(h * g), 1)), interpolation=cv2.INTER_AREA)
    smooth = cv2.medianBlur(to_u8(finer), 3)  # grain and dots out
    keep = np.zeros_like(dark)
    for i in range(1, n):
        if stats[i, cv2.CC_STAT_AREA] < MIN_AREA * dark.size:
            continue
        region = labels == i
        # judged on the interior: at the rim, the median's rounding lets light paper in
        inside = cv2.erode(region.astype(np.uint8), np.ones((k, k), np.uint8)).astype(bool)
        if inside.sum() < 0.25 * MIN_AREA * dark.size:
            continue
        # Text is the minority class and stands well clear of its background: a few light
        # strokes on the dark. A shadow over dark text splits the other way round (its light
        # class, the paper, is the majority), and noise or halftone dots have no clear gap.
        inside = cv2.resize(inside.astype(np.uint8), smooth.shape[::-1], interpolation=cv2.INTER_NEAREST)
        values = smooth[inside.astype(bool)]
        t, _ = cv2.threshold(values.reshape(-1, 1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        light = values > t
        share = float(light.mean())
        gap = (float(values[light].mean()) - float(values[~light].mean())) / 255 if 0 < share < 1 else 0.0
        if LIGHT_SHARE[0] <= share <= LIGHT_SHARE[1] and gap >= MIN_GAP and letter_sized(smooth, inside, t):
            keep[region] = 1
    if not keep.any():
        return None
    keep = cv2.dilate(keep, np.ones((3, 3), np.uint8))  # the band's edge, which the median rounds off
    return cv2.resize(keep, (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)


def letter_sized(smooth: np.ndarray, inside: np.ndarray, threshold: float) -> bool:
    """Most light pixels belong to blobs at least letter-high: text, not the dots of a
    halftoned shadow or speckle."""
    light = ((smooth > threshold) & inside.astype(bool)).astype(np.uint8)
    n, _, stats = pieces(light)
    if n <= 1:
        return False
    areas, heights = stats[1:, cv2.CC_STAT_AREA], stats[1:, cv2.CC_STAT_HEIGHT]
    return float(areas[heights >= MIN_LETTER_PX].sum()) >= 0.5 * float(areas.sum())


def normalise_polarity(page: np.ndarray) -> np.ndarray:
    """The page with its reversed-text regions inverted (the same page when it has none)."""
    mask = reversed_mask(page)
    if mask is None:
        return page
    out = page.astype(np.float32)  # a copy, turned where the mask says (not a pass through np.where)
    np.subtract(np.float32(1), out, out=out, where=mask)
    return out
