"""The OCR chain: what happens to a page between its decoding and the page and text a caller
gets back. ``pagewash.read`` and ``pagewash.clean``, ``pagewash clean`` and ``pagewash ocr``,
and the worker's clean and OCR tasks all run these steps, so one file gives the same pixels
and the same text on every road.

1. ``clean``: the cleaner, or the clean-and-upscale model where the text is small
   (``pagewash.upscale``), on the page turned upright first (``pagewash.orient``: the
   cleaner knows upright text only; a turn the raw page leaves in doubt is looked at again
   on the page cleaned as it came, ``geometry.upright_after_all``), and the cleaned page
   straightened (``pagewash.deskew``, measured on the cleaned page, where stains no longer
   pass for text); then the picture the caller gets (grey, or binarised on request; without
   its ruling lines on request). A page upscaled for OCR only is kept beside the picture as
   the page Tesseract reads.
2. ``raw_for_verify``: the raw page, kept where verify will compare it with the cleaned one.
3. ``read``: Tesseract on the cleaned page, once, without its ruling lines where it has
   any (``pagewash.lines``); with a raw page on it too (``pagewash.verify``, the raw page set
   right the same way), the lines Tesseract was unsure of are read again from the page with
   its rules and from the raw page, in one more run, and the surer words of each line kept
   (``pagewash.reread``). With no raw page (no cleaning), the page is read with its rules
   and without, the surer kept. Boxes come back in the input's pixels. Where the raw page
   won the whole page, the picture follows the text: the caller gets the raw page.

A straight, upright page without rules goes through steps that change nothing: the same
pixels and the same text as with the structure steps off.

Each step is a plain function of arrays. The worker runs steps 1 and 3 on two queues with
the pages stored in between; everyone else runs them one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pagewash import lines, tesseract
from pagewash.classical import binarize as binarize_page
from pagewash.engine import denoise
from pagewash.geometry import Geometry, in_doubt, skew_of, turn_of, upright_after_all
from pagewash.imageio import at_scale, to_u8
from pagewash.model_store import Model
from pagewash.settings import NO_STRUCTURE, Structure
from pagewash.upscale import RunFor, prepare
from pagewash.verify import Version, choose, versions


@dataclass
class Cleaned:
    picture: np.ndarray  # uint8 (H, W) times image_factor: the page the caller gets (binarised where asked)
    ocr_page: np.ndarray | None  # uint8, the page Tesseract reads where it is not the picture (upscaled for OCR only)
    factor: int  # the OCR page's scale against the input: 1, 2 or 4
    image_factor: int  # the picture's scale against the input
    geometry: Geometry | None = None  # how the pages were set upright and straight (None: unknown, as they came)
    lines_removed: bool = False  # the picture lost its ruling lines (``remove_lines``)

    @property
    def turned(self) -> bool:
        """Turned by a quarter: the raw page as it came is then read too (verify's guard)."""
        return self.geometry is not None and self.geometry.quarter % 4 != 0

    @property
    def for_ocr(self) -> np.ndarray:
        return self.picture if self.ocr_page is None else self.ocr_page


@dataclass
class Read:
    result: tesseract.OcrResult  # text, hOCR, TSV; boxes in the input's pixels
    source: str  # "clean", or "raw" where the input read better than its cleaned page
    picture: np.ndarray  # the page the text was read from, at the picture's scale (the picture follows the text)
    geometry: Geometry  # how the page read was set upright and straight (identity: as it came)
    lines_removed: bool = False  # Tesseract read it without its ruling lines
    reread: int = 0  # unsure lines whose words another version gave (``pagewash.reread``)


def clean(
    model: Model | None,
    page: np.ndarray,
    *,
    upscale: str = "off",
    upscale_image: bool = False,
    binarize: bool = False,
    run_for: RunFor | None = None,
    device: str | None = None,
    structure: Structure | None = None,
) -> Cleaned:
    """Step 1: a decoded page (float (H, W), 1 = white) cleaned, upright and straight.
    ``upscale`` and ``upscale_image`` as ``settings.upscale_choice`` gives them, ``structure``
    as ``settings.structure_choice`` does (None: no structure steps); ``model=None`` cleans
    nothing (OCR without cleaning); ``run_for`` hands a model's padded pages to a batcher."""
    structure = structure or NO_STRUCTURE
    quarter, as_came = upright_quarter(model, page, run_for) if structure.rotate else (0, None)
    upright = Geometry(page.shape[:2], quarter)
    ready = prepare(model, upright.turn(page), upscale, upscale_image, run_for, device, cleaned=as_came)
    angle = skew_of(to_u8(ready.image)) if structure.deskew else 0.0
    geometry = Geometry(upright.shape, quarter, angle)
    image = geometry.straighten(ready.image)
    ocr = image if ready.ocr is ready.image else geometry.straighten(ready.ocr)
    picture = binarize_page(image) if binarize else to_u8(image)
    removed = False
    if structure.remove_lines:
        picture, removed = lines.remove_lines(picture)
    ocr_page = to_u8(ocr) if ready.factor != ready.image_factor else None
    return Cleaned(picture, ocr_page, ready.factor, ready.image_factor, geometry, removed)


def upright_quarter(
    model: Model | None, page: np.ndarray, run_for: RunFor | None = None
) -> tuple[int, np.ndarray | None]:
    """(the quarter turns ``page`` has had, ``geometry.turn_of``'s, a doubtful one looked at
    again on the page cleaned as it came, where grain and stains no longer pass for sideways
    letters, and not made where that page reads upright; that cleaning where it held, the
    upright page's own, else None). No cleaner, no second look."""
    quarter, margin = turn_of(page)
    if model is None or model.scale != 1 or not in_doubt(quarter, margin):
        return quarter, None
    as_came = denoise(model, page, run=run_for(model) if run_for else None)
    return (0, as_came) if upright_after_all(as_came) else (quarter, None)


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
    unrule: bool = True,
    full: bool = False,
) -> Read:
    """Step 3: Tesseract on the cleaned page (without its ruling lines, with ``unrule``);
    with ``raw`` (the page as it came), its unsure lines against the page with its rules and
    the raw page's, or the raw page (and, for a page upscaled for OCR only, the picture at the
    input's size) in full where the whole read is unsure: ``pagewash.verify``. ``full``:
    every version in full."""
    geometry = cleaned.geometry or Geometry(cleaned.picture.shape[:2])
    if raw is None:
        candidates = [Version("clean", cleaned.for_ocr, cleaned.factor)]
    else:
        also = (cleaned.picture,) if cleaned.ocr_page is not None else ()
        candidates = versions(raw, cleaned.for_ocr, also, cleaned.geometry)
    choice = choose(candidates, lang=lang, psm=psm, formats=formats, unrule=unrule, full=full)
    v = choice.version
    if v.source == "raw" and raw is not None:
        picture = at_scale(to_u8(geometry.apply(raw) if v.corrected else raw), cleaned.image_factor)
    else:
        picture = cleaned.picture
    done = geometry if v.corrected else Geometry(geometry.shape)
    return Read(choice.in_input(geometry), v.source, picture, done, v.lines_removed, choice.replaced)
