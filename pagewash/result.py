"""What reading a page gives back, the same from ``pagewash.read`` (here) and ``Client.read``
(through a service): kept apart from both so that the client needs no torch to build one."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from pagewash.tesseract import Word, words


@dataclass
class Result:
    text: str  # plain text, as Tesseract writes it (lines and paragraphs)
    hocr: str  # hOCR (HTML): the layout, with boxes in the input's pixels
    tsv: str  # Tesseract's TSV: one row per block, line and word, boxes in the input's pixels
    mean_confidence: float | None  # mean word confidence, 0-100 (None: no words)
    clean: np.ndarray  # the page the text was read from, uint8 grey at the input's size (see ``source``)
    source: str = "clean"  # "clean", or "raw" where the input read better than its cleaned page (verify)

    @functools.cached_property
    def words(self) -> list[Word]:
        """Each word with its box (left, top, right, bottom, in the input's pixels) and confidence."""
        return words(self.tsv)
