"""Tesseract, the one external tool: an availability probe and one call that reads a page.

Module-level functions with keyword-only options, so they pickle into process pools.
``OMP_THREAD_LIMIT=1`` keeps each Tesseract process on one core; parallelism comes from
running several pages at once.
"""

from __future__ import annotations

import functools
import os
import shutil

import numpy as np
import pytesseract
from PIL import Image

from pagewash.exceptions import TesseractMissing
from pagewash.settings import get_settings

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


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


def image_to_text(page: np.ndarray, *, lang: str | None = None, psm: int | None = None) -> str:
    """OCR one grey page (uint8, or float in [0, 1]) to plain text."""
    if not available():
        raise TesseractMissing("tesseract is not installed: apt-get install tesseract-ocr")
    settings = get_settings()
    u8 = page if page.dtype == np.uint8 else np.clip(page * 255 + 0.5, 0, 255).astype(np.uint8)
    config = f"--psm {psm or settings.tesseract_psm}"
    return pytesseract.image_to_string(
        Image.fromarray(u8), lang=lang or settings.tesseract_lang, config=config, timeout=settings.tesseract_timeout
    )
