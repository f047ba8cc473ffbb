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


def versions(
    raw: np.ndarray, cleaned: np.ndarray, also: tuple[np.ndarray, ...] = ()
) -> list[tuple[str, np.ndarray, int]]:
    """(source, page, its scale against ``raw``) for each version of one page that competes."""
    factor = cleaned.shape[0] // raw.shape[0]
    out = [("clean", cleaned, factor), *(("clean", a, a.shape[0] // raw.shape[0]) for a in also), ("raw", raw, 1)]
    if factor > 1:
        out.append(("raw", resize_to(to_u8(raw), cleaned.shape), factor))
    return out


def best_of(
    raw: np.ndarray,
    cleaned: np.ndarray,
    *,
    lang: str | None,
    psm: int | None,
    formats: tuple[str, ...],
    also: tuple[np.ndarray, ...] = (),
    dpi: float | None = None,
) -> tuple[tesseract.OcrResult, str, np.ndarray, int]:
    """(the best read with boxes on the page it read, "clean" or "raw", that page, its scale).
    For callers that hand the winning page on to another OCR step (the OCRmyPDF plugin), which
    reads it at ``dpi`` (``raw``'s; an upscaled version is read at ``dpi`` times its scale)."""
    if cleaned.shape == raw.shape and not also and np.array_equal(to_u8(raw), to_u8(cleaned)):
        return tesseract.ocr(cleaned, lang=lang, psm=psm, formats=formats, dpi=dpi), "clean", cleaned, 1
    best = None
    for name, page, f in versions(raw, cleaned, also):
        result = tesseract.ocr(page, lang=lang, psm=psm, formats=formats, dpi=dpi * f if dpi else None)
        if best is None or result.score > best[0].score:
            best = (result, name, page, f)
    return best


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
    result, source, _, scale = best_of(raw, cleaned, lang=lang, psm=psm, formats=formats, also=also)
    return tesseract.scale_boxes(result, 1 / scale), source


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
