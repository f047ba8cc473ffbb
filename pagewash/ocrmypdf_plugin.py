"""pagewash inside OCRmyPDF: ``ocrmypdf --plugin pagewash.ocrmypdf_plugin IN.pdf OUT.pdf``.

Two of OCRmyPDF's hooks carry the whole plugin. ``filter_ocr_image`` cleans the page image
Tesseract is about to read (upscaled where the text is small, and with verify on, the page
that reads best of the cleaned and the raw one: ``pagewash.verify``). ``filter_page_image``
puts the cleaned page into the output PDF in place of the scan (``--pagewash-keep-original``
keeps the scan; only the text layer then comes from the cleaned page). Verify has read the
page it hands on already, its unsure lines re-read from the scan (``pagewash.reread``), so
the engine's ``generate_hocr`` hands OCRmyPDF that read for the text layer instead of
reading the page again: OCRmyPDF's own read is saved, and the re-reads' words are in.

OCRmyPDF builds an output page from an image only when it rasterizes the page, which it does
in ``--force-ocr`` mode. So where no page of the input has text yet, ``validate`` switches to
that mode (from the default or ``--skip-text``, which then mean the same): the page is an
image either way, and rasterizing it at its own resolution loses nothing. A file that already
has text on some pages keeps OCRmyPDF's own rule (refuse it, or ``--skip-text`` /
``--redo-ocr`` / ``--force-ocr`` as the user said), and then the scanned pages keep their
images unless the user forced OCR.

Pages come out upright and straight. A quarter turn changes the page's shape, which only
OCRmyPDF's own page rotation handles (it turns the page's image and text layer together and
sets the page's /Rotate), so ``get_ocr_engine`` hands OCRmyPDF a Tesseract engine whose
``get_orientation`` is pagewash's orientation network, and ``validate`` turns page
rotation on: Tesseract's orientation guess (OSD) never decides (measured: 42% on turned
forms against the network's 95%, docs/benchmarks.md#orientation). The skew is undone by
the chain on the cleaned page, which keeps its size, and the same page goes to Tesseract
and into the output PDF, so the text layer lies on it; the engine's ``get_deskew`` answers 0
so that OCRmyPDF's ``--deskew`` (Tesseract's angle, which can be badly off) does nothing
more.

The hooks run in OCRmyPDF's workers: page threads of one process in OCRmyPDF 17 (its
default; processes with ``--no-use-threads``), which share the model, loaded once a process
(``get_model``), each page on its share of the cores for torch and OpenCV (``validate``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from argparse import ArgumentParser
from pathlib import Path

from ocrmypdf import OrientationConfidence, hookimpl
from ocrmypdf._options import ProcessingMode
from ocrmypdf.builtin_plugins.tesseract_ocr import TesseractOcrEngine
from PIL import Image

from pagewash.imageio import at_scale, scale_dpi, to_gray, to_u8, to_unit
from pagewash.settings import Structure, get_settings, parse_upscale
from pagewash.threads import opencv

log = logging.getLogger(__name__)
CLEANED = "pagewash.png"  # the cleaned page for the output PDF, in the page's work folder
KEPT = "pagewash.raw"  # written instead where the scan read better than the cleaned page
READ = "pagewash.hocr"  # verify's read of the page handed to OCR (and .txt): OCRmyPDF's text layer


@hookimpl
def add_options(parser: ArgumentParser) -> None:
    settings = get_settings()
    group = parser.add_argument_group("pagewash", "Clean each page with pagewash's model before OCR")
    group.add_argument(
        "--pagewash-model",
        default=settings.model,
        metavar="NAME",
        help="shipped model (default, pagenet, ...) or a .pt artifact (default: PAGEWASH_MODEL or default)",
    )
    group.add_argument(
        "--pagewash-upscale",
        default=settings.upscale,
        type=parse_upscale,
        metavar="{auto,off,2,4}",
        help="upscale pages with small text before OCR: auto (2x where the x-height is under 12 px), off, 2, 4 "
        "(default: PAGEWASH_UPSCALE or auto). Given as 2 or 4, the output page is the upscaled one",
    )
    group.add_argument(
        "--pagewash-device", default=settings.device, metavar="DEVICE", help="auto, cpu, cuda (PAGEWASH_DEVICE)"
    )
    group.add_argument(
        "--pagewash-keep-original",
        action="store_true",
        help="keep the original page images in the output; only the text layer comes from the cleaned pages",
    )
    group.add_argument(
        "--pagewash-verify",
        default="on" if settings.verify else "off",
        choices=("on", "off"),
        help="re-read the lines Tesseract is unsure of from the raw page and keep the surer words, so "
        "cleaning never costs text (default on: PAGEWASH_VERIFY)",
    )
    for name, on, what in (
        ("rotate", settings.rotate, "turn pages fed sideways or upside down upright (PAGEWASH_ROTATE)"),
        ("deskew", settings.deskew, "straighten skewed pages (PAGEWASH_DESKEW)"),
        ("lines", settings.lines, "also read each page without its ruling lines, keeping the surer read"),
        ("remove-lines", settings.remove_lines, "the output pages lose their ruling lines too"),
    ):
        group.add_argument(
            f"--pagewash-{name}",
            default="on" if on else "off",
            choices=("on", "off"),
            help=f"{what} (default %(default)s)",
        )


def beside(path: Path, name: str) -> Path:
    """The page's work file ``name`` beside another of its work files (OCRmyPDF names them
    ``<page number>_<name>``)."""
    return path.with_name(path.name.split("_", 1)[0] + "_" + name)


def _opt(options, name: str, default):
    return getattr(options, f"pagewash_{name}", default)


class Engine(TesseractOcrEngine):
    """Tesseract, with pagewash's page orientation and no deskew of its own."""

    @staticmethod
    def get_orientation(input_file, options) -> OrientationConfidence:
        if _opt(options, "rotate", "on") != "on":
            return TesseractOcrEngine.get_orientation(input_file, options)
        from pagewash.chain import upright_quarter

        with Image.open(input_file) as im:
            page = to_unit(to_u8(to_gray(im)))
        k, _ = upright_quarter(_models(options), page)  # a doubtful turn looked at again cleaned, as the chain does
        # OCRmyPDF wants the clockwise turn the page has had; k counts counter-clockwise turns
        return OrientationConfidence(angle=(-90 * k) % 360, confidence=100.0 if k else 0.0)

    @staticmethod
    def generate_hocr(input_file, output_hocr, output_text, options) -> None:
        """The read verify made of this very page (``READ``), where there is one: reading it
        again would double the price of OCR for nothing."""
        input_file = Path(input_file)
        ours = beside(input_file, READ)
        tess = getattr(options, "tesseract", None)
        own = any(getattr(tess, k, None) for k in ("config", "user_words", "user_patterns"))  # the user's
        if not own and ours.exists() and ours.with_suffix(".txt").exists():
            with Image.open(input_file) as im:
                size = im.size
            hocr = ours.read_text()
            if f"bbox 0 0 {size[0]} {size[1]};" in hocr:  # not shrunk on its way (Tesseract's limits)
                Path(output_hocr).write_text(hocr)
                Path(output_text).write_text(ours.with_suffix(".txt").read_text())
                return
        TesseractOcrEngine.generate_hocr(input_file, output_hocr, output_text, options)

    @staticmethod
    def get_deskew(input_file, options) -> float:
        if _opt(options, "deskew", "on") == "on":
            return 0.0  # the chain straightens the cleaned page (clean_for_ocr)
        return TesseractOcrEngine.get_deskew(input_file, options)


@hookimpl
def get_ocr_engine(options):
    if options is not None and getattr(options, "ocr_engine", "auto") not in ("auto", "tesseract"):
        return None
    return Engine()


@hookimpl
def validate(pdfinfo, options) -> None:
    if _opt(options, "rotate", "on") == "on":
        options.rotate_pages = True  # with the network's answers (Engine.get_orientation)
    cores = len(os.sched_getaffinity(0))  # the cores this process may use (a container's CPU set)
    jobs = max(1, min(options.jobs or cores, len(pdfinfo)))
    options.extra_attrs["pagewash_threads"] = max(1, cores // jobs)
    opencv(options.extra_attrs["pagewash_threads"])  # before the first page (pagewash.threads)
    if _opt(options, "keep_original", False) or options.mode not in (ProcessingMode.default, ProcessingMode.skip):
        return
    if not any(page.has_text for page in pdfinfo):
        # only in force mode does OCRmyPDF build pages from our images; with no text to keep,
        # --skip-text (paperless-ngx's default) means the same as force
        options.mode = ProcessingMode.force
    else:
        log.warning("pagewash: some pages already have text; the scanned pages keep their original images")


def _models(options):
    from pagewash.model_store import get_model
    from pagewash.threads import share

    model = get_model(_opt(options, "model", None), _opt(options, "device", None))
    threads = _opt(options, "threads", 0)
    if threads:
        share(threads)  # OCRmyPDF runs a page per core: one torch and one OpenCV thread each
    return model


def _psm(options) -> int | None:
    tess = getattr(options, "tesseract", None)  # the page segmentation OCRmyPDF will use, read the same way
    return getattr(tess, "pagesegmode", None) if tess is not None else None


def structure(options) -> Structure:
    on = lambda name: _opt(options, name, "on") == "on"  # noqa: E731
    return Structure(on("rotate"), on("deskew"), on("lines"), _opt(options, "remove_lines", "off") == "on")


def clean_for_ocr(image: Image.Image, options, work: Path, verify: bool, reads: bool = True) -> Image.Image:
    """The page Tesseract reads, cleaned, upright and straight; writes the page for the output
    PDF to ``work`` unless the scan as it came read best. ``verify``: compare with the raw
    page; ``reads``: Tesseract will read the page (else there is nothing to compare)."""
    from pagewash import chain
    from pagewash.verify import Version, choose, versions

    dpi = tuple(float(v) for v in image.info.get("dpi", (300, 300)))
    raw = to_u8(to_gray(image))
    upscale = _opt(options, "upscale", "auto")
    steps = dataclasses.replace(structure(options), rotate=False)  # OCRmyPDF turned the page (Engine)
    cleaned = chain.clean(
        _models(options),
        raw.astype("float32") / 255,
        upscale=upscale,
        upscale_image=upscale in ("2", "4"),
        structure=steps,
    )
    version = Version("clean", cleaned.for_ocr, cleaned.factor)
    if reads and (verify or steps.lines):
        lang = "+".join(options.languages) if options.languages else None
        also = (cleaned.picture,) if cleaned.ocr_page is not None else ()
        candidates = versions(raw, cleaned.for_ocr, also, cleaned.geometry) if verify else [version]
        choice = choose(
            candidates, lang=lang, psm=_psm(options), formats=("txt", "hocr"), dpi=max(dpi), unrule=steps.lines
        )
        version = choice.version
        read = beside(work, READ)
        read.write_text(choice.result.hocr or "")  # the text layer, boxes on the page handed to OCR
        read.with_suffix(".txt").write_text(choice.result.text)
    if version.source == "raw" and not version.corrected:
        log.info("page %s: the scan as it came reads best; keeping it", work.name[:6])
        work.with_suffix(".raw").touch()
    else:
        if version.source == "raw":
            log.info("page %s: the scan reads better than the cleaned page; keeping the scan", work.name[:6])
            visible = at_scale(to_u8(cleaned.geometry.apply(raw)), cleaned.image_factor)
        else:
            visible = cleaned.picture
        Image.fromarray(visible).save(work, dpi=scale_dpi(dpi, cleaned.image_factor), compress_level=6)
    out = Image.fromarray(to_u8(version.page))
    out.info["dpi"] = scale_dpi(dpi, version.scale)
    return out


@hookimpl
def filter_ocr_image(page, image: Image.Image) -> Image.Image:
    from ocrmypdf.builtin_plugins import tesseract_ocr

    reads = getattr(page.options, "ocr_engine", "auto") != "none"  # with no OCR, nothing to verify
    verify = reads and _opt(page.options, "verify", "on") == "on"
    out = clean_for_ocr(image, page.options, page.get_path(CLEANED), verify, reads)
    # The hook returns the first answer only, so Tesseract's own (it shrinks pages past its
    # 32767-px and 2 GB limits, and applies --tesseract-downsample-above) is run here on ours.
    return tesseract_ocr.filter_ocr_image(page, out)


@hookimpl
def filter_page_image(page, image_filename: Path) -> Path:
    if _opt(page.options, "keep_original", False):
        return image_filename
    cleaned = page.get_path(CLEANED)
    if page.get_path(KEPT).exists():
        return image_filename
    if not cleaned.exists():  # OCR off (--ocr-engine none), or the OCR image was not ours: clean this one
        with Image.open(image_filename) as img:
            img.load()
            clean_for_ocr(img, page.options, cleaned, verify=False, reads=False)
    if not cleaned.exists():
        return image_filename
    return cleaned
