"""Tesseract, the OCR engine (OCRmyPDF and Ghostscript, the other external tools, are
driven from ``pagewash.pdf``): availability and language probes, and one call that reads a
page into text, hOCR and TSV in a single Tesseract run.

Module-level functions with keyword-only options, so they pickle into process pools.
``OMP_THREAD_LIMIT=1`` keeps each Tesseract process on one core; parallelism comes from
running several pages at once.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytesseract
from PIL import Image

from pagewash.errors import OcrFailed, TesseractMissing
from pagewash.imageio import to_u8
from pagewash.result import Word, words
from pagewash.settings import get_settings

log = logging.getLogger(__name__)
# Only Tesseract's own environment: set in ours, OMP_THREAD_LIMIT would also cap torch at one
# thread (OpenMP reads it when torch first runs a parallel region).
TESSERACT_ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}
FORMATS = ("txt", "hocr", "tsv")


@dataclass
class OcrResult:
    text: str
    hocr: str | None = None
    tsv: str | None = None
    mean_confidence: float | None = None  # mean word confidence (0-100) from the TSV
    score: float = 0.0  # confidence-weighted word count (``word_score``), to compare two reads of one page


@functools.cache
def version() -> str | None:
    """Tesseract's version, or None when the binary is not installed."""
    if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
        return None
    try:
        return str(pytesseract.get_tesseract_version())
    except pytesseract.TesseractNotFoundError:
        return None


def available() -> bool:
    return version() is not None


@functools.cache
def languages() -> frozenset[str]:
    return frozenset(pytesseract.get_languages()) if available() else frozenset()


def check(lang: str) -> None:
    """Raise a clear error naming the Debian package when Tesseract or a language is missing."""
    if not available():
        raise TesseractMissing("tesseract is not installed: apt-get install tesseract-ocr")
    missing = [code for code in lang.split("+") if code not in languages()]
    if missing:
        pkgs = " ".join(f"tesseract-ocr-{code.lower().replace('_', '-')}" for code in missing)
        raise TesseractMissing(f"tesseract language pack(s) {', '.join(missing)} missing: apt-get install {pkgs}")


def word_confidences(tsv: str) -> list[tuple[str, float]]:
    """(word, confidence 0-100) for each word Tesseract read."""
    return [(w.text, w.confidence) for w in words(tsv)]


def mean_confidence(tsv: str) -> float | None:
    """Mean confidence of the words."""
    confs = [c for _, c in word_confidences(tsv)]
    return float(np.mean(confs)) if confs else None


def word_score(tsv: str) -> float:
    """How much confident text a read found: the sum of squared confidences (0-1) of words with
    a letter or digit. A read that lost words scores lower, and so does one padded with the
    low-confidence junk Tesseract makes of noise (squaring shrinks those)."""
    return score_of(words(tsv))


def score_of(found: list[Word]) -> float:
    """``word_score`` of some words (a line's, a crop's)."""
    return float(sum((w.confidence / 100) ** 2 for w in found if any(ch.isalnum() for ch in w.text)))


def ocr(
    page: np.ndarray,
    *,
    lang: str | None = None,
    psm: int | None = None,
    formats: tuple[str, ...] = ("txt",),
    dpi: float | None = None,
) -> OcrResult:
    """OCR one grey page (uint8, or float in [0, 1]); one Tesseract run gives every format asked for.
    ``dpi`` is told to Tesseract where another program will read the page with its DPI, so that
    both reads see the same page (Tesseract's layout analysis changes with the DPI it is told)."""
    settings = get_settings()
    lang = lang or settings.tesseract_lang
    check(lang)
    wanted = ["txt", "tsv", *(["hocr"] if "hocr" in formats else [])]  # the TSV always: it gives the confidence
    with tempfile.TemporaryDirectory(prefix="pagewash-ocr-") as tmp:
        src, base = Path(tmp) / "page.png", Path(tmp) / "out"
        Image.fromarray(to_u8(page)).save(src, compress_level=1, **({"dpi": (dpi, dpi)} if dpi else {}))
        cmd = [
            pytesseract.pytesseract.tesseract_cmd,
            str(src),
            str(base),
            "-l",
            lang,
            "--psm",
            str(psm or settings.tesseract_psm),
            *wanted,
        ]
        try:
            done = subprocess.run(
                cmd, env=TESSERACT_ENV, capture_output=True, text=True, timeout=settings.tesseract_timeout
            )
        except subprocess.TimeoutExpired as e:
            raise OcrFailed(f"tesseract timed out after {settings.tesseract_timeout:.0f} s") from e
        if done.returncode != 0:
            log.warning("tesseract failed (%s): %s", done.returncode, done.stderr.strip()[-500:])
            raise OcrFailed(f"tesseract failed: {done.stderr.strip()[-200:] or done.returncode}")
        read = {f: (base.with_suffix(f".{f}").read_text(errors="replace") if f in wanted else None) for f in FORMATS}
    log.debug("read %dx%d psm %s", page.shape[1], page.shape[0], psm or settings.tesseract_psm)
    tsv = read["tsv"]
    hocr = read["hocr"].replace(f'image "{src}"; ', "") if "hocr" in formats and read["hocr"] else None
    return OcrResult(
        read["txt"] or "",
        hocr,  # without the name of the temporary file Tesseract read: the same page gives the same hOCR
        tsv if "tsv" in formats else None,
        mean_confidence(tsv) if tsv else None,
        word_score(tsv) if tsv else 0.0,
    )


_HOCR_BOX = re.compile(r"\b(bbox|baseline|x_size|x_descenders|x_ascenders|scan_res)((?: -?[\d.]+)+)")


def _scale_hocr_title(match: re.Match, f: float) -> str:
    key, numbers = match.group(1), [float(v) for v in match.group(2).split()]
    if key == "bbox":
        numbers = [round(v * f) for v in numbers]
    elif key == "baseline":  # slope stays, the offset is in pixels
        numbers = [numbers[0], round(numbers[1] * f)]
    elif key == "scan_res":
        numbers = [max(1, round(v * f)) for v in numbers]
    else:
        numbers = [round(v * f, 2) for v in numbers]
    return key + "".join(f" {v:g}" for v in numbers)


def map_tsv(tsv: str | None, fn: Callable[[list[int]], list[int]]) -> str | None:
    """The TSV with each row's left, top, width, height passed through ``fn``."""
    if not tsv:
        return tsv
    rows = tsv.split("\n")
    for i, row in enumerate(rows[1:], 1):
        cols = row.split("\t")
        if len(cols) >= 10 and cols[6].lstrip("-").isdigit():
            cols[6:10] = [str(v) for v in fn([int(v) for v in cols[6:10]])]
            rows[i] = "\t".join(cols)
    return "\n".join(rows)


def scale_boxes(result: OcrResult, f: float) -> OcrResult:
    """The same read with every hOCR and TSV coordinate times ``f``: Tesseract read an
    upscaled page, and callers expect boxes on the page they sent (f = 1 / the upscaling)."""
    if f == 1:
        return result
    hocr = _HOCR_BOX.sub(lambda m: _scale_hocr_title(m, f), result.hocr) if result.hocr else result.hocr
    tsv = map_tsv(result.tsv, lambda ltwh: [round(v * f) for v in ltwh])
    return dataclasses.replace(result, hocr=hocr, tsv=tsv)


Box = tuple[int, int, int, int]  # left, top, right, bottom


def map_boxes(result: OcrResult, to_input: Callable[[Box], Box]) -> OcrResult:
    """The same read with every hOCR ``bbox`` and TSV box passed through ``to_input`` (left,
    top, right, bottom -> the same on the input): Tesseract read a page turned upright and
    straightened (``pagewash.geometry``), and callers expect boxes on the page they sent."""

    def bbox(match: re.Match) -> str:
        box = to_input(tuple(int(float(v)) for v in match.group(1).split()))
        return "bbox " + " ".join(map(str, box))

    def ltwh(v: list[int]) -> list[int]:
        x0, y0, x1, y1 = to_input((v[0], v[1], v[0] + v[2], v[1] + v[3]))
        return [x0, y0, x1 - x0, y1 - y0]

    hocr = re.sub(r"\bbbox((?: -?[\d.]+){4})", bbox, result.hocr) if result.hocr else result.hocr
    return dataclasses.replace(result, hocr=hocr, tsv=map_tsv(result.tsv, ltwh))


def image_to_text(page: np.ndarray, *, lang: str | None = None, psm: int | None = None) -> str:
    """Plain text of one page."""
    return ocr(page, lang=lang, psm=psm).text
