"""Never hand OCR a page that cleaning made worse, at little more than the price of one read.

Cleaning can fail on damage it never saw (reversed text it missed, an unusual stain, a
form whose lines it took for noise). The raw page is there to compare with, and Tesseract's
own word confidences say which read found more text it trusts.

The chain's best guess (the cleaned page, at the scale OCR reads best, without its ruling
lines where it has any: ``pagewash.lines``) is read once, in full. Then only what is in
doubt is read again (``pagewash.reread``): the lines whose words Tesseract was unsure of,
and letter-sized ink it read no words from, are cut from that read's page, from the same
page with its rules, and from the raw page at the same scale (set right the same way, its
rules gone where the winner's went), and one Tesseract run over all those crops says, line
by line, which version reads surer; the winner's words replace that line's. A page whose
best guess Tesseract is sure of is read exactly once. (A page whose rules cover under
``MIN_RULES`` of it counts as one without.) With nothing to check against (no cleaning),
the page is read with its rules and without, in full, the surer kept.

Where the best guess is in doubt as a whole (no words at all, their mean confidence under
50, or most of them on unsure lines: the cleaning wiped or spoiled the text, or upscaling
did not suit the page), every version is read in full as verify always did: the cleaned
page and the raw page, at the upscaled scale and at the page's own (on a few low-resolution
forms upscaling of any kind loses text that the raw
page at its own size still gives: docs/benchmarks.md#low-resolution-pages). Boxes come back
in the raw page's pixels either way.

Where a page was turned by a quarter, the raw page as it came is read in full too, and wins
only when Tesseract is much surer of it (``GUARD``): a wrong turn must never cost a page its
text. The reads each page got are counted in docs/benchmarks.md#chain-cost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from pagewash import lines, reread, tesseract
from pagewash.geometry import Geometry
from pagewash.imageio import at_scale, resize_to, to_u8

GUARD = 1.3  # the page as it came must score this many times the corrected one's best to win
# Rules on under this share of a page's pixels (a stray underline, a short rule): on 10 pages
# like that the read moved by 0.016 of recall at most either way, on pages with more by up to
# 0.14 (docs/benchmarks.md#chain-cost), so such a page is read once, with them
MIN_RULES = 0.002
UNSURE_PAGE = 50.0  # a read whose words' mean confidence is under this is in doubt as a whole
WHOLE = 0.75  # more than this share of the best guess's words on unsure lines: the page is in doubt


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
    replaced: int = 0  # unsure lines whose words another version's crop gave (``pagewash.reread``)

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


def distinct(versions: list[Version]) -> list[Version]:
    """The versions with a page unlike every earlier one's (the same pixels read the same)."""
    out: list[Version] = []
    for v in versions:
        if not any(same(v.page, o.page) for o in out):
            out.append(v)
    return out


def unruling(v: Version) -> Callable[[Version], Version]:
    """A version -> it without the ruling lines found on ``v`` (the pixels of ``v``'s rules,
    painted with each page's own paper), for ``v`` and the other versions of its shape;
    the identity where ``v`` has none, or so few that reading the page without them is not
    worth a read (``MIN_RULES``)."""
    mask, stays, behind = lines.line_mask(v.page)
    if mask.mean() < MIN_RULES:
        return lambda other: other

    def bare(other: Version) -> Version:
        page = lines.paint(other.page, mask, stays, behind if other is v else None)
        return replace(other, page=page, lines_removed=True)

    return bare


def surest(choices: list[Choice]) -> Choice:
    return max(choices, key=lambda c: c.result.score)


def in_doubt(result: tesseract.OcrResult) -> bool:
    """The read as a whole is unsure: no words, their mean confidence under ``UNSURE_PAGE``,
    or more than ``WHOLE`` of them on unsure lines."""
    found = reread.lines_of(result.tsv)
    if not found or (result.mean_confidence or 0) < UNSURE_PAGE:
        return True
    unsure = sum(line.words for line in reread.in_doubt(found))
    return unsure > WHOLE * sum(line.words for line in found)


def choose(
    candidates: list[Version],
    *,
    lang: str | None,
    psm: int | None,
    formats: tuple[str, ...],
    dpi: float | None = None,
    unrule: bool = False,
    full: bool = False,
) -> Choice:
    """The read of ``candidates`` (the first is the chain's best guess; the rest are set right
    the same way, or not ``corrected``) that verify keeps, each read at ``dpi`` times its
    scale where given. With ``unrule``, the best guess is read without its ruling lines
    (and, where it is the only version, with them too, the surer kept).
    ``full``: every version read in full, and the winner again without its lines (verify
    before the re-reads of ``pagewash.reread``: the benchmarks' yardstick)."""
    wanted = tuple(dict.fromkeys((*formats, "tsv")))  # the TSV always: it says which lines are unsure

    def read(v: Version) -> Choice:
        dpi_v = dpi * v.scale if dpi else None
        return Choice(tesseract.ocr(v.page, lang=lang, psm=psm, formats=wanted, dpi=dpi_v), v)

    first, right = candidates[0], [v for v in candidates[1:] if v.corrected]
    if full:
        best = surest([read(v) for v in distinct([first, *right])])
        bare = unruling(best.version)(best.version) if unrule else best.version
        if bare is not best.version:
            best = surest([best, read(bare)])
    else:
        bare = unruling(first) if unrule else (lambda v: v)
        guess, ruled = bare(first), []
        if guess is first:
            best = read(first)
        elif right:
            # a page with rules is read without them (surer on forms), and with them only
            # where in doubt: its unsure lines in the collage below, beside the raw page's
            best, ruled = read(guess), [first]
        else:
            # no raw page to check against (no cleaning): the page with its rules is the page
            # as it came, and reading it in full is the only check that taking the rules out
            # cost no text (one read and the collage put 15 of 149 FUNSD forms > 0.05 below
            # plain Tesseract, both reads 7)
            best = surest([read(first), read(guess)])
        if in_doubt(best.result):  # the whole page: every version in full, as verify always did
            best = surest([best, *(read(v) for v in distinct([best.version, *ruled, *right])[1:])])
        else:
            # the unsure lines only, against the versions at the best guess's scale (the page
            # with its rules; the raw page, its rules gone where the winner's went)
            shaped = [v for v in right if v.page.shape == first.page.shape]
            others = [bare(v) if best.version.lines_removed else v for v in shaped]
            # the raw page second: unread text is looked for on it (what the cleaning wiped)
            pages = [to_u8(v.page) for v in distinct([best.version, *others, *ruled])]
            if len(pages) > 1:
                dpi_g = dpi * first.scale if dpi else None
                result, replaced = reread.reread(best.result, pages, lang=lang, dpi=dpi_g)
                best = Choice(result, best.version, replaced)
    for v in candidates:  # the page as it came, where it was turned: a wrong turn must not cost its text
        if not v.corrected:
            c = read(v)
            if c.result.score > GUARD * best.result.score:
                best = c
    if "tsv" not in formats:
        best = Choice(replace(best.result, tsv=None), best.version, best.replaced)
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
