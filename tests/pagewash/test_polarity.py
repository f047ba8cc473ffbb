"""Reversed text (white on dark) keeps its words through cleaning; ordinary pages are left alone."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pagewash import tesseract
from pagewash.engine import denoise
from pagewash.metrics import word_recall
from pagewash.polarity import normalise_polarity, reversed_mask
from tests.conftest import requires_tesseract
from training.synth import make_sample

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LINES = ["Quarterly results beat", "every forecast we made", "Revenue grew in all regions"]


def reversed_page(ground: int, ink: int, band: tuple[int, int] | None = None, size: int = 40) -> np.ndarray:
    """A slide (white text on a dark ground), or with ``band`` a light page whose rows
    band[0]..band[1] are a dark band carrying the text."""
    img = Image.new("L", (1400, 900), 250 if band else ground)
    d = ImageDraw.Draw(img)
    top = 200
    if band:
        d.rectangle((0, band[0], 1400, band[1]), fill=ground)
        top = band[0] + 20
    font = ImageFont.truetype(FONT, size)
    for i, line in enumerate(LINES):
        d.text((80, top + i * int(size * 1.6)), line, font=font, fill=ink)
    noise = np.random.default_rng(0).normal(0, 0.04, (900, 1400))
    return np.clip(np.asarray(img, np.float32) / 255 + noise, 0, 1).astype(np.float32)


@pytest.mark.parametrize(
    "page",
    [
        reversed_page(35, 240),
        reversed_page(90, 255),
        reversed_page(130, 255),
        reversed_page(30, 230, size=20),
        reversed_page(40, 245, (300, 560)),
    ],
    ids=["dark-slide", "grey-slide", "mid-grey-slide", "small-text-slide", "band"],
)
def test_reversed_regions_are_found(page):
    mask = reversed_mask(page)
    assert mask is not None
    out = normalise_polarity(page)
    before, after = page[mask], out[mask]
    assert np.median(before) < np.percentile(before, 99.9) - 0.3  # the ground was darker than the text
    assert np.median(after) > np.percentile(after, 0.1) + 0.3  # now the ground is lighter than the text


def test_ordinary_pages_are_left_alone():
    samples = [make_sample(seed, "val") for seed in range(100_000, 100_040)]
    pages = [s.noisy.astype(np.float32) / 255 for s in samples if not {"slide", "reversed"} & set(s.meta["blocks"])]
    assert len(pages) > 30
    flagged = [i for i, p in enumerate(pages) if reversed_mask(p) is not None]
    assert flagged == []
    assert normalise_polarity(pages[0]) is pages[0]


@requires_tesseract
@pytest.mark.parametrize("band", [None, (300, 560)], ids=["slide", "band"])
def test_inverted_text_keeps_its_words_through_cleaning(default_model, band):
    page = reversed_page(35, 240, band)
    truth = " ".join(LINES)
    cleaned = denoise(default_model, page)
    assert word_recall(truth, tesseract.image_to_text(cleaned)) >= 0.9
