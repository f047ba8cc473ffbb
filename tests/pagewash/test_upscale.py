"""The OCR chain's upscaling: which pages are upscaled, what comes back, and boxes that land
on the words of the page the user sent."""

import numpy as np
import pytest

from pagewash import chain
from pagewash.engine import denoise
from pagewash.imageio import to_u8
from pagewash.metrics import word_recall
from pagewash.upscale import prepare, upscale_model
from tests.conftest import requires_tesseract
from tests.lowres_page import boxes_on_words, lowres_page


@pytest.fixture(scope="module")
def small_print():
    page, boxes = lowres_page()
    return page.astype(np.float32) / 255, boxes


def test_auto_upscales_small_print_and_keeps_the_image_size(default_model, small_print):
    page, _ = small_print
    ready = prepare(default_model, page, "auto")
    assert ready.factor == 2 and ready.image_factor == 1
    assert ready.ocr.shape == (400, 1280) and ready.image.shape == page.shape
    asked = prepare(default_model, page, "auto", upscale_image=True)
    assert asked.image.shape == (400, 1280) and asked.image_factor == 2
    assert prepare(default_model, page, "4").ocr.shape == (800, 2560)  # two passes of the 2x model


def test_off_and_auto_on_a_300_dpi_page_are_the_cleaner_alone(default_model):
    from training.synth import make_sample

    page = make_sample(100_003, "val", (900, 1100)).noisy.astype(np.float32) / 255
    today = denoise(default_model, page)
    for mode in ("off", "auto"):
        ready = prepare(default_model, page, mode)
        assert ready.factor == 1
        np.testing.assert_array_equal(ready.image, today)
        np.testing.assert_array_equal(ready.ocr, today)


def test_the_upscaler_is_not_a_cleaner(default_model, small_print):
    from pagewash.errors import BadRequest

    with pytest.raises(BadRequest, match="upscaling model"):
        prepare(upscale_model("cpu"), small_print[0], "off")


@requires_tesseract
@pytest.mark.parametrize("verify", [False, True])
def test_hocr_boxes_of_an_upscaled_page_land_on_the_words_of_the_original(default_model, small_print, verify):
    page, truth = small_print
    cleaned = chain.clean(default_model, page, upscale="auto")
    assert cleaned.factor == 2
    raw = to_u8(page) if verify else None
    result = chain.read(cleaned, raw, lang="eng", psm=None, formats=("hocr", "tsv")).result
    on, matched = boxes_on_words(result.hocr, truth)
    assert matched >= 0.8 * len(truth)
    assert on >= 0.9 * matched
    assert "bbox 0 0 640 200" in result.hocr  # the page box is the input's
    rows = [r.split("\t") for r in result.tsv.splitlines()[1:] if r.startswith("5\t")]
    assert rows and all(int(r[6]) + int(r[8]) <= 640 and int(r[7]) + int(r[9]) <= 200 for r in rows)


@requires_tesseract
def test_upscaling_reads_small_print_better_than_the_cleaner_alone(default_model):
    from pagewash import tesseract

    page, truth = lowres_page(size=9, seed=1)  # x-height about 4 px
    page = page.astype(np.float32) / 255
    text = " ".join(w for w, _ in truth)
    alone = word_recall(text, tesseract.image_to_text(denoise(default_model, page)))
    cleaned = chain.clean(default_model, page, upscale="auto")
    upscaled = word_recall(text, chain.read(cleaned, None, lang="eng", psm=None, formats=("txt",)).result.text)
    assert cleaned.factor >= 2 and upscaled > alone


def test_upscaling_stops_short_of_the_pixel_cap(default_model, small_print, monkeypatch):
    from pagewash.settings import get_settings
    from pagewash.upscale import within_cap

    monkeypatch.setattr(get_settings(), "upscale_max_pixels", 640 * 200 * 4)
    assert within_cap(4, (200, 640)) == 2 and within_cap(2, (400, 1280)) == 1
    ready = prepare(default_model, small_print[0], "4")
    assert ready.factor == 2 and ready.ocr.shape == (400, 1280)
