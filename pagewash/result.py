"""What reading a page gives back, the same from ``pagewash.read`` (here) and ``Client.read``
(through a service), and the words in Tesseract's TSV: kept apart from both, and from the
Tesseract wrapper, so that the client builds one with nothing but numpy."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Word:
    text: str
    box: tuple[int, int, int, int]  # left, top, right, bottom in pixels (right and bottom exclusive)
    confidence: float  # Tesseract's, 0-100


def words(tsv: str) -> list[Word]:
    """Each word Tesseract read, in reading order (TSV rows of level 5 with text and conf >= 0)."""
    out = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) >= 12 and cols[0] == "5" and cols[11].strip() and float(cols[10]) >= 0:
            left, top, width, height = (int(v) for v in cols[6:10])
            out.append(Word(cols[11].strip(), (left, top, left + width, top + height), float(cols[10])))
    return out


@dataclass
class Result:
    text: str  # plain text, as Tesseract writes it (lines and paragraphs)
    hocr: str  # hOCR (HTML): the layout, with boxes in the input's pixels
    tsv: str  # Tesseract's TSV: one row per block, line and word, boxes in the input's pixels
    mean_confidence: float | None  # mean word confidence, 0-100 (None: no words)
    clean: np.ndarray  # the page the text was read from, uint8 grey at the input's scale, upright and straight
    source: str = "clean"  # "clean", or "raw" where the input read better than its cleaned page (verify)
    quarter: int = 0  # quarter turns (counter-clockwise) the page had and was turned back by
    angle: float = 0.0  # degrees of skew (counter-clockwise) undone; 0 when it was within 0.1 of level
    lines_removed: bool = False  # Tesseract read the page without its ruling lines

    @functools.cached_property
    def words(self) -> list[Word]:
        """Each word with its box (left, top, right, bottom, in the input's pixels) and confidence."""
        return words(self.tsv)
