"""Never hand OCR a page that cleaning made worse: read the cleaned page and the raw page,
and keep the read Tesseract is surer of.

Cleaning can fail on damage it never saw (reversed text it missed, an unusual stain, a
form whose lines it took for noise). The raw page is there to compare with, and Tesseract's
own word confidences say which read found more text it trusts. It costs a second Tesseract
run per page, skipped when cleaning left the page as it was.

When the cleaned page was upscaled (``pagewash.upscale``), the page cleaned at its own size
competes too, and the raw page twice: as it is, and upscaled the plain way (bicubic) to
the same size. On low-resolution forms the
second usually reads better than the first, but on a few pages upscaling of any kind
loses text that the raw page at its own size still gives (measured on real forms:
docs/benchmarks.md#low-resolution-pages). Either way the boxes come back in the raw page's
pixels.
"""

from __future__ import annotations

import numpy as np

from pagewash import tesseract
from pagewash.imageio import resize_to, to_u8


def read_best(
    raw: np.ndarray,
    cleaned: np.ndarray,
    *,
    lang: str | None,
    psm: int | None,
    formats: tuple[str, ...],
    also: tuple[np.ndarray, ...] = (),
) -> tuple[tesseract.OcrResult, str]:
    """(the best read, "clean" or "raw") of one page in several versions. ``cleaned`` (and
    the other cleaned versions in ``also``, such as the page cleaned at its own size beside
    an upscaled one) may be an integer multiple of ``raw``'s size; boxes are then scaled
    back to ``raw``'s pixels."""
    factor = cleaned.shape[0] // raw.shape[0]
    if factor == 1 and not also and np.array_equal(to_u8(raw), to_u8(cleaned)):
        return tesseract.ocr(cleaned, lang=lang, psm=psm, formats=formats), "clean"
    versions = [("clean", cleaned, factor), *(("clean", a, a.shape[0] // raw.shape[0]) for a in also)]
    versions.append(("raw", raw, 1))
    if factor > 1:
        versions.append(("raw", resize_to(to_u8(raw), cleaned.shape), factor))
    best, source, scale = None, "clean", 1
    for name, page, f in versions:
        result = tesseract.ocr(page, lang=lang, psm=psm, formats=formats)
        if best is None or result.score > best.score:
            best, source, scale = result, name, f
    return tesseract.scale_boxes(best, 1 / scale), source


def read(
    raw: np.ndarray | None,
    cleaned: np.ndarray,
    factor: int = 1,
    *,
    lang: str | None,
    psm: int | None,
    formats: tuple[str, ...],
    also: tuple[np.ndarray, ...] = (),
) -> tuple[tesseract.OcrResult, str]:
    """The OCR step: ``read_best`` when there is a raw page to compare with (verify on), else
    the cleaned page's read. ``cleaned`` is ``factor`` times the input's size; the boxes are
    scaled back to the input's pixels."""
    if raw is not None:
        return read_best(raw, cleaned, lang=lang, psm=psm, formats=formats, also=also)
    result = tesseract.ocr(cleaned, lang=lang, psm=psm, formats=formats)
    return tesseract.scale_boxes(result, 1 / factor), "clean"
