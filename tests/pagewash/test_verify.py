"""OCR keeps the better of the raw and the cleaned read."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import pagewash
from pagewash import tesseract
from pagewash.imageio import load_page
from pagewash.verify import read_best
from tests.conftest import requires_tesseract

HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"


def tsv(*words: tuple[str, float]) -> str:
    rows = [f"5\t1\t1\t1\t1\t{i}\t0\t0\t10\t10\t{c}\t{w}" for i, (w, c) in enumerate(words, 1)]
    return "\n".join([HEADER, "4\t1\t1\t1\t1\t0\t0\t0\t10\t10\t-1\t", *rows])


def test_word_score_rewards_confident_words_and_shrinks_junk():
    clean = tesseract.word_score(tsv(("Invoice", 96), ("total", 93), ("42.10", 91)))
    junk = tesseract.word_score(tsv(*[("~:", 20)] * 10, *[("a,", 25)] * 6))
    assert clean > 2.5 > junk
    assert tesseract.word_score(tsv(("--", 99), ("|", 95))) == 0  # punctuation alone is no text


EXAMPLE = Path(pagewash.__file__).parent / "examples" / "01_stains_show_through"


@requires_tesseract
def test_a_cleaning_that_erased_the_text_loses_to_the_raw_page():
    raw = load_page(EXAMPLE.with_suffix(".clean.png"))
    blank = np.ones_like(raw)
    result, source = read_best(raw, blank, lang="eng", psm=None, formats=("txt",))
    assert source == "raw" and len(result.text.split()) > 50


@requires_tesseract
def test_a_good_cleaning_is_kept():
    raw, clean = load_page(EXAMPLE.with_suffix(".png")), load_page(EXAMPLE.with_suffix(".clean.png"))
    result, source = read_best(raw, clean, lang="eng", psm=None, formats=("txt",))
    assert source == "clean" and len(result.text.split()) > 50


@requires_tesseract
def test_an_upscaled_cleaning_competes_with_the_page_at_its_size_and_both_raw_pages():
    """A blank upscaled cleaning never wins: against a good cleaning at the page's size (the
    clean page itself here) or, where that is blank too, against the raw page as it is and
    bicubic-upscaled; whichever wins, the boxes land on the words of the page sent."""
    from tests.lowres_page import boxes_on_words, lowres_page

    page, truth = lowres_page(noise=0)
    raw = lowres_page(noise=70)[0].astype(np.float32) / 255  # too noisy to read well at any size
    blank_2x = np.ones((raw.shape[0] * 2, raw.shape[1] * 2), np.float32)
    result, source = read_best(raw, blank_2x, lang="eng", psm=None, formats=("hocr",), also=(page / 255,))
    assert source == "clean"
    on, matched = boxes_on_words(result.hocr, truth)
    assert matched >= 0.8 * len(truth) and on >= 0.9 * matched
    raw = lowres_page()[0].astype(np.float32) / 255  # readable
    result, source = read_best(raw, blank_2x, lang="eng", psm=None, formats=("hocr",), also=(np.ones_like(raw),))
    assert source == "raw" and "bbox 0 0 640 200" in result.hocr
