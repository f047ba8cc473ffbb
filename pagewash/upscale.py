"""Clean a page at the size OCR reads best: the cleaner for pages whose text is big enough,
the clean-and-upscale model (2x, twice for 4x) for pages whose text is too small.

``prepare`` is the one step every caller runs between decoding a page and writing or
reading it (through ``pagewash.chain``; the benchmarks and the OCRmyPDF plugin call it
directly). It returns two pages: the one the user gets as the image (the input's size
unless they asked for the upscaled page) and the one Tesseract reads (upscaled where the
text is small). Boxes Tesseract finds on the second are scaled
back to the input's pixels by the OCR step (``pagewash.verify``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pagewash.engine import Run, denoise
from pagewash.errors import BadRequest
from pagewash.imageio import resize_to
from pagewash.model_store import Model, get_model
from pagewash.settings import get_settings, parse_upscale
from pagewash.textsize import auto_factor, xheight

RunFor = Callable[[Model], Run | None]  # a model -> how to run its padded pages (a GPU batcher)


@dataclass
class Prepared:
    image: np.ndarray  # the clean page returned to the user, float (H, W) times image_factor (see prepare)
    ocr: np.ndarray  # the clean page Tesseract reads, float, ``factor`` times the input's size
    factor: int  # 1, 2 or 4: the OCR page's scale
    image_factor: int  # 1, or ``factor`` when the user asked for the upscaled page


def upscale_model(device: str | None = None) -> Model:
    """The clean-and-upscale model (``PAGEWASH_UPSCALE_MODEL``), loaded once per process."""
    return get_model(get_settings().upscale_model, device)


def clean_upscaled(model: Model, page: np.ndarray, factor: int, run: Run | None = None) -> np.ndarray:
    """The page cleaned and upscaled ``factor`` times by a 2x model: one pass, or two for 4x
    (the second pass sharpens an already clean page, which it also learned to do)."""
    out = page
    for _ in range({2: 1, 4: 2}[factor]):
        out = denoise(model, out, run=run)
    return out


def within_cap(factor: int, shape: tuple[int, ...]) -> int:
    """The largest of factor, factor / 2, ... whose output stays under
    ``PAGEWASH_UPSCALE_MAX_PIXELS``: a large page of tiny print must not become a page
    Tesseract takes minutes over (or one that does not fit in memory)."""
    cap = get_settings().upscale_max_pixels
    while factor > 1 and shape[0] * shape[1] * factor * factor > cap:
        factor //= 2
    return factor


def prepare(
    model: Model | None,
    page: np.ndarray,
    upscale: str = "off",
    upscale_image: bool = False,
    run_for: RunFor | None = None,
    device: str | None = None,
    cleaned: np.ndarray | None = None,
) -> Prepared:
    """Clean one page (float (H, W), 1 = white). ``upscale`` (auto, off, 2, 4) sets the OCR
    page's scale; ``upscale_image`` returns that page as the image too, else the image keeps
    the input's size: under auto it is the cleaner's page, as without upscaling. Where the
    two differ, OCR may read both (``pagewash.verify``). ``model=None`` cleans nothing and
    upscales nothing (``ocr --no-clean``). ``cleaned``: the page already through ``model``
    (the orientation check cleans some pages first), not cleaned again."""
    if model is None:
        return Prepared(page, page, 1, 1)
    if model.scale != 1:
        raise BadRequest("that is an upscaling model: clean with a cleaner and ask for upscaling (--upscale)")
    upscale = parse_upscale(upscale)
    run_for = run_for or (lambda m: None)
    if upscale == "auto":
        # Measured on the cleaned page: on the raw one, speckle and stains pass for tiny letters.
        # Where the text is big enough (most pages) that cleaned page is the answer, at no extra cost.
        cleaned = denoise(model, page, run=run_for(model)) if cleaned is None else cleaned
        factor = auto_factor(xheight(cleaned))
    else:
        factor = 1 if upscale == "off" else int(upscale)
    factor = within_cap(factor, page.shape)
    if factor == 1:
        cleaned = denoise(model, page, run=run_for(model)) if cleaned is None else cleaned
        return Prepared(cleaned, cleaned, 1, 1)
    up = upscale_model(device)
    big = clean_upscaled(up, page, factor, run_for(up))
    if upscale_image:
        return Prepared(big, big, factor, factor)
    # the page at its size: the cleaner's, where auto made it (today's output), else the upscaled one shrunk
    return Prepared(cleaned if upscale == "auto" else resize_to(big, page.shape), big, factor, 1)
