"""The page's skew, measured and undone: text lines are horizontal again before Tesseract's
layout analysis looks for them.

The angle is the one at which the page's text pixels, projected onto the vertical axis,
pile up into the sharpest rows (the sum of squares of the row profile peaks when the text
lines lie along the rows). At about 1600 px wide: a coarse search over +-10 degrees in
0.5-degree steps on a sample of the pixels, then a fine one in 0.05-degree steps around
its best on all of them, and a parabola through the fine peak. Only text-like pixels
count: connected components that are too tall, too wide or too solid to be letters (rules,
stains, dark borders, photos) are left out, so the rules of a form or a scanner streak do
not pull the angle to zero.

Projecting pixel coordinates needs no rotated copies of the page: each angle costs one
``bincount``. Measured on generator pages at known angles: ``docs/benchmarks.md#deskew``.

Tesseract's own angle (the median slope of its line baselines) is the comparison; OCRmyPDF's
``--deskew`` uses it, and it can be badly off (OCRmyPDF #1549).
"""

from __future__ import annotations

import cv2
import numpy as np

from pagewash.classical import pieces
from pagewash.imageio import to_u8

LIMIT = 10.0  # degrees either way: scans are rarely skewed more; beyond is the orientation step's business
STRAIGHT = 0.1  # degrees: a page within this is left as it is, byte for byte
WIDTH = 1600  # pixels wide the search works at
MIN_PIXELS = 400  # text pixels below this: too little text to measure (a blank or a photo), angle 0
MIN_GAIN = 0.1  # the chain straightens a page only where that sharpens its lines' profile by this share


def text_pixels(page: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of the pixels of letter-like ink, about the centre, on the page scaled to ``width``."""
    h, w = page.shape
    s = min(1.0, width / w)
    if s < 1:  # shrink first: converting a full 300-dpi page costs more than the whole search
        page = cv2.resize(page, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    small = to_u8(page)
    if small.mean() < 110:  # light text on a dark ground (a slide)
        small = 255 - small
    H, W = small.shape
    # the paper around the ink: a closing wider than a stroke, made at a quarter of the size (it is smooth)
    quarter = cv2.resize(small, (max(1, W // 4), max(1, H // 4)), interpolation=cv2.INTER_AREA)
    k = max(5, (min(quarter.shape) // 40) | 1)
    paper = cv2.morphologyEx(quarter, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    paper = cv2.resize(cv2.dilate(paper, np.ones((3, 3), np.uint8)), (W, H), interpolation=cv2.INTER_LINEAR)
    ink = (small.astype(np.float32) < 0.8 * np.maximum(paper.astype(np.float32), 1)).astype(np.uint8)
    _, labels, stats = pieces(ink)
    cw, ch, area = stats[:, 2], stats[:, 3], stats[:, 4]
    letter = (ch >= 2) & (ch <= H / 25) & (cw <= W / 8) & (area >= 3) & (area <= 0.9 * cw * ch + 1)
    letter[0] = False  # the background
    ys, xs = np.nonzero(letter[labels])
    return xs.astype(np.float32) - W / 2, ys.astype(np.float32) - H / 2


def sharpness(xs: np.ndarray, ys: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """For each angle, the sum of squares of the row profile of the points turned by it."""
    out = np.empty(len(angles))
    for i, a in enumerate(np.deg2rad(angles)):
        rows = ys * np.cos(a) + xs * np.sin(a)
        profile = np.bincount((rows - rows.min()).astype(np.int32)).astype(np.float64)
        out[i] = (profile * profile).sum()
    return out


def estimate(page: np.ndarray, limit: float = LIMIT) -> float:
    """The page's skew in degrees, counter-clockwise positive (``rotate(page, -angle)``
    straightens it); 0 where there is too little text to tell."""
    return measure(page, limit)[0]


def measure(page: np.ndarray, limit: float = LIMIT) -> tuple[float, float]:
    """(``estimate``'s angle, how much sharper the text lines' profile is at that angle than
    level: 0.1 is 10% sharper). A page of short lines (a form's fields) gains little from
    being straightened, and its resampling costs small print its strokes: measured on real
    forms, docs/benchmarks.md#deskew."""
    xs, ys = text_pixels(page, WIDTH)
    if len(xs) < MIN_PIXELS:
        return 0.0, 0.0
    step = max(1, len(xs) // 60_000)  # the coarse search needs far fewer points than the fine one
    coarse = np.arange(-limit, limit + 1e-9, 0.5)
    best = float(coarse[np.argmax(sharpness(xs[::step], ys[::step], coarse))])
    fine = np.arange(best - 0.5, best + 0.5 + 1e-9, 0.05)
    s = sharpness(xs, ys, fine)
    i = int(np.argmax(s))
    angle = float(fine[i])
    if 0 < i < len(s) - 1:  # the parabola through the peak and its neighbours
        bend = s[i - 1] - 2 * s[i] + s[i + 1]
        angle += 0.05 * (s[i - 1] - s[i + 1]) / (2 * bend) if bend else 0.0
    level = sharpness(xs, ys, np.array([0.0]))[0]
    return angle, float(s[i] / max(level, 1e-9) - 1)


def rotation(shape: tuple[int, int], angle: float, expand: bool = True) -> tuple[np.ndarray, tuple[int, int]]:
    """The 2x3 affine matrix that turns a page of ``shape`` by ``angle`` degrees about its
    centre, and the (H, W) of the canvas it lands on: just large enough to hold all of it
    (``expand``), or the page's own."""
    h, w = shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    if not expand:
        return m, (h, w)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(np.ceil(w * cos + h * sin)), int(np.ceil(w * sin + h * cos))
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return m, (nh, nw)


def rotate(page: np.ndarray, angle: float, expand: bool = True) -> np.ndarray:
    """The page turned by ``angle`` degrees (counter-clockwise positive), the uncovered corners
    white: on a canvas that holds all of it (``expand``; for making skewed test pages), or on
    the page's own size (the chain's straightening: a page keeps its size, and a straightened
    page's corners are margin). The page itself (not a copy) when the angle is 0."""
    if angle == 0:
        return page
    m, (nh, nw) = rotation(page.shape, angle, expand)
    white = 255 if page.dtype == np.uint8 else 1.0
    out = cv2.warpAffine(page, m, (nw, nh), flags=cv2.INTER_CUBIC, borderValue=white)
    return out if page.dtype == np.uint8 else np.clip(out, 0.0, 1.0)


def correction(page: np.ndarray) -> float:
    """The skew to undo, in degrees; 0 where the page is to be left as it is: within
    ``STRAIGHT`` of level (it comes through byte for byte), or where straightening would
    hardly sharpen its lines (``MIN_GAIN``: a form of short fields, whose small print the
    resampling costs more than the skew does)."""
    angle, gain = measure(page)
    return angle if abs(angle) >= STRAIGHT and gain >= MIN_GAIN else 0.0


def straighten(page: np.ndarray) -> tuple[np.ndarray, float]:
    """(the page with its skew undone, the skew in degrees); a page left as it is
    (``correction``) comes back itself, with angle 0."""
    angle = correction(page)
    return (rotate(page, -angle, expand=False), angle) if angle else (page, 0.0)
