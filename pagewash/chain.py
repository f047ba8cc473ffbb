"""The OCR chain: what happens to a page between its decoding and the page and text a caller
gets back. ``pagewash.read`` and ``pagewash.clean``, ``pagewash clean`` and ``pagewash ocr``,
and the worker's clean and OCR tasks all run these steps, so one file gives the same pixels
and the same text on every road.

1. ``clean``: the cleaner, or the clean-and-upscale model where the text is small
   (``pagewash.upscale``), then the picture the caller gets (grey, or binarised on request).
   A page upscaled for OCR only is kept beside the picture as the page Tesseract reads.
2. ``raw_for_verify``: the raw page, kept where verify will compare it with the cleaned one.
3. ``read``: Tesseract on the cleaned page, and with a raw page on it too (``pagewash.verify``),
   keeping the read Tesseract is surer of, with boxes in the input's pixels. Where the raw
   page won, the picture follows the text: the caller gets the raw page.

Each step is a plain function of arrays. The worker runs steps 1 and 3 on two queues with
the pages stored in between; everyone else runs them one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pagewash import tesseract
from pagewash.classical import binarize as binarize_page
from pagewash.imageio import at_scale, to_u8
from pagewash.model_store import Model
from pagewash.upscale import RunFor, prepare
from pagewash.verify import read as read_versions


@dataclass
class Cleaned:
    picture: np.ndarray  # uint8 (H, W) times image_factor: the page the caller gets (binarised where asked)
    ocr_page: np.ndarray | None  # uint8, the page Tesseract reads where it is not the picture (upscaled for OCR only)
    factor: int  # the OCR page's scale against the input: 1, 2 or 4
    image_factor: int  # the picture's scale against the input

    @property
    def for_ocr(self) -> np.ndarray:
        return self.picture if self.ocr_page is None else self.ocr_page


@dataclass
class Read:
    result: tesseract.OcrResult  # text, hOCR, TSV; boxes in the input's pixels
    source: str  # "clean", or "raw" where the input read better than its cleaned page
    picture: np.ndarray  # the page the text was read from, at the picture's scale (the picture follows the text)


def clean(
    model: Model | None,
    page: np.ndarray,
    *,
    upscale: str = "off",
    upscale_image: bool = False,
    binarize: bool = False,
    run_for: RunFor | None = None,
    device: str | None = None,
) -> Cleaned:
    """Step 1: a decoded page (float (H, W), 1 = white) cleaned. ``upscale`` and
    ``upscale_image`` as ``settings.upscale_choice`` gives them; ``model=None`` changes
    nothing (OCR without cleaning); ``run_for`` hands a model's padded pages to a batcher."""
    ready = prepare(model, page, upscale, upscale_image, run_for, device)
    picture = binarize_page(ready.image) if binarize else to_u8(ready.image)
    ocr_page = to_u8(ready.ocr) if ready.factor != ready.image_factor else None
    return Cleaned(picture, ocr_page, ready.factor, ready.image_factor)


def raw_for_verify(page: np.ndarray, verify: bool, cleaned: bool) -> np.ndarray | None:
    """Step 2: the raw page as 8-bit grey, where verify is on and there is a cleaned page to
    compare it with; None otherwise."""
    return to_u8(page) if verify and cleaned else None


def read(
    cleaned: Cleaned,
    raw: np.ndarray | None,
    *,
    lang: str | None,
    psm: int | None,
    formats: tuple[str, ...] = ("txt", "hocr", "tsv"),
) -> Read:
    """Step 3: Tesseract on the cleaned page; with ``raw``, on the raw page too (and, for a
    page upscaled for OCR only, on the picture at the input's size), keeping the surer read."""
    also = (cleaned.picture,) if raw is not None and cleaned.ocr_page is not None else ()
    result, source = read_versions(raw, cleaned.for_ocr, cleaned.factor, lang=lang, psm=psm, formats=formats, also=also)
    won = source == "raw" and raw is not None
    picture = at_scale(raw, cleaned.image_factor) if won else cleaned.picture
    return Read(result, source, picture)
