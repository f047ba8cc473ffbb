"""Boxes found on a page set upright and straight map back onto the same place in the input:
a dark rectangle drawn at a known box is found there again, for every quarter turn, with
and without a skew, at the input's scale and at twice it."""

from __future__ import annotations

import numpy as np
import pytest

from pagewash.geometry import Geometry
from pagewash.imageio import resize_to

BOX = (130, 60, 250, 100)  # left, top, right, bottom on a 300 x 400 (H x W) input


def page_with_box() -> np.ndarray:
    page = np.ones((300, 400), np.float32)
    left, top, right, bottom = BOX
    page[top:bottom, left:right] = 0
    return page


def dark_box(page: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(page < 0.5)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


@pytest.mark.parametrize("quarter", [0, 1, 2, 3])
@pytest.mark.parametrize("scale", [1, 2])
def test_a_box_on_the_upright_page_maps_back_exactly(quarter, scale):
    turned_input = np.ascontiguousarray(np.rot90(page_with_box(), quarter))  # as the scan came in
    g = Geometry(turned_input.shape, quarter=quarter)
    upright = g.apply(resize_to(turned_input, (turned_input.shape[0] * scale, turned_input.shape[1] * scale)))
    back = g.to_input(dark_box(upright), scale)
    assert back == dark_box(turned_input), (back, dark_box(turned_input))


@pytest.mark.parametrize("quarter", [0, 1, 3])
def test_a_box_on_the_straightened_page_maps_back_around_its_place(quarter):
    skewed = np.ascontiguousarray(np.rot90(page_with_box(), quarter))
    g = Geometry(skewed.shape, quarter=quarter, angle=3.0)
    fixed = g.apply(skewed)
    assert fixed.shape == g.turned_shape()  # straightened on its own canvas
    found = g.to_input(dark_box(fixed))
    want = dark_box(skewed)
    slack = 0.06 * max(skewed.shape)  # the box around a box turned by 3 degrees is a little larger
    assert all(abs(a - b) <= slack for a, b in zip(found, want)), (found, want)
    assert found[0] <= want[0] + 2 and found[2] >= want[2] - 2  # it holds the whole place


def test_nothing_to_do_changes_nothing():
    page = page_with_box()
    g = Geometry(page.shape)
    assert g.identity and g.apply(page) is page and g.to_input(BOX) == BOX


def test_tesseracts_boxes_on_an_upright_page_come_back_on_the_turned_input():
    """A page fed sideways, set upright, read: its words' boxes lie on the same words of the
    sideways input."""
    from PIL import Image, ImageDraw, ImageFont

    from pagewash import tesseract
    from pagewash.result import words

    img = Image.new("L", (700, 200), 255)
    ImageDraw.Draw(img).text(
        (40, 60),
        "Quarterly report",
        fill=0,
        font=ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 48),
    )
    upright = np.asarray(img)
    sideways = np.ascontiguousarray(np.rot90(upright, 1))  # as a scanner fed it
    g = Geometry(sideways.shape, quarter=1)
    read = tesseract.ocr(g.apply(sideways), psm=6, formats=("txt", "hocr", "tsv"))
    mapped = words(tesseract.map_boxes(read, g.to_input).tsv)
    assert [w.text for w in mapped] == ["Quarterly", "report"]
    for w in mapped:
        left, top, right, bottom = w.box
        assert right - left < bottom - top  # tall and thin: a word standing on its side
        assert (sideways[top:bottom, left:right] < 128).mean() > 0.05  # on the word's ink
