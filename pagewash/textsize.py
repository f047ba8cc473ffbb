"""How big is the text on a page, and how much should it grow before Tesseract reads it?

Tesseract reads best when lowercase letters are roughly 20-30 pixels tall (its own advice,
and what ``docs/benchmarks.md#text-size`` measured on our pages); faxes, phone shots and
thumbnails of scans are far below that, and an LSTM line recogniser cannot read detail the
pixels never held. The estimate is the x-height: the typical height of letter-sized
connected components of the binarised page, which for running text is set by the many
letters without ascenders or descenders (a c e m n o r s u v w x z). Noise and merged
letters bias it; upscaling is only worth it well below the band, so the threshold for
acting sits where a wrong estimate costs little (see ``UPSCALE_BELOW``).
"""

from __future__ import annotations

import numpy as np

from pagewash.classical import binarize, pieces

# Auto upscaling: pages whose estimated x-height is under UPSCALE_BELOW are upscaled 2x. A
# 200-dpi office scan of 10-point type has an x-height of about 12-14 px (estimated a little
# higher) and stays as it is; a 90-100 dpi fax or form (5-10 px) is doubled. Never 4x: on
# pages of 3-4 px x-height two passes of the 2x model read worse than one
# (benchmarks/text-band.json); ``upscale=4`` still asks for it.
UPSCALE_BELOW = 12.0
MIN_COMPONENTS = 30  # fewer letters in lines than this: no estimate (a photo, a blank or speckled page)
PERCENTILE = 30  # of component heights (weighted): below the ascender letters, above dots and commas


def in_lines(x0: np.ndarray, y0: np.ndarray, w: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Which boxes stand inside a line of text: with a box of similar height on the same
    baseline (or top line) within two heights on each side. Letters come in words and
    lines; specks, grain and the texture a heavy stain leaves come in clumps, so this is
    what tells a page of small print from a page of noise."""
    if len(h) < 2:
        return np.zeros(len(h), bool)
    size = float(np.median(h))
    cy, x1 = y0 + h / 2, x0 + w
    found = np.zeros(len(h), bool)
    for shift in (0.0, 0.5):  # two row grids, so a line on a grid boundary is seen by one
        row = np.floor(cy / size + shift)
        order = np.lexsort((x0, row))
        a, b = order[:-1], order[1:]  # each box and the next one to its right on its row
        tall = np.maximum(h[a], h[b])
        mates = (
            (row[a] == row[b])
            & (x0[b] - x1[a] < 2 * tall)
            & (  # on one baseline, or (letters with descenders) one top line
                (np.abs(y0[a] + h[a] - y0[b] - h[b]) < 0.3 * tall) | (np.abs(y0[a] - y0[b]) < 0.3 * tall)
            )
            & (np.minimum(h[a], h[b]) > 0.5 * tall)
        )
        left = np.zeros(len(h), bool)
        right = np.zeros(len(h), bool)
        right[a[mates]] = True
        left[b[mates]] = True
        found |= left & right  # inside a word or a line: a neighbour on each side
    return found


def xheight(page: np.ndarray) -> float | None:
    """Estimated x-height in pixels of a grey page (float, 1 = white, or uint8), or None when the page
    holds too little text to tell. Meant for a cleaned page (what the OCR chain measures):
    the cleaner has already flattened the lighting, so a global threshold separates ink
    from paper."""
    boxes = ink_boxes(page)
    return None if boxes is None else text_of(boxes, page.shape[0])[0]


Text = tuple[float | None, int]  # (x-height or None, how many letters stand in lines)


def text_both_ways(page: np.ndarray) -> tuple[Text, Text]:
    """The text measured along the rows (``xheight``'s) and along the columns, from one pass
    over the ink. Letters stand in lines along the way the text runs, so a page with more
    of them in columns than in rows lies sideways."""
    boxes = ink_boxes(page)
    if boxes is None:
        return (None, 0), (None, 0)
    return text_of(boxes, page.shape[0]), text_of(boxes[:, [1, 0, 3, 2, 4]], page.shape[1])


def ink_boxes(page: np.ndarray) -> np.ndarray | None:
    """float (n, 5) x, y, width, height, area of the page's pieces of ink; None if none."""
    ink = (binarize(page) == 0).view(np.uint8)  # Otsu's ink
    if ink.mean() > 0.5:  # mostly dark: a reversed page, read its light strokes instead
        ink = 1 - ink
    n, _, stats = pieces(ink)
    return stats[1:, :5].astype(np.float64) if n > 1 else None


def text_of(boxes: np.ndarray, page_height: int) -> Text:
    """(the x-height of text set along the rows, or None; how many letters stand in such
    lines), from the page's pieces of ink (``ink_boxes``)."""
    x0, y0, w, h, area = boxes.T
    fill = area / np.maximum(w * h, 1)
    letters = (
        (h >= 2)  # noise specks
        & (h <= page_height / 8)  # rules, boxes, pictures
        & (w <= 12 * h)  # horizontal rules and underlines (tiny print merges into words: keep those)
        & (w >= h / 6)  # vertical rules (an 'l' or 'i' is still about h/6 wide or more)
        & (fill > 0.08)  # hollow boxes and frames
    )
    idx = np.flatnonzero(letters)
    idx = idx[in_lines(x0[idx], y0[idx], w[idx], h[idx])]
    if len(idx) < MIN_COMPONENTS:
        return None, len(idx)
    # Weighted by height squared (about a blob's ink): what little speckle sits beside a
    # letter holds far less ink than the letters do.
    heights = np.sort(h[idx])
    cumulative = np.cumsum(heights**2)
    return float(heights[np.searchsorted(cumulative, PERCENTILE / 100 * cumulative[-1])]), len(idx)


def auto_factor(x_height: float | None) -> int:
    """1 or 2: how much a page with this x-height is upscaled by ``upscale=auto``."""
    return 2 if x_height is not None and x_height < UPSCALE_BELOW else 1
