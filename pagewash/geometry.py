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

from pagewash import deskew

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

    def apply(self, page: np.ndarray) -> np.ndarray:
        """The page (the input at any integer scale) upright and straight; itself if nothing
        is to be done."""
        if self.identity:
            return page
        out = np.ascontiguousarray(np.rot90(page, -self.quarter)) if self.quarter % 4 else page
        return deskew.rotate(out, -self.angle) if self.angle else out

    def to_input(self, box: Box, scale: int = 1) -> Box:
        """A box on the corrected page (at ``scale`` times the input) -> the box around the
        same place on the input, in its pixels, clipped to it."""
        if self.identity and scale == 1:
            return box
        left, top, right, bottom = box
        pts = np.array([[left, top], [right, top], [left, bottom], [right, bottom]], np.float64)
        th, tw = self.turned_shape(scale)
        if self.angle:  # undo the straightening: the inverse of the rotation deskew applied
            m, _ = deskew.rotation((th, tw), -self.angle)
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
