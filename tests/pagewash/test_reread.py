"""Re-reading only what is in doubt (``pagewash.reread``) and verify built on it: a region
re-read replaces exactly the words of its region, boxes on the input; a page Tesseract is
sure of is read once."""

from __future__ import annotations

import logging
import re
import xml.dom.minidom

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pagewash import chain, reread, tesseract
from pagewash.geometry import Geometry
from pagewash.result import words
from pagewash.verify import Version, choose
from tests.conftest import requires_tesseract

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LINES = [
    "Quarterly report of the northern office",
    "Invoices were paid within thirty days",
    "Shipping costs rose sharply in March",
    "The warehouse moved to a larger building",
    "Staff numbers stayed the same all year",
]
DAMAGED = 2  # the line the "cleaning" spoils


def page_of(lines: list[str] = LINES) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """(uint8 page, each line's (top, bottom) in its pixels)."""
    font = ImageFont.truetype(FONT, 26)
    img = Image.new("L", (900, 80 + 60 * len(lines)), 255)
    draw = ImageDraw.Draw(img)
    spans = []
    for i, text in enumerate(lines):
        box = draw.textbbox((40, 40 + 60 * i), text, font=font)
        draw.text((40, 40 + 60 * i), text, font=font, fill=0)
        spans.append((box[1], box[3]))
    return np.asarray(img).copy(), spans


def spoiled(page: np.ndarray, span: tuple[int, int], blur: float = 1.8, speckle: float = 50) -> np.ndarray:
    """The page with one line blurred and speckled past a sure read (by default: read, but
    unsure; more, and Tesseract reads no words there at all)."""
    out = page.copy()
    top, bottom = span[0] - 6, span[1] + 6
    band = cv2.GaussianBlur(out[top:bottom].astype(np.float32), (0, 0), blur)
    noise = np.random.default_rng(0).normal(0, speckle, band.shape)
    out[top:bottom] = np.clip(band + noise, 0, 255).astype(np.uint8)
    return out


def grainy(page: np.ndarray) -> np.ndarray:
    """The page under heavy grain: a raw page that reads worse than its perfect cleaning."""
    return np.clip(page + np.random.default_rng(1).normal(0, 40, page.shape), 0, 255).astype(np.uint8)


def bare_words(text: str) -> list[str]:
    """The words of a read without their punctuation (a rule's end can read as "." or "'")."""
    return re.sub(r"[^\w\s]", "", text).split()


class Reads(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sizes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.sizes.append(record.getMessage())


@pytest.fixture
def reads():
    log = logging.getLogger("pagewash.tesseract")
    handler, level = Reads(), log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    yield handler.sizes
    log.removeHandler(handler)
    log.setLevel(level)


def test_a_collage_stacks_each_line_from_each_version_and_words_find_their_slot():
    a, b = np.full((200, 300), 255, np.uint8), np.zeros((200, 300), np.uint8)
    lines = [
        reread.Line((1, 1, 1, 1), (20, 30, 120, 50), 40.0, 2),
        reread.Line((1, 1, 1, 2), (10, 100, 290, 130), 50.0, 3),
    ]
    picture, slots = reread.collage([a, b], lines)
    assert [(s.line, s.version) for s in slots] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    for s in slots:  # version 1 is black: its crops are black in the collage, version 0's white
        x0, y0, x1, y1 = s.box
        crop = picture[s.top : s.top + y1 - y0, s.left : s.left + x1 - x0]
        assert crop.shape == (y1 - y0, x1 - x0) and (crop == (0 if s.version else 255)).all()
        mid = s.top + (y1 - y0) // 2
        assert slots[reread.slot_of((s.left, mid - 2, s.left + 5, mid + 2), slots)] == s
    assert reread.slot_of((0, 0, 5, 3), slots) is None  # the white above the first crop


def test_splice_replaces_one_lines_words_in_tsv_hocr_and_text():
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    tsv = "\n".join(
        [
            header,
            "4\t1\t1\t1\t1\t0\t10\t10\t100\t20\t-1\t",
            "5\t1\t1\t1\t1\t1\t10\t10\t40\t20\t95\tkeep",
            "5\t1\t1\t1\t1\t2\t60\t10\t50\t20\t96\tthis",
            "4\t1\t1\t1\t2\t0\t10\t40\t100\t20\t-1\t",
            "5\t1\t1\t1\t2\t1\t10\t40\t40\t20\t30\tjunk",
        ]
    )
    hocr = (
        "<span class='ocr_line' id='line_1_1' title=\"bbox 10 10 110 30; baseline 0 0\">\n"
        "      <span class='ocrx_word' id='word_1_1' title='bbox 10 10 50 30; x_wconf 95'>keep</span>\n"
        "      <span class='ocrx_word' id='word_1_2' title='bbox 60 10 110 30; x_wconf 96'>this</span>\n     </span>\n"
        "<span class='ocr_line' id='line_1_2' title=\"bbox 10 40 110 60; baseline 0 0\">\n"
        "      <span class='ocrx_word' id='word_1_3' title='bbox 10 40 50 60; x_wconf 30'>junk</span>\n     </span>\n"
    )
    result = tesseract.OcrResult("keep this\njunk\n", hocr, tsv, 73.7, 1.0)
    new = [words("\n".join([header, "5\t1\t1\t1\t1\t1\t12\t41\t30\t18\t91.5\tgood"]))[0]]
    out = reread.splice(result, {(1, 1, 1, 2): new})
    assert out.text == "keep this\ngood\n"
    assert [(w.text, w.box) for w in words(out.tsv)] == [
        ("keep", (10, 10, 50, 30)),
        ("this", (60, 10, 110, 30)),
        ("good", (12, 41, 42, 59)),
    ]
    assert "junk" not in out.hocr and "title='bbox 12 41 42 59; x_wconf 92'>good</span>" in out.hocr
    assert out.hocr.count("keep") == 1 and out.hocr.count("this") == 1


def twice(page: np.ndarray) -> np.ndarray:
    return cv2.resize(page, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)


def band_of(words_: list, span: tuple[int, int], inside: bool = True) -> list:
    top, bottom = span[0] - 8, span[1] + 8
    return [w for w in words_ if (top <= (w.box[1] + w.box[3]) / 2 <= bottom) == inside]


@requires_tesseract
@pytest.mark.parametrize("blur, speckle", [(1.8, 50), (2.2, 60)], ids=["unsure-line", "wiped-line"])
def test_a_region_reread_replaces_exactly_the_words_of_its_region_with_boxes_in_input_pixels(reads, blur, speckle):
    """The best guess (here a "cleaning" that spoiled one line, upscaled 2x as for small
    print) is read once; its spoiled line (read unsure, or not read at all) is read again
    from the raw page in one more run, and only that line's words change: to the raw
    page's, boxes on the input's words. Every other word is the best guess's own read's."""
    raw, spans = page_of()
    bad = twice(spoiled(raw, spans[DAMAGED], blur, speckle))
    alone = tesseract.scale_boxes(tesseract.ocr(bad, formats=("tsv",)), 0.5)
    assert " ".join(w.text for w in band_of(words(alone.tsv), spans[DAMAGED])) != LINES[DAMAGED]
    reads.clear()
    cleaned = chain.Cleaned(
        cv2.resize(bad, raw.shape[::-1], interpolation=cv2.INTER_AREA), bad, 2, 1, Geometry(raw.shape)
    )
    done = chain.read(cleaned, raw, lang="eng", psm=None, formats=("txt", "tsv", "hocr"), unrule=False)
    assert len(reads) == 2 and done.reread == 1 and done.source == "clean"
    hocr = done.result.hocr
    xml.dom.minidom.parseString(hocr[hocr.index("<html") :])  # still well-formed
    assert all(f">{word}</span>" in hocr for word in LINES[DAMAGED].split())
    got = band_of(words(done.result.tsv), spans[DAMAGED])
    assert " ".join(w.text for w in got) == LINES[DAMAGED] and LINES[DAMAGED] in done.result.text
    top, bottom = spans[DAMAGED]
    for w in got:  # on the input's words: inside the line's band, at the input's scale
        assert top - 8 <= w.box[1] < w.box[3] <= bottom + 8 and w.box[2] <= raw.shape[1]
    kept = [(w.text, w.box) for w in band_of(words(done.result.tsv), spans[DAMAGED], inside=False)]
    assert kept == [(w.text, w.box) for w in band_of(words(alone.tsv), spans[DAMAGED], inside=False)]


@requires_tesseract
def test_a_page_whose_cleaning_is_perfect_is_read_exactly_once(reads):
    """A clean page without rules, cleaned as it is, beside a noisy raw page: Tesseract is
    sure of every line, so the whole chain reads it once, with lines, verify and all on."""
    raw, _ = page_of()
    noisy = grainy(raw)
    cleaned = chain.Cleaned(raw, None, 1, 1, Geometry(raw.shape))
    done = chain.read(cleaned, noisy, lang="eng", psm=None, formats=("txt",), unrule=True)
    assert len(reads) == 1 and done.reread == 0 and done.source == "clean"
    assert done.result.text.split() == " ".join(LINES).split()
    assert done.result.tsv is None  # the TSV verify needs is not handed on where not asked for


@requires_tesseract
def test_full_verify_reads_every_version(reads):
    raw, _ = page_of()
    noisy = grainy(raw)
    choose([Version("clean", raw, 1), Version("raw", noisy, 1)], lang="eng", psm=None, formats=("txt",), full=True)
    assert len(reads) == 2


def ruled(page: np.ndarray) -> np.ndarray:
    """The page with each line on an underline and a box around them all (a form)."""
    out = page.copy()
    h, w = out.shape
    for y in range(88, h - 20, 60):
        out[y : y + 3, 30 : w - 30] = 0
    out[10:13, 20 : w - 20] = out[h - 13 : h - 10, 20 : w - 20] = 0
    out[10 : h - 10, 20:23] = out[10 : h - 10, w - 23 : w - 20] = 0
    return out


@requires_tesseract
def test_a_ruled_page_whose_cleaning_is_perfect_is_read_once_without_its_rules(reads):
    """With a raw page to check against, a form is read once, without its rules: the page
    with them is only cut from where a line is in doubt, and nothing is here."""
    raw, _ = page_of()
    form = ruled(raw)
    noisy = grainy(form)
    cleaned = chain.Cleaned(form, None, 1, 1, Geometry(raw.shape))
    done = chain.read(cleaned, noisy, lang="eng", psm=None, formats=("txt",), unrule=True)
    assert len(reads) == 1 and done.lines_removed and done.source == "clean"
    assert bare_words(done.result.text) == " ".join(LINES).split()  # a rule's end reads "." or "‘"


@requires_tesseract
def test_a_ruled_page_with_nothing_to_check_against_is_read_with_its_rules_and_without(reads):
    """No cleaning, no raw page: reading the page with its rules in full is the one check
    that taking them out cost no text."""
    form = ruled(page_of()[0])
    done = chain.read(chain.Cleaned(form, None, 1, 1, Geometry(form.shape)), None, lang="eng", psm=None, unrule=True)
    assert len(reads) == 2 and done.result.text.split() == " ".join(LINES).split()


@requires_tesseract
def test_a_line_the_cleaning_wiped_off_a_ruled_page_comes_back_from_the_raw_page(reads):
    """Read once without its rules, a form whose cleaning wiped a line still gets that line:
    unread text is looked for on the raw page, not on the cleaned page with its rules."""
    raw, spans = page_of()
    form = ruled(raw)
    top, bottom = spans[DAMAGED]
    wiped = form.copy()
    wiped[top - 4 : bottom + 4] = np.where(form[top - 4 : bottom + 4] < 128, 255, form[top - 4 : bottom + 4])
    wiped[top - 4 : bottom + 4, 20:23] = wiped[top - 4 : bottom + 4, -23:-20] = 0  # the box's sides stay
    done = chain.read(chain.Cleaned(wiped, None, 1, 1, Geometry(raw.shape)), form, lang="eng", psm=None, unrule=True)
    assert done.lines_removed and done.reread >= 1
    found = bare_words(done.result.text)
    assert all(word in found for word in LINES[DAMAGED].split()), done.result.text
