"""The chain's second look at a doubtful quarter turn (``chain.upright_quarter``): the
orientation network's answers are scripted here (pure logic: which answer the chain takes,
and that no page is cleaned twice for it); the network itself is tested in test_orient."""

from __future__ import annotations

from pathlib import Path

import pytest

from pagewash import chain, engine, orient, upscale
from pagewash.geometry import SURE, VETO
from pagewash.imageio import load_page
from pagewash.settings import Structure

EXAMPLE = Path(__file__).parents[2] / "pagewash" / "examples" / "01_stains_show_through.png"
ROTATE_ONLY = Structure(rotate=True, deskew=False, lines=False, remove_lines=False)


@pytest.fixture(scope="module")
def page():
    return load_page(EXAMPLE)


@pytest.fixture
def scripted(monkeypatch):
    """orient.quarter answers from a list, in order; every page it was asked about, and every
    page the cleaner ran on, are recorded."""
    asked, cleaned, answers = [], [], []

    def quarter(p, net=None):
        asked.append(p)
        return answers.pop(0)

    real = engine.denoise

    def denoise(model, p, *a, **k):
        cleaned.append(p)
        return real(model, p, *a, **k)

    monkeypatch.setattr(orient, "quarter", quarter)
    monkeypatch.setattr(engine, "denoise", denoise)  # the plugin imports it where it needs it
    monkeypatch.setattr(chain, "denoise", denoise)
    monkeypatch.setattr(upscale, "denoise", denoise)
    return answers, asked, cleaned


def test_a_doubtful_turn_the_cleaned_page_reads_upright_is_not_made(page, default_model, scripted):
    answers, asked, cleaned = scripted
    answers += [(3, SURE / 6), (0, VETO + 1)]
    out = chain.clean(default_model, page, upscale="off", structure=ROTATE_ONLY)
    assert out.geometry.quarter == 0
    assert len(asked) == 2 and asked[0] is page  # the raw page, then its cleaning as it came
    assert len(cleaned) == 1 and cleaned[0] is page  # that cleaning is the one kept
    assert out.picture.shape == page.shape


def test_a_doubtful_turn_the_cleaned_page_confirms_is_made(page, default_model, scripted):
    answers, asked, cleaned = scripted
    answers += [(3, SURE / 6), (3, 9.0)]
    out = chain.clean(default_model, page, upscale="off", structure=ROTATE_ONLY)
    assert out.geometry.quarter == 3
    assert out.picture.shape == page.shape[::-1]
    assert len(cleaned) == 2  # as it came (to look), then upright (the page kept)


def test_a_cleaned_page_barely_upright_does_not_overrule(page, default_model, scripted):
    answers, asked, cleaned = scripted
    answers += [(1, SURE / 6), (0, VETO / 2)]
    assert chain.clean(default_model, page, upscale="off", structure=ROTATE_ONLY).geometry.quarter == 1


def test_a_sure_turn_or_no_turn_costs_no_second_look(page, default_model, scripted):
    answers, asked, cleaned = scripted
    answers += [(1, SURE * 2)]
    assert chain.clean(default_model, page, upscale="off", structure=ROTATE_ONLY).geometry.quarter == 1
    answers += [(0, 1.0)]
    assert chain.clean(default_model, page, upscale="off", structure=ROTATE_ONLY).geometry.quarter == 0
    assert len(asked) == 2 and len(cleaned) == 2  # one look and one cleaning a page


def test_without_cleaning_the_raw_pages_answer_stands(page, scripted):
    answers, asked, cleaned = scripted
    answers += [(3, SURE / 6)]
    assert chain.clean(None, page, structure=ROTATE_ONLY).geometry.quarter == 3
    assert len(asked) == 1 and not cleaned


def test_the_ocrmypdf_plugin_looks_again_the_same_way(tmp_path, scripted):
    from types import SimpleNamespace

    from PIL import Image

    from pagewash.ocrmypdf_plugin import Engine

    answers, asked, cleaned = scripted
    Image.open(EXAMPLE).save(tmp_path / "page.png")
    options = SimpleNamespace(pagewash_rotate="on", pagewash_model=None, pagewash_device="cpu")
    answers += [(3, SURE / 6), (0, VETO + 1)]  # doubtful, and upright once cleaned: no turn
    assert Engine.get_orientation(tmp_path / "page.png", options).angle == 0
    answers += [(3, SURE * 2)]  # sure: OCRmyPDF is told the clockwise turn, with no second look
    found = Engine.get_orientation(tmp_path / "page.png", options)
    assert found.angle == 90 and found.confidence > 0
    assert len(asked) == 3 and len(cleaned) == 1
