"""The text-size estimate on one page rendered at 300, 150 and 75 dpi, and the auto rule."""

import random

import cv2
import numpy as np
import pytest

from pagewash.settings import parse_upscale
from pagewash.textsize import UPSCALE_BELOW, auto_factor, xheight
from training.render import render_page

XHEIGHT_300DPI = 21.0  # 10-11 point body text at 300 dpi


@pytest.fixture(scope="module")
def page_300dpi() -> np.ndarray:
    img, _, meta = render_page(random.Random("textsize"), "val", 1700, 2200, (XHEIGHT_300DPI, XHEIGHT_300DPI))
    assert meta["xheight"] == XHEIGHT_300DPI
    return img.astype(np.float32) / 255


@pytest.mark.parametrize("dpi", [300, 150, 75])
def test_xheight_follows_the_resolution(page_300dpi, dpi):
    f = dpi / 300
    page = page_300dpi if dpi == 300 else cv2.resize(page_300dpi, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    estimate = xheight(page)
    assert estimate == pytest.approx(XHEIGHT_300DPI * f, rel=0.3)


def test_auto_upscales_faxes_and_leaves_office_scans(page_300dpi):
    def factor(dpi: int) -> int:
        f = dpi / 300
        return auto_factor(xheight(cv2.resize(page_300dpi, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)))

    assert factor(300) == 1 and factor(200) == 1  # 200-300 dpi office scans keep their size
    assert factor(100) == 2 and factor(75) == 2
    assert factor(40) == 2  # auto never picks 4x
    assert auto_factor(None) == 1  # no text found: nothing to gain


def test_no_estimate_without_text():
    assert xheight(np.ones((400, 300), np.float32)) is None
    noise = np.random.default_rng(0).random((300, 300)).astype(np.float32)
    assert xheight(noise) is None or xheight(noise) >= 1


def test_upscale_spellings():
    assert [parse_upscale(v) for v in ("auto", "off", "2", "4", 2, "2x", "1", None)] == [
        "auto",
        "off",
        "2",
        "4",
        "2",
        "2",
        "off",
        "off",
    ]
    with pytest.raises(ValueError, match="auto, off, 2 or 4"):
        parse_upscale("3")
    assert UPSCALE_BELOW == 12.0
