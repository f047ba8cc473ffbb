"""The local half of the Python API: ``pagewash.clean``, ``pagewash.read`` and
``pagewash.load_model`` (``pagewash.Client`` is the same through a service).

Each is the CLI's chain, not a copy of it: the page is decoded by the one loader
(``imageio.load_page``) and goes through the steps of ``pagewash.chain``, which
``pagewash clean`` and ``pagewash ocr`` run too. So a file gives the same pixels and the same
text either way, and an array gives what the same picture saved as a PNG gives.

Thread-safety: one loaded model may serve any number of threads at once. Inference is a
pure function of (model, page) (``pagewash.engine``), the model loads once per process
behind a lock, and each Tesseract read is its own process. Torch already spreads one page
over the CPU's cores, so on a CPU threads mostly help by overlapping Tesseract with
cleaning; on a GPU, or with many small pages, they overlap the model too.
"""

from __future__ import annotations

from os import PathLike

import numpy as np

from pagewash import chain, tesseract
from pagewash.imageio import PageSource, load_page
from pagewash.model_store import Model, get_model
from pagewash.result import Result
from pagewash.settings import get_settings, structure_choice, upscale_choice

ModelChoice = Model | str | PathLike


def load_model(name_or_path: str | PathLike = "default", device: str | None = None) -> Model:
    """A cleaning model, loaded once per process: every later call with the same model and
    device returns the same object, so pass it around or ask again, both are cheap.

    ``name_or_path`` is a shipped name (``default``, which is ``PAGEWASH_MODEL``, then
    ``pagenet``, ``dense1``, ``dense``, ``conv``) or a ``.pt`` artifact from ``pagewash train``;
    ``device`` is ``auto`` (a GPU where there is one), ``cpu`` or ``cuda:N``, by default
    ``PAGEWASH_DEVICE``; the upscaler, where a call needs it, runs on the same device as the
    model. Raises ``errors.ModelNotFound`` or ``errors.BadArtifact``."""
    return get_model(str(name_or_path), device)


def _model(model: ModelChoice, device: str | None) -> Model:
    return model if isinstance(model, Model) else load_model(model, device)


def clean(
    image: PageSource,
    *,
    model: ModelChoice = "default",
    device: str | None = None,
    upscale: str = "off",
    binarize: bool = False,
    page: int = 0,
    rotate: bool | None = None,
    deskew: bool | None = None,
    remove_lines: bool | None = None,
) -> np.ndarray:
    """Clean one page -> uint8 grey (H, W), the pixels ``pagewash clean`` writes for it.

    ``image``: a path, the file's bytes, a numpy array ((H, W) grey, (H, W, 3) RGB or
    (H, W, 4) RGBA; uint8, uint16, bool, or float with 1 = white) or a PIL image; ``page``
    picks a page of a multi-page TIFF. The result has the input's size unless ``upscale`` is
    ``2`` or ``4`` (or ``auto``: 2x where the text is too small for OCR). ``binarize`` returns
    black and white (Otsu). ``model`` is a name, a path, or what ``load_model`` gave.
    A page fed sideways or upside down is turned upright (``rotate``, default
    ``PAGEWASH_ROTATE``, on) and a skewed one straightened (``deskew``, ``PAGEWASH_DESKEW``,
    on; the page then grows to hold its turned corners); ``remove_lines``
    (``PAGEWASH_REMOVE_LINES``, off) returns it without its ruling lines.

    Raises ``errors.BadImage`` (unreadable, empty, ``ImageTooLarge``) and ``ValueError`` for
    a bad ``upscale``. Thread-safe (see the module's docstring)."""
    scale, upscale_image = upscale_choice(upscale, ocr=False)
    net = _model(model, device)
    cleaned = chain.clean(
        net,
        load_page(image, page),
        upscale=scale,
        upscale_image=upscale_image,
        binarize=binarize,
        device=device or str(net.device),
        structure=structure_choice(rotate, deskew, remove_lines=remove_lines),
    )
    return cleaned.picture


def read(
    image: PageSource,
    *,
    lang: str | None = None,
    clean: bool = True,
    upscale: str | None = None,
    model: ModelChoice = "default",
    device: str | None = None,
    verify: bool | None = None,
    psm: int | None = None,
    page: int = 0,
    rotate: bool | None = None,
    deskew: bool | None = None,
    lines: bool | None = None,
) -> Result:
    """Clean one page and read it with Tesseract -> ``Result`` (text, hOCR, words with boxes
    in the input's pixels, confidence, and the page read), what ``pagewash ocr`` writes.

    ``lang`` is Tesseract's (``eng``, ``eng+deu``; default ``PAGEWASH_TESSERACT_LANG``, eng).
    ``upscale`` is what Tesseract reads: ``auto`` upscales 2x pages whose text is too small,
    ``off``, ``2`` or ``4`` (default ``PAGEWASH_UPSCALE``, auto); ``Result.clean`` keeps the
    input's size either way. ``verify`` (default ``PAGEWASH_VERIFY``, on) re-reads the lines
    Tesseract is unsure of from the raw page too and keeps the surer words, and reads the
    whole raw page where most of the page is unsure, so cleaning never costs text; then
    ``Result.source`` says which page won and ``Result.clean`` is that page. ``clean=False``
    reads the page as it is. ``rotate`` and ``deskew`` (default on: ``PAGEWASH_ROTATE``,
    ``PAGEWASH_DESKEW``) set the page upright and straight before Tesseract reads it, and
    ``lines`` (``PAGEWASH_LINES``, on) has it read without its ruling lines (the page with them
    re-read where a line is in doubt; with ``clean=False`` both read, the surer kept);
    ``Result.quarter``, ``angle`` and ``lines_removed`` say what was done, and the
    boxes stay in the input's pixels.

    Raises ``errors.TesseractMissing`` (no Tesseract, or no such language pack),
    ``errors.BadImage``, ``errors.OcrFailed``. Thread-safe (see the module's docstring)."""
    settings = get_settings()
    lang = lang or settings.tesseract_lang
    tesseract.check(lang)  # before any cleaning: a missing language is the caller's to fix
    scale, _ = upscale_choice(upscale, ocr=True)
    raw = load_page(image, page)
    net = _model(model, device) if clean else None
    device = device or (str(net.device) if net is not None else None)
    structure = structure_choice(rotate, deskew, lines, remove_lines=False)
    cleaned = chain.clean(net, raw, upscale=scale, upscale_image=False, device=device, structure=structure)
    verify = settings.verify if verify is None else verify
    raw = chain.raw_for_verify(raw, verify, net is not None or cleaned.turned)
    done = chain.read(cleaned, raw, lang=lang, psm=psm, unrule=structure.lines)
    return result_of(done)


def result_of(done: chain.Read) -> Result:
    r = done.result
    g = done.geometry
    return Result(
        r.text,
        r.hocr or "",
        r.tsv or "",
        r.mean_confidence,
        done.picture,
        done.source,
        quarter=g.quarter,
        angle=g.angle,
        lines_removed=done.lines_removed,
    )
