"""Deskew on the built-in example pages turned by known angles: the angle found to within a
tenth of a degree, a straight page left alone byte for byte, nothing of the page cut off.
(The examples' clean pages carry a skew of their own, from 0.03 to 2.3 degrees: the angle
found on a turned page is compared with the page's own plus the turn.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pagewash import deskew
from pagewash.imageio import load_page

EXAMPLES = Path(__file__).parents[2] / "pagewash" / "examples"
CLEAN = sorted(EXAMPLES.glob("*.clean.png"))


@pytest.mark.parametrize("angle", [-7.5, -3.0, -0.6, 0.4, 3.0, 9.0])
def test_the_skew_of_a_turned_page_is_found_within_a_tenth_of_a_degree(angle):
    for path in CLEAN:
        page = load_page(path)
        own, found = deskew.estimate(page), deskew.estimate(deskew.rotate(page, angle))
        assert abs(found - (own + angle)) < 0.1, (path.name, own, angle, found)


def test_a_straight_page_comes_back_as_it_was():
    page = load_page(EXAMPLES / "03_phone_photo_shadow.clean.png")  # 0.03 degrees off
    same, angle = deskew.straighten(page)
    assert angle == 0.0 and same is page


def test_a_skewed_test_page_keeps_all_of_itself_and_a_straightened_page_its_size():
    black = np.zeros((600, 800), np.float32)  # every pixel of it must land on the canvas
    turned = deskew.rotate(black, 5.0)
    assert turned.shape[0] > 600 and turned.shape[1] > 800
    assert (turned < 0.5).sum() == pytest.approx(600 * 800, rel=0.005)
    page = load_page(EXAMPLES / "03_phone_photo_shadow.clean.png")
    skewed = deskew.rotate(page, 5.0)
    back, angle = deskew.straighten(skewed)
    assert angle == pytest.approx(5.0, abs=0.1)
    assert back.shape == skewed.shape and abs(deskew.estimate(back)) < 0.1


def test_a_page_without_text_has_no_skew():
    assert deskew.estimate(np.ones((800, 600), np.float32)) == 0.0
    rng = np.random.default_rng(0)
    photo = rng.uniform(0, 1, (800, 600)).astype(np.float32)  # no letters in it
    assert abs(deskew.estimate(photo)) <= deskew.LIMIT


def test_a_page_of_short_fields_is_left_unstraightened_and_a_page_of_lines_is_not():
    """Straightening resamples the page; where its lines are short (a form's fields) it sharpens
    them too little to pay for that (real forms read worse straightened: docs/benchmarks.md)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 16)
    img = Image.new("L", (1200, 1500), 255)
    d = ImageDraw.Draw(img)
    for i in range(28):  # a column of fields, a word or two each
        d.text((100 + 37 * (i % 3), 60 + 50 * i), "Date 12", fill=0, font=font)
    fields = deskew.rotate(np.asarray(img, np.float32) / 255, 2.0, expand=False)
    angle, gain = deskew.measure(fields)
    assert angle > 1 and gain < deskew.MIN_GAIN and deskew.correction(fields) == 0.0
    page = deskew.rotate(load_page(EXAMPLES / "03_phone_photo_shadow.clean.png"), 0.4, expand=False)
    assert deskew.correction(page) == pytest.approx(deskew.estimate(page)) and abs(deskew.correction(page)) > 0.3
