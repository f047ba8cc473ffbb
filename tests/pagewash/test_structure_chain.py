"""The structure steps in the OCR chain (``pagewash.read``): a skewed page reads as well as
the straight one, a page fed sideways is read upright with its boxes on the words of the
page sent, and a straight upright page without rules comes through exactly as with the
steps off."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

import pagewash
from pagewash import deskew
from pagewash.metrics import word_recall
from tests.conftest import requires_tesseract
from tests.lowres_page import iou

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
TEXT = (
    "Minutes of the quarterly meeting held on the third of March. The committee reviewed the "
    "budget for the coming year and agreed to raise the allowance for travel by twelve percent. "
    "Members asked that the report on the library be sent to every branch before the summer, "
    "and that the new catalogue be printed in a larger type. The treasurer said the accounts "
    "were in good order and thanked the staff for their careful work during the winter months. "
    "Questions about the heating of the hall were left to the next meeting in June."
)


def text_page() -> tuple[np.ndarray, list[tuple[str, tuple[int, int, int, int]]]]:
    """(uint8 page of plain paragraphs, no rules, [(word, box)] in its pixels)."""
    img = Image.new("L", (1000, 760), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 24)
    boxes, x, y = [], 60, 60
    for word in (TEXT + " " + TEXT).split():
        box = draw.textbbox((x, y), word, font=font)
        if box[2] > 940:
            x, y = 60, y + 40
            box = draw.textbbox((x, y), word, font=font)
        if box[3] > 700:
            break
        draw.text((x, y), word, font=font, fill=0)
        boxes.append((word, box))
        x = box[2] + 12
    return np.asarray(img).copy(), boxes


@pytest.fixture(scope="module")
def page():
    return text_page()


@pytest.fixture(scope="module")
def straight(page, default_model):
    return pagewash.read(page[0], model=default_model)


def truth_of(boxes) -> str:
    return " ".join(w for w, _ in boxes)


@requires_tesseract
def test_a_straight_upright_page_without_rules_is_the_same_with_the_steps_on_or_off(page, straight, default_model):
    img, _ = page
    off = pagewash.read(img, model=default_model, rotate=False, deskew=False, lines=False)
    assert (straight.quarter, straight.angle, straight.lines_removed) == (0, 0.0, False)
    assert (straight.text, straight.hocr, straight.tsv) == (off.text, off.hocr, off.tsv)
    assert np.array_equal(straight.clean, off.clean)
    on_page = pagewash.clean(img, model=default_model)
    assert np.array_equal(on_page, pagewash.clean(img, model=default_model, rotate=False, deskew=False))


@requires_tesseract
def test_a_page_3_degrees_off_is_read_as_well_as_the_straight_page(page, straight, default_model):
    img, boxes = page
    skewed = pagewash.read(deskew.rotate(img, 3.0), model=default_model)
    assert skewed.angle == pytest.approx(3.0, abs=0.15)
    truth = truth_of(boxes)
    assert word_recall(truth, straight.text) > 0.95
    assert word_recall(truth, skewed.text) >= word_recall(truth, straight.text) - 0.02
    unstraightened = pagewash.read(deskew.rotate(img, 3.0), model=default_model, deskew=False)
    assert unstraightened.angle == 0.0


@requires_tesseract
def test_a_page_turned_90_degrees_is_read_upright_with_its_boxes_on_the_input_words(page, default_model):
    img, boxes = page
    h, w = img.shape
    sideways = np.ascontiguousarray(np.rot90(img, 1))  # fed in a quarter turn counter-clockwise
    result = pagewash.read(sideways, model=default_model)
    assert result.quarter == 1
    assert word_recall(truth_of(boxes), result.text) > 0.95
    # a point (x, y) of the upright page is at (y, w - x) on the sideways one
    want = {}
    for word, (x0, y0, x1, y1) in boxes:
        want.setdefault(word, []).append((y0, w - x1, y1, w - x0))
    found = [(word, box) for word, box in ((x.text, x.box) for x in result.words) if word in want]
    assert len(found) > 0.8 * len(boxes)
    on = sum(max(iou(box, b) for b in want[word]) > 0.5 for word, box in found)
    assert on >= 0.9 * len(found)
    assert all(x1 <= h and y1 <= w for _, (_, _, x1, y1) in found)  # in the sideways page's pixels
    kept = pagewash.read(sideways, model=default_model, rotate=False, verify=False)
    assert kept.quarter == 0 and word_recall(truth_of(boxes), kept.text) < 0.5
