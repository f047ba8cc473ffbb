"""Never hand OCR a page that cleaning made worse: read the cleaned page and the raw page,
and keep the read Tesseract is surer of.

Cleaning can fail on damage it never saw (reversed text it missed, an unusual stain, a
form whose lines it took for noise). The raw page is there to compare with, and Tesseract's
own word confidences say which read found more text it trusts. It costs a second Tesseract
run per page, skipped when cleaning left the page as it was.
"""

from __future__ import annotations

import numpy as np

from pagewash import tesseract
from pagewash.imageio import to_u8


def read_best(
    raw: np.ndarray, cleaned: np.ndarray, *, lang: str | None, psm: int | None, formats: tuple[str, ...]
) -> tuple[tesseract.OcrResult, str]:
    """(the better read, "clean" or "raw") of one page in two versions of the same geometry."""
    first = tesseract.ocr(cleaned, lang=lang, psm=psm, formats=formats)
    if np.array_equal(to_u8(raw), to_u8(cleaned)):
        return first, "clean"
    second = tesseract.ocr(raw, lang=lang, psm=psm, formats=formats)
    return (second, "raw") if second.score > first.score else (first, "clean")
