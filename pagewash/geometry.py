"""How a page was set upright and straight before Tesseract read it, and the way back for
the boxes Tesseract finds.

The chain turns a page by quarter turns (``pagewash.orient``) and then undoes its skew
(``pagewash.deskew``). Callers still expect every box in the pixels of the page they sent,
as after upscaling. A box on the corrected page maps back to the axis-aligned box around
its four corners in the input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pagewash import deskew, orient

MIN_MARGIN = 2.0  # summed log-probability by which a quarter turn must beat the runner-up to be made
# A turn the raw page gives by less than this is looked at again on the page cleaned as it came,
# and not made where that page reads upright by ``VETO`` or more: heavy grain and stains pass for
# sideways letters on a raw page (4 of 40 degraded generator pages were turned that way, every one
# by a margin under 13, and found upright by 9 or more once cleaned; of 120 more, 6, one of them
# by 25; the two true turns of forms the cleaned page took for upright, by under 6, had raw
# margins of 42 and 162: docs/benchmarks.md#orientation)
SURE = 40.0
VETO = 6.0

Box = tuple[int, int, int, int]  # left, top, right, bottom (right and bottom exclusive)


@dataclass(frozen=True)
class Geometry:
    """``np.rot90(page, -quarter)`` (the page had been turned ``quarter`` times
    counter-clockwise), then ``deskew.rotate(.., -angle)``, on a page of ``shape`` (H, W) at
    scale 1."""

    shape: tuple[int, int]
    quarter: int = 0
    angle: float = 0.0

    @property
    def identity(self) -> bool:
        return self.quarter % 4 == 0 and self.angle == 0

    def turned_shape(self, scale: int = 1) -> tuple[int, int]:
        h, w = self.shape[0] * scale, self.shape[1] * scale
        return (w, h) if self.quarter % 2 else (h, w)

    def turn(self, page: np.ndarray) -> np.ndarray:
        """The page upright, not yet straightened; itself if it was upright."""
        return np.ascontiguousarray(np.rot90(page, -self.quarter)) if self.quarter % 4 else page

    def straighten(self, page: np.ndarray) -> np.ndarray:
        """An upright page (``turn``'s) straightened; itself if it was straight."""
        return deskew.rotate(page, -self.angle, expand=False) if self.angle else page

    def apply(self, page: np.ndarray) -> np.ndarray:
        """The page (the input at any integer scale) upright and straight; itself if nothing
        is to be done."""
        return self.straighten(self.turn(page))

    def to_input(self, box: Box, scale: int = 1) -> Box:
        """A box on the corrected page (at ``scale`` times the input) -> the box around the
        same place on the input, in its pixels, clipped to it."""
        if self.identity and scale == 1:
            return box
        left, top, right, bottom = box
        pts = np.array([[left, top], [right, top], [left, bottom], [right, bottom]], np.float64)
        th, tw = self.turned_shape(scale)
        if self.angle:  # undo the straightening: the inverse of the rotation deskew applied
            m, _ = deskew.rotation((th, tw), -self.angle, expand=False)
            inv = np.linalg.inv(np.vstack([m, [0, 0, 1]]))[:2]
            pts = pts @ inv[:, :2].T + inv[:, 2]
        pts = unturn(pts, self.quarter % 4, (th, tw))
        pts /= scale
        h, w = self.shape
        x0, y0 = np.clip(np.floor(pts.min(0)), 0, [w, h])
        x1, y1 = np.clip(np.ceil(pts.max(0)), 0, [w, h])
        return int(x0), int(y0), int(x1), int(y1)


def unturn(pts: np.ndarray, quarter: int, turned: tuple[int, int]) -> np.ndarray:
    """Points (x, y) on ``np.rot90(page, -quarter)`` (of shape ``turned``) -> on ``page``.
    Coordinates are box edges, not pixel centres, so a turn maps x to the turned side's
    length less x."""
    th, tw = turned
    x, y = pts[:, 0], pts[:, 1]
    if quarter == 0:
        return pts
    if quarter == 1:  # clockwise once: page (px, py) -> (H - py, px); back: px = y, py = tw - x
        return np.stack([y, tw - x], 1)
    if quarter == 2:
        return np.stack([tw - x, th - y], 1)
    return np.stack([th - y, x], 1)  # quarter 3: counter-clockwise once


def quarter_of(page: np.ndarray) -> int:
    """The quarter turns (counter-clockwise) ``page`` has had, measured on the page as it came:
    the cleaner reads upright text, and the network learned raw and degraded pages alike. A
    turn the network is unsure of is not made, nor one of a page with too little text to
    tell (a photo, a page of stripes: the network answers for any picture)."""
    return turn_of(page)[0]


def turn_of(page: np.ndarray) -> tuple[int, float]:
    """(``quarter_of``'s answer, the network's margin for its best answer; 0 for a page with
    too little text)."""
    if not has_text(page):
        return 0, 0.0
    k, margin = orient.quarter(page)
    return decided(k, margin), margin


def in_doubt(quarter: int, margin: float) -> bool:
    """A turn to look at again on the page cleaned as it came (``upright_after_all``)."""
    return quarter % 4 != 0 and margin < SURE


def upright_after_all(cleaned: np.ndarray) -> bool:
    """The page cleaned as it came reads upright, surely enough to overrule a doubtful turn
    found on the raw page. Only a veto: the cleaner learned upright text, and on sideways pages
    cleaned as they came the network is less sure than on the raw page."""
    k, margin = orient.quarter(cleaned)
    return k == 0 and margin >= VETO


def has_text(page: np.ndarray) -> bool:
    """Enough letter-like ink to tell which way up a page is."""
    return len(deskew.text_pixels(page, deskew.WIDTH)[0]) >= deskew.MIN_PIXELS


def decided(k: int, margin: float) -> int:
    """The turn the chain makes of the network's answer: none where it is unsure."""
    return k if margin >= MIN_MARGIN else 0


def skew_of(page: np.ndarray) -> float:
    """The skew of an upright ``page`` to undo, in degrees (``deskew.correction``: 0 for a
    page straight enough, or one whose lines straightening would hardly sharpen). Measured
    on the cleaned page where there is one: stains and speckle pass for text on a raw page
    and blur the profile (docs/benchmarks.md#deskew)."""
    return round(deskew.correction(page), 3)
