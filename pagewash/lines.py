"""Ruling lines out of the page Tesseract reads: table grids, form boxes, underlines, rules.

Tesseract's layout analysis takes long rules for layout: it splits a table into blocks of
cells, drops the words that touch a border, or reads a boxed field as an image. Classical
morphology finds them well on document scans: an opening with a long thin kernel keeps
only runs of ink far longer than any letter, after a closing has joined the small breaks
of a faint or dotted rule. What it finds is painted with the paper around it.

The hard part is letters that touch or cross a rule. A rule pixel with letter ink right
above and right below it (a stroke that crosses the rule: the stem of a T, a 7 struck
through) is kept, so the letter stays whole; a letter that only sits on an underline loses
nothing of its own when the underline goes.

Only the page for OCR changes: the page a person gets keeps its lines unless asked.
"""

from __future__ import annotations

import cv2
import numpy as np

from pagewash.classical import paper, pieces
from pagewash.imageio import to_u8
from pagewash.textsize import xheight

MIN_LENGTH = 0.06  # of the page's width (height, for vertical rules): shorter runs are letters and dashes
MIN_LENGTH_PX = 40  # ... and never shorter than this many pixels
MIN_LENGTH_X = 8.0  # ... nor than this many x-heights (a stem or a bar of large type is no rule)
MAX_THICKNESS_X = 0.6  # a rule is thinner than this many x-heights (a letter's stroke of bold type is not)
GAP = 3  # pixels of break closed along a rule (faint and broken rules)
STEP = 2  # pixels: ink wholly this close to a found rule is rule too (the rows of a rule askew) ...
SLIVER = 4  # ... where it runs along the rule this many times its thickness
MIN_FILL = 0.85  # share of a rule's run that is ink (the rest: the breaks the closing joined)
MAX_CROSSED = 0.3  # share of a rule's length that letters' strokes cross; more, and it is text
REACH = 6  # pixels above and below a rule pixel where a crossing stroke's ink is looked for
MARK_X = 0.45  # a dot or a dash of a dotted or dashed rule is at most this many x-heights across
PITCH_X = 1.5  # ... and the next one along it at most this many x-heights on
# ... down a column, at most this many: the full stops of a typed list stand one above the
# other a line apart (1.5 x-heights in single-spaced typewriting), a dotted rule's marks closer
PITCH_DOWN_X = 1.0
MIN_MARKS = 5  # marks in a row, fewer is punctuation (an ellipsis, a dash)
BAND_X = 1.2  # x-heights: ink this thick throughout (after strokes and rules are opened away) is a dark band
ALIGNED = 1.0  # pixels: the marks of one rule share their size and their line to within this


def ink_of(page: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 0/1 dark-on-light ink against the local paper, so shadows and stains do not
    count; that paper, uint8)."""
    u8 = to_u8(page)
    behind = paper(u8)
    # darker than 3/4 of the paper: 4 * ink < 3 * paper, in integers (exact, and half the time of floats)
    dark = u8.astype(np.uint16) * 4 < np.maximum(behind, 1).astype(np.uint16) * 3
    return dark.view(np.uint8), behind


def rules(ink: np.ndarray, horizontal: bool, x_height: float | None) -> np.ndarray:
    """uint8 (0/1) mask of the ink that belongs to long, thin horizontal (or vertical) rules."""
    h, w = ink.shape
    length = max(MIN_LENGTH_PX, int((w if horizontal else h) * MIN_LENGTH), int(MIN_LENGTH_X * (x_height or 0)))
    join = (GAP * 2 + 1, 1) if horizontal else (1, GAP * 2 + 1)
    along = (length, 1) if horizontal else (1, length)
    joined = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, join))
    long = cv2.morphologyEx(joined, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, along))
    if not long.any():
        return dotted(ink, horizontal, x_height, length)
    n, labels, stats = pieces(long)
    across = stats[:, cv2.CC_STAT_HEIGHT] if horizontal else stats[:, cv2.CC_STAT_WIDTH]
    span = stats[:, cv2.CC_STAT_WIDTH] if horizontal else stats[:, cv2.CC_STAT_HEIGHT]
    # the share of each found run that is ink: a rule is mostly ink, the joined feet of a
    # word's letters along its baseline are mostly gaps
    filled = np.bincount(labels[(ink & long) > 0], minlength=n) / np.maximum(stats[:, 4], 1)
    thin = (across <= max(4, MAX_THICKNESS_X * (x_height or 8))) | (span >= 20 * across)
    # and a rule stands alone: ink right above and below most of its length is a line of
    # text (tightly set type joined along its x-band), with a few crossing strokes it is a rule
    crossed = crossings(ink, (long & ink).astype(np.uint8), horizontal)
    crossed_share = np.bincount(labels[crossed > 0], minlength=n) / np.maximum(stats[:, 4], 1)
    keep = thin & (filled >= MIN_FILL) & (crossed_share <= MAX_CROSSED)
    keep[0] = False
    found = lookup(keep, labels, long) & ink
    if keep.any():
        found |= stubs(ink, found, horizontal)
    return found | dotted(ink, horizontal, x_height, length)


def stubs(ink: np.ndarray, found: np.ndarray, horizontal: bool) -> np.ndarray:
    """uint8 (0/1) mask of the rest of the rules ``found`` (0/1): a rule a little askew, or
    typed as a row of underscores, steps from one row to the next, and the opening keeps only
    the rows where it runs on long enough; the rest would be left as stubs that Tesseract
    reads as dashes. A sliver of the other ink along a rule (``SLIVER`` times as long as it
    is thick) lying wholly within ``STEP`` pixels of it is that rule: a letter on the rule
    reaches further, and the tip of a stroke through it is no sliver."""
    step = cv2.getStructuringElement(cv2.MORPH_RECT, (3, STEP * 2 + 1) if horizontal else (STEP * 2 + 1, 3))
    near = cv2.dilate(found, step)
    rest = ink & (1 - found)
    n, labels, stats = pieces(rest)
    outside = np.bincount(labels[(rest > 0) & (near == 0)], minlength=n)
    inside = np.bincount(labels[(rest > 0) & (near > 0)], minlength=n)
    wide, tall = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    sliver = wide >= SLIVER * tall if horizontal else tall >= SLIVER * wide
    stub = (outside == 0) & (inside > 0) & sliver
    stub[0] = False
    return lookup(stub, labels, rest)


def dotted(ink: np.ndarray, horizontal: bool, x_height: float | None, length: int) -> np.ndarray:
    """uint8 (0/1) mask of the ink of dotted and dashed rules (leaders, a dashed box): at
    least ``MIN_MARKS`` small marks in a row, each within ``PITCH_X`` x-heights of the next
    (``PITCH_DOWN_X`` down a column), over ``length`` pixels or more. A line of small print
    is told apart by its letters: they differ in size and stand on different heights
    (ascenders, descenders), a rule's marks do not."""
    xh = x_height or 8.0
    n, labels, stats, cents = cv2.connectedComponentsWithStatsWithAlgorithm(ink, 8, cv2.CV_32S, cv2.CCL_GRANA)
    across = stats[:, cv2.CC_STAT_HEIGHT] if horizontal else stats[:, cv2.CC_STAT_WIDTH]
    along = stats[:, cv2.CC_STAT_WIDTH] if horizontal else stats[:, cv2.CC_STAT_HEIGHT]
    mark = (across <= max(3, MARK_X * xh)) & (along <= max(length / MIN_MARKS, 3 * xh))
    mark[0] = False
    if mark.sum() < MIN_MARKS:
        return np.zeros_like(ink)
    marks = lookup(mark, labels, ink)
    pitch = max(GAP * 2 + 1, int((PITCH_X if horizontal else PITCH_DOWN_X) * xh))
    joined = cv2.morphologyEx(
        marks, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (pitch, 1) if horizontal else (1, pitch))
    )
    long = cv2.morphologyEx(
        joined, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if horizontal else (1, length))
    )
    if not long.any():
        return long
    m, runs = cv2.connectedComponents(long, connectivity=8)
    ids = np.nonzero(mark)[0]
    cx, cy = cents[ids, 0], cents[ids, 1]
    row, col = (
        np.clip(cy.round().astype(int), 0, ink.shape[0] - 1),
        np.clip(cx.round().astype(int), 0, ink.shape[1] - 1),
    )
    run = runs[row, col]
    centre = cy if horizontal else cx
    keep = np.zeros(m, bool)
    for r in np.unique(run[run > 0]):
        inside = run == r
        if inside.sum() < MIN_MARKS:
            continue
        pos = (cx if horizontal else cy)[inside]
        fit = np.polyval(np.polyfit(pos, centre[inside], 1), pos)  # a rule may lie a little askew
        on_line = np.abs(centre[inside] - fit).max() <= max(ALIGNED, 0.1 * xh)
        keep[r] = on_line and np.std(across[ids[inside]]) <= ALIGNED
    if not keep.any():
        return np.zeros_like(ink)
    lit = np.zeros(n, bool)
    lit[ids[keep[run]]] = True
    return lookup(lit, labels, ink)


def lookup(keep: np.ndarray, labels: np.ndarray, where: np.ndarray) -> np.ndarray:
    """uint8 (0/1): ``keep[labels]``, looked up only where ``where`` is set (a page's ink is
    a small share of its pixels, and labels are 0 elsewhere)."""
    out = np.zeros(labels.shape, np.uint8)
    at = where > 0
    out[at] = keep[labels[at]]
    return out


def crossings(ink: np.ndarray, rule: np.ndarray, horizontal: bool) -> np.ndarray:
    """The rule pixels a letter's stroke runs through: ink off the rule within ``REACH``
    pixels above and below them (left and right, for a vertical rule)."""
    edge = cv2.dilate(rule, np.ones((3, 1) if horizontal else (1, 3), np.uint8))
    rest = ink & (1 - edge)
    d = REACH
    kernel = np.ones((d + 1, 1) if horizontal else (1, d + 1), np.uint8)
    before = cv2.dilate(rest, kernel, anchor=(0, d) if horizontal else (d, 0))  # ink within d above (left)
    after = cv2.dilate(rest, kernel, anchor=(0, 0))  # ink within d below (right)
    return rule & before & after


def letter_height(ink: np.ndarray) -> float | None:
    """A stand-in for the x-height where the text is too sparse to measure it (a form of a
    few labels): 0.6 times the median height of the letter-sized pieces of ink."""
    _, _, stats = pieces(ink)
    h, w = ink.shape
    ch, cw = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH]
    letters = ch[(ch >= 4) & (ch < h / 5) & (cw < w / 5)]
    return 0.6 * float(np.median(letters)) if len(letters) else None


def bands(ink: np.ndarray, x_height: float) -> np.ndarray:
    """uint8 (0/1) mask of dark bands and panels (a table's header row in reverse): what is
    left of the ink once everything thinner than half an x-height is opened away (strokes,
    rules) and is ``BAND_X`` x-heights tall, joined across the light words in it. A band
    can touch a grid, so it is not told by its piece of ink."""
    k = max(3, round(0.5 * x_height))
    thick = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((k, k), np.uint8))
    if not thick.any():
        return thick
    n, piece, stats = pieces(thick)
    tall = stats[:, cv2.CC_STAT_HEIGHT] >= BAND_X * x_height
    tall[0] = False
    if not tall.any():
        return np.zeros_like(ink)
    join = np.ones((1, max(3, round(4 * x_height))), np.uint8)
    band = cv2.morphologyEx(tall[piece].astype(np.uint8), cv2.MORPH_CLOSE, join)
    return cv2.dilate(band, np.ones((5, 5), np.uint8))


def line_mask(page: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the pixels of the page's ruling lines less the strokes that cross them, the ink that
    stays, both boolean (H, W); the paper around the ink, uint8)."""
    ink, behind = ink_of(page)
    x_height = xheight(to_u8(page)) or letter_height(ink)
    # a dark band (a table's header row in reverse, a black panel) is no rule, nor are the
    # strips of it above and below its light letters
    solid = bands(ink, x_height) if x_height else np.zeros_like(ink)  # a band is told by the text's size
    mask = np.zeros_like(ink)
    rest = ink
    for horizontal in (True, False):
        # vertical rules are looked for once the horizontal ones are out of the ink: else a
        # column of figures, each on its underline, joins into one tall "rule"
        rule = rules(rest, horizontal, x_height) & (1 - solid)
        if rule.any():
            mask |= rule & (1 - crossings(ink, rule, horizontal))
            rest = rest & (1 - rule)
    return mask.astype(bool), (ink & (1 - mask)).astype(bool), behind


def remove_lines(page: np.ndarray) -> tuple[np.ndarray, bool]:
    """(the page with its ruling lines painted over with the paper around them, whether there
    were any); the page itself when there were none. Same dtype and size as ``page``."""
    mask, stays, behind = line_mask(page)
    if not mask.any():
        return page, False
    return paint(page, mask, stays, behind), True


def paint(page: np.ndarray, mask: np.ndarray, stays: np.ndarray, behind: np.ndarray | None = None) -> np.ndarray:
    """``page`` with the pixels of ``mask`` (and the rule's soft edge, but never a pixel of
    ``stays``) painted with the paper around them (``behind``, or the page's own): another
    version of a page loses the lines found on the first, at the cost of a closing."""
    behind = paper(to_u8(page)) if behind is None else behind
    paint = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & ~stays
    out = page.copy()
    out[paint] = behind[paint] if page.dtype == np.uint8 else behind[paint].astype(np.float32) / 255
    return out
