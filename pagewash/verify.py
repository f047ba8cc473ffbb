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

The structure steps add two comparisons. Where a page was turned by a quarter, the raw page
as it came competes too, and wins only when Tesseract is much surer of it (``GUARD``): a
wrong turn must never cost a page its text. And where the winning page has ruling lines
(``pagewash.lines``), it is read once more without them, and the surer read is kept. Each
costs one more read, on those pages only (docs/benchmarks.md#structure).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from pagewash import lines, tesseract
from pagewash.geometry import Geometry
from pagewash.imageio import at_scale, resize_to, to_u8

GUARD = 1.3  # the page as it came must score this many times the corrected one's best to win


@dataclass(frozen=True)
class Version:
    source: str  # "clean" or "raw"
    page: np.ndarray
    scale: int  # against the input
    corrected: bool = True  # set upright and straight by the geometry (False: the raw page as it came)
    lines_removed: bool = False


@dataclass
class Choice:
    result: tesseract.OcrResult  # boxes on ``version.page``
    version: Version

    def in_input(self, geometry: Geometry) -> tesseract.OcrResult:
        """The read with its boxes in the input's pixels."""
        v = self.version
        if geometry.identity or not v.corrected:
            return tesseract.scale_boxes(self.result, 1 / v.scale)
        return tesseract.map_boxes(self.result, lambda box: geometry.to_input(box, v.scale))


def versions(
    raw: np.ndarray, cleaned: np.ndarray, also: tuple[np.ndarray, ...] = (), geometry: Geometry | None = None
) -> list[Version]:
    """Each version of one page that competes. ``cleaned`` and ``also`` are already upright and
    straight, ``raw`` is the page as it came (``geometry`` sets it right)."""
    geometry = geometry or Geometry(raw.shape[:2])
    right = geometry.apply(raw)

    def scale(page: np.ndarray) -> int:
        return max(1, round(page.shape[0] / right.shape[0]))

    factor = scale(cleaned)
    out = [Version("clean", cleaned, factor), *(Version("clean", a, scale(a)) for a in also)]
    out.append(Version("raw", right, 1))
    if factor > 1:
        out.append(Version("raw", resize_to(to_u8(right), cleaned.shape), factor))
    if geometry.quarter % 4:  # at the scale the corrected pages are read at: else the contest is unfair
        out.append(Version("raw", at_scale(to_u8(raw), factor), factor, corrected=False))
    return out


def same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(to_u8(a), to_u8(b))


def choose(
    candidates: list[Version],
    *,
    lang: str | None,
    psm: int | None,
    formats: tuple[str, ...],
    dpi: float | None = None,
    unrule: bool = False,
) -> Choice:
    """The read Tesseract is surest of among ``candidates`` (the first is the chain's best
    guess), each read at ``dpi`` times its scale where given. A version identical to one
    read already is not read again; one not corrected must beat the corrected ones by
    ``GUARD``. With ``unrule``, the winner is read again without its ruling lines."""

    def read(v: Version) -> Choice:
        return Choice(tesseract.ocr(v.page, lang=lang, psm=psm, formats=formats, dpi=dpi * v.scale if dpi else None), v)

    done: list[Choice] = []
    for v in candidates:
        if not any(same(v.page, c.version.page) for c in done):
            done.append(read(v))
    right = [c for c in done if c.version.corrected]
    best = max(right or done, key=lambda c: c.result.score)
    for c in done:
        if not c.version.corrected and c.result.score > GUARD * best.result.score:
            best = c
    if unrule:
        page, found = lines.remove_lines(best.version.page)
        if found:
            bare = read(replace(best.version, page=page, lines_removed=True))
            best = bare if bare.result.score > best.result.score else best
    return best


def best_of(
    raw: np.ndarray,
    cleaned: np.ndarray,
    *,
    lang: str | None,
    psm: int | None,
    formats: tuple[str, ...],
    also: tuple[np.ndarray, ...] = (),
    dpi: float | None = None,
    geometry: Geometry | None = None,
    unrule: bool = False,
) -> Choice:
    """The best read of the cleaned page (and ``also``) against the raw page, with boxes on
    the page it read. For callers that hand the winning page on to another OCR step (the
    OCRmyPDF plugin), which reads it at ``dpi`` (``raw``'s; an upscaled version is read at
    ``dpi`` times its scale)."""
    return choose(versions(raw, cleaned, also, geometry), lang=lang, psm=psm, formats=formats, dpi=dpi, unrule=unrule)


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
    choice = best_of(raw, cleaned, lang=lang, psm=psm, formats=formats, also=also)
    return choice.in_input(Geometry(raw.shape[:2])), choice.version.source
