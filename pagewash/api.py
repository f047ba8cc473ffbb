"""The local half of the Python API: ``pagewash.clean``, ``pagewash.read`` and
``pagewash.load_model`` (``pagewash.Client`` is the same through a service).

Each is the CLI's chain, not a copy of it: the page is decoded by the one loader
(``imageio.load_page``), cleaned by ``upscale.prepare`` and read by ``verify.read``, the steps
``pagewash clean`` and ``pagewash ocr`` run. So a file gives the same pixels and the same
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

from pagewash import tesseract
from pagewash.engine import binarize as binarize_page
from pagewash.imageio import PageSource, load_page, to_u8
from pagewash.model_store import Model, get_model
from pagewash.result import Result
from pagewash.settings import get_settings, parse_upscale
from pagewash.upscale import ocr_versions, prepare
from pagewash.verify import read as read_versions

ModelChoice = Model | str | PathLike


def load_model(name_or_path: str | PathLike = "default", device: str | None = None) -> Model:
    """A cleaning model, loaded once per process: every later call with the same model and
    device returns the same object, so pass it around or ask again, both are cheap.

    ``name_or_path`` is a shipped name (``default``, which is ``PAGEWASH_MODEL``, then
    ``pagenet``, ``dense1``, ``dense``, ``conv``) or a ``.pt`` artifact from ``pagewash train``;
    ``device`` is ``auto`` (a GPU where there is one), ``cpu`` or ``cuda:N``, by default
    ``PAGEWASH_DEVICE``; the upscaler, where a call needs it, runs on the same device as the
    model. Raises ``errors.ModelNotFound`` or ``errors.BadArtifact``."""
    name = str(name_or_path)
    return get_model(None if name == "default" else name, device)


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
) -> np.ndarray:
    """Clean one page -> uint8 grey (H, W), the pixels ``pagewash clean`` writes for it.

    ``image``: a path, the file's bytes, a numpy array ((H, W) grey, (H, W, 3) RGB or
    (H, W, 4) RGBA; uint8, uint16, bool, or float with 1 = white) or a PIL image; ``page``
    picks a page of a multi-page TIFF. The result has the input's size unless ``upscale`` is
    ``2`` or ``4`` (or ``auto``: 2x where the text is too small for OCR). ``binarize`` returns
    black and white (Otsu). ``model`` is a name, a path, or what ``load_model`` gave.

    Raises ``errors.BadImage`` (unreadable, empty, ``ImageTooLarge``) and ``ValueError`` for
    a bad ``upscale``. Thread-safe (see the module's docstring)."""
    upscale = parse_upscale(upscale)
    net = _model(model, device)
    ready = prepare(net, load_page(image, page), upscale, upscale_image=True, device=device or str(net.device))
    return binarize_page(ready.image) if binarize else to_u8(ready.image)


def read(
    image: PageSource,
    *,
    lang: str | None = None,
    clean: bool = True,
    upscale: str = "auto",
    model: ModelChoice = "default",
    device: str | None = None,
    verify: bool | None = None,
    psm: int | None = None,
    page: int = 0,
) -> Result:
    """Clean one page and read it with Tesseract -> ``Result`` (text, hOCR, words with boxes
    in the input's pixels, confidence, and the page read), what ``pagewash ocr`` writes.

    ``lang`` is Tesseract's (``eng``, ``eng+deu``; default ``PAGEWASH_TESSERACT_LANG``, eng).
    ``upscale`` is what Tesseract reads: ``auto`` upscales 2x pages whose text is too small,
    ``off``, ``2`` or ``4``; ``Result.clean`` keeps the input's size either way. ``verify``
    (default ``PAGEWASH_VERIFY``, on) also reads the raw page and keeps the read Tesseract is
    surer of, so cleaning never costs text; then ``Result.source`` says which won and
    ``Result.clean`` is that page. ``clean=False`` reads the page as it is.

    Raises ``errors.TesseractMissing`` (no Tesseract, or no such language pack),
    ``errors.BadImage``, ``errors.OcrFailed``. Thread-safe (see the module's docstring)."""
    settings = get_settings()
    lang = lang or settings.tesseract_lang
    tesseract.check(lang)  # before any cleaning: a missing language is the caller's to fix
    upscale = parse_upscale(upscale)
    raw = load_page(image, page)
    net = _model(model, device) if clean else None
    ready = prepare(net, raw, upscale, device=device or (str(net.device) if net is not None else None))
    picture = to_u8(ready.image)
    raw_u8 = to_u8(raw) if (settings.verify if verify is None else verify) and net is not None else None
    ocr_page, also = ocr_versions(ready, picture, raw_u8)
    result, source = read_versions(
        raw_u8, ocr_page, ready.factor, lang=lang, psm=psm, formats=("txt", "hocr", "tsv"), also=also
    )
    shown = raw_u8 if source == "raw" and raw_u8 is not None else picture  # the picture follows the text
    return Result(result.text, result.hocr or "", result.tsv or "", result.mean_confidence, shown, source)
