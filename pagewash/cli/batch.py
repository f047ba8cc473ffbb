"""Clean files and folders: find inputs, map them to outputs, clean, report.

Each step is a plain function; ``clean_inputs`` composes them. A bad file is reported and
skipped; the rest are still cleaned.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from pagewash import chain, tesseract
from pagewash.errors import PagewashError
from pagewash.imageio import IMAGE_SUFFIXES, image_dpi, iter_pages, save_png, scale_dpi
from pagewash.model_store import Model
from pagewash.pdf import PdfJob, PdfResult, is_pdf, process_pdf
from pagewash.settings import Structure, upscale_choice
from pagewash.threads import opencv

log = logging.getLogger(__name__)


@dataclass
class Job:
    src: Path
    rel: Path  # output path relative to OUT, without the page suffix and extension


@dataclass
class Summary:
    files: int = 0
    pages: int = 0
    skipped: int = 0
    failed: list[tuple[Path, str]] = field(default_factory=list)
    # not done because the service was away (busy past the retries, or unreachable): nothing
    # is wrong with these files, and a rerun (or the hot folder's next round) resumes them
    away: list[tuple[Path, str]] = field(default_factory=list)

    def line(self, out: Path) -> str:
        text = f"cleaned {self.pages} page(s) from {self.files} file(s) into {out}"
        if self.skipped:
            text += f", skipped {self.skipped} already done"
        if self.failed:
            text += f", {len(self.failed)} failed"
        if self.away:
            text += f", {len(self.away)} not done while the service was away (run again to resume)"
        return text


INPUT_SUFFIXES = IMAGE_SUFFIXES | {".pdf"}


def find_inputs(inputs: list[Path]) -> list[Job]:
    """Files as given; folders searched recursively for images and PDFs. Output names keep the
    relative path; two inputs that would share an output keep their extension in the name."""
    jobs = []
    for item in inputs:
        if item.is_dir():
            for path in sorted(item.rglob("*")):
                if path.is_file() and path.suffix.lower() in INPUT_SUFFIXES:
                    jobs.append(Job(path, path.relative_to(item).with_suffix("")))
        else:
            jobs.append(Job(item, Path(item.stem)))
    clashes = Counter(j.rel for j in jobs)
    for j in jobs:
        if clashes[j.rel] > 1:
            j.rel = j.rel.with_name(j.src.name)
    return jobs


def n_frames(path: Path) -> int:
    """Page count from the header alone (1 when unknown or unreadable: decoding will say why)."""
    try:
        with Image.open(path) as img:
            return getattr(img, "n_frames", 1)
    except Exception:
        return 1


def is_pdf_file(path: Path) -> bool:
    """A PDF by its content (a PDF named .png is still a PDF)."""
    try:
        with open(path, "rb") as fp:
            return is_pdf(fp.read(1024))
    except OSError:
        return False


def pdf_outputs(out: Path, rel: Path, ocr: OcrOptions | None) -> list[Path]:
    """``x.pdf`` (the cleaned pages; searchable with OCR) and, with OCR, ``x.txt``."""
    pdf = out / rel.with_name(rel.name + ".pdf")
    return [pdf, pdf.with_suffix(".txt")] if ocr is not None else [pdf]


def clean_pdf(job: Job, out: Path, pdf: PdfJob, ocr: OcrOptions | None) -> PdfResult:
    """One PDF through OCRmyPDF and the pagewash plugin (``pagewash.pdf``)."""
    paths = pdf_outputs(out, job.rel, ocr)
    paths[0].parent.mkdir(parents=True, exist_ok=True)
    settings = dataclasses.replace(pdf, ocr=ocr is not None, lang=ocr.lang if ocr is not None else pdf.lang)
    result = process_pdf(job.src, paths[0], settings, paths[1] if ocr is not None else None)
    if result.describe():
        log.info("%s: %s", job.src, result.describe())
    return result


def output_paths(out: Path, rel: Path, pages: int) -> list[Path]:
    """``x.png`` for one page; ``x.p001.png``, ``x.p002.png`` ... for a multi-page file."""
    if pages == 1:
        return [out / rel.with_name(rel.name + ".png")]
    return [out / rel.with_name(f"{rel.name}.p{i:03d}.png") for i in range(1, pages + 1)]


def outputs(job: Job, out: Path, ocr: OcrOptions | None) -> list[Path]:
    """Every file ``job`` writes into ``out``: a PDF's PDF (and text), an image's pages (and
    each page's OCR formats)."""
    if is_pdf_file(job.src):
        return pdf_outputs(out, job.rel, ocr)
    pages = output_paths(out, job.rel, n_frames(job.src))
    return pages + [p.with_suffix(f".{f}") for p in pages for f in (ocr.formats if ocr else ())]


def already_done(job: Job, out: Path, ocr: OcrOptions | None, overwrite: bool) -> bool:
    """The rule that lets a rerun skip what an earlier run finished, here or through a
    service: every output exists (and ``--overwrite`` was not given)."""
    return not overwrite and all(p.exists() for p in outputs(job, out, ocr))


@dataclass
class OcrOptions:
    lang: str = "eng"
    psm: int = 3  # Tesseract page segmentation mode
    formats: tuple[str, ...] = ("txt",)
    jobs: int = 2  # Tesseract processes (each on one core)
    verify: bool = True  # also read the raw page; keep the read Tesseract is surer of (pagewash.verify)
    lines: bool = True  # also read the winner without its ruling lines; keep the surer read (pagewash.lines)


def ocr_to_files(
    cleaned: chain.Cleaned,
    raw: np.ndarray | None,
    png_path: Path,
    ocr: OcrOptions,
    dpi: tuple[float, float] | None = None,
) -> None:
    """Write ``x.txt`` / ``x.hocr`` / ``x.tsv`` beside ``x.png`` (runs in a pool process),
    boxes in the input's pixels. Where verify kept the raw read, ``x.png`` becomes the raw
    page too, so the picture and the text agree."""
    done = chain.read(cleaned, raw, lang=ocr.lang, psm=ocr.psm, formats=ocr.formats, unrule=ocr.lines)
    if done.source == "raw" and raw is not None:
        log.info("%s: the raw page reads better than the cleaned one; keeping it", png_path)
        save_png(png_path, done.picture, dpi=dpi)
    for fmt in ocr.formats:
        text = {"txt": done.result.text, "hocr": done.result.hocr, "tsv": done.result.tsv}[fmt]
        tmp = png_path.with_suffix(f".{fmt}.part")
        tmp.write_text(text or "")
        tmp.replace(png_path.with_suffix(f".{fmt}"))


def clean_file(
    model: Model | None,
    job: Job,
    out: Path,
    binarize: bool,
    ocr_pool=None,
    ocr: OcrOptions | None = None,
    upscale: str | None = None,
    structure: Structure | None = None,
) -> tuple[int, list[Future]]:
    """Clean (or, with no model, just copy) each page to PNG, upright and straight as
    ``structure`` says; queue its OCR on ``ocr_pool``.
    ``upscale`` (auto, 2, 4) also upscales the written page; without it the page keeps its
    size and only what OCR reads follows ``PAGEWASH_UPSCALE`` (``settings.upscale_choice``)."""
    pages = list(iter_pages(job.src))  # decode every page first: a corrupt page writes nothing
    paths = output_paths(out, job.rel, len(pages))
    dpi = image_dpi(job.src)
    scale, upscale_image = upscale_choice(upscale, ocr is not None)
    futures = []
    for page, path in zip(pages, paths):
        cleaned = chain.clean(
            model, page, upscale=scale, upscale_image=upscale_image, binarize=binarize, structure=structure
        )
        out_dpi = scale_dpi(dpi, cleaned.image_factor)
        save_png(path, cleaned.picture, dpi=out_dpi)
        if ocr_pool is not None and ocr is not None:
            raw = chain.raw_for_verify(page, ocr.verify, model is not None or cleaned.turned)
            futures.append(ocr_pool.submit(ocr_to_files, cleaned, raw, path, ocr, out_dpi))
    return len(pages), futures


def reader_pool(jobs: int) -> ProcessPoolExecutor:
    """The ``jobs`` processes pages are read in while this one cleans the next: OpenCV, here
    and in them, on their share of the cores (``pagewash.threads``; set before the first page,
    and the readers inherit it; Tesseract itself runs on one thread)."""
    opencv((os.cpu_count() or 1) // jobs)
    return ProcessPoolExecutor(jobs)


def clean_inputs(
    jobs: list[Job],
    out: Path,
    model: Model | None,
    *,
    binarize: bool = False,
    overwrite: bool = False,
    ocr: OcrOptions | None = None,
    upscale: str | None = None,
    progress: Callable[[Job], None] | None = None,
    pdf: PdfJob | None = None,
    structure: Structure | None = None,
) -> Summary:
    """Clean every job into ``out`` (``model=None`` keeps pages as they are, for OCR without
    cleaning); with ``ocr``, Tesseract reads each written page in a process pool of
    ``ocr.jobs`` while the next pages are cleaned, with no more than that many pages waiting
    (memory stays flat on a folder of thousands), and ``progress`` hears of a file once its
    last page is read. ``upscale`` writes upscaled pages (see ``clean_file``). PDFs go through OCRmyPDF as ``pdf`` says
    (``clean_pdf``), one at a time: OCRmyPDF runs their pages in parallel itself."""
    pdf = pdf or PdfJob()
    summary = Summary()
    if ocr is not None:
        tesseract.check(ocr.lang)  # fail once, clearly, before any work
    jobs_at_once = max(ocr.jobs, 1) if ocr is not None else 1
    pool = reader_pool(jobs_at_once) if ocr is not None else None
    in_flight: list[tuple[Job, list[Future]]] = []  # files whose pages Tesseract is still reading

    def settle(most: int) -> None:
        """Wait until at most ``most`` pages are being read; report each file read in full."""
        while in_flight:
            for item in [x for x in in_flight if all(f.done() for f in x[1])]:
                in_flight.remove(item)
                for fut in item[1]:
                    if isinstance(fut.exception(), PagewashError):
                        summary.failed.append((item[0].src, f"OCR: {fut.exception()}"))
                    elif fut.exception() is not None:
                        raise fut.exception()
                if progress:
                    progress(item[0])
            pending = [f for _, fs in in_flight for f in fs if not f.done()]
            if len(pending) <= most:
                return
            wait(pending, return_when=FIRST_COMPLETED)

    try:
        for job in jobs:
            queued = False
            try:
                if already_done(job, out, ocr, overwrite):
                    summary.skipped += 1
                elif is_pdf_file(job.src):
                    summary.pages += clean_pdf(job, out, pdf, ocr).pages
                    summary.files += 1
                else:
                    pages, futures = clean_file(model, job, out, binarize, pool, ocr, upscale, structure)
                    summary.pages += pages
                    summary.files += 1
                    if futures:
                        in_flight.append((job, futures))
                        queued = True
            except PagewashError as e:
                summary.failed.append((job.src, str(e)))
                log.warning("%s: %s", job.src, e)
            except Exception as e:  # one bad file must not stop a folder: report it with its traceback
                summary.failed.append((job.src, f"unexpected {type(e).__name__}: {e}"))
                log.exception("%s: unexpected error", job.src)
            finally:
                if progress and not queued:
                    progress(job)
            # pages in flight: as many as Tesseract processes, and one more being cleaned meanwhile
            settle(jobs_at_once)
        settle(0)
    finally:
        if pool is not None:
            pool.shutdown()
    return summary
