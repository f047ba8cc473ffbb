import numpy as np
import pytest

from pagewash.metrics import cer, psnr, rmse, wer, word_recall


def test_cer_known_strings():
    assert cer("hello world", "hello world") == 0
    assert cer("hello world", "hello  world\n") == 0  # whitespace is layout, not content
    assert cer("abcd", "abxd") == pytest.approx(0.25)  # one substitution
    assert cer("abcd", "") == 1.0  # empty hypothesis
    assert cer("", "") == 0.0


def test_wer_known_strings():
    assert wer("the cat sat", "the cat sat") == 0
    assert wer("the cat sat", "the bat sat") == pytest.approx(1 / 3)
    assert wer("the cat sat", "") == 1.0
    assert wer("the cat sat", "sat the cat") == pytest.approx(2 / 3)  # order matters to WER


def test_word_recall_ignores_order_counts_repeats():
    assert word_recall("the cat sat", "sat the cat") == 1.0  # reordered words
    assert word_recall("the the cat", "the cat") == pytest.approx(2 / 3)  # a multiset
    assert word_recall("the cat", "") == 0.0
    assert word_recall("", "anything") == 1.0


def test_rmse_and_psnr():
    a = np.zeros((4, 4), np.uint8)
    b = np.full((4, 4), 255, np.uint8)
    assert rmse(a, b) == pytest.approx(1.0)
    assert rmse(a, a) == 0
    assert psnr(a.astype(np.float32), np.full((4, 4), 0.1, np.float32)) == pytest.approx(20.0, abs=1e-4)


def _strokes(width: int = 3) -> np.ndarray:
    page = np.full((80, 120), 255, np.uint8)
    for y in range(10, 70, 15):
        page[y : y + width, 10:110] = 0
    return page


def test_fidelity_of_a_perfect_page_and_of_bolder_strokes():
    from pagewash.metrics import fidelity

    clean = _strokes()
    same = fidelity(clean, clean)
    assert same["dark_change"] == 0 and same["rmse"] == 0 and same["edge_rmse"] == 0
    bolder = clean.copy()
    bolder[np.roll(clean, 1, axis=0) == 0] = 0  # every stroke a pixel taller
    found = fidelity(clean, bolder)
    assert found["dark_change"] == pytest.approx(1 / 3)
    assert found["edge_rmse"] > 0 and found["background_rmse"] == 0 and found["edge_share"] == pytest.approx(1.0)
    speck = clean.copy()
    speck[75, 60] = 0  # on the paper, far from the strokes
    assert fidelity(clean, speck)["background_share"] == pytest.approx(1.0)


def test_stroke_width():
    from pagewash.despeckle import stroke_width

    assert stroke_width(_strokes(3)) == pytest.approx(3, abs=0.75)
    assert stroke_width(_strokes(4)) == pytest.approx(4, abs=0.75)
    assert stroke_width(_strokes(7)) == pytest.approx(7, abs=0.75)
    assert stroke_width(np.full((10, 10), 255, np.uint8)) == 0


def test_specks_counts_the_papers_specks_and_the_prints_dots():
    from pagewash.metrics import specks

    clean = _strokes()
    clean[74:77, 20:23] = 0  # a full stop: a dot as wide as a stroke
    noisy = clean.copy()
    for x in range(30, 110, 10):
        noisy[76, x] = 0  # pepper on the paper
    noisy[12, 50] = 128  # and one on a stroke: not the paper's
    assert specks(clean, noisy, noisy) == {"specks_in": 8, "specks_left": 8, "marks": 1, "marks_kept": 1}
    wiped = clean.copy()
    wiped[74:77, 20:23] = 255
    assert specks(clean, noisy, wiped) == {"specks_in": 8, "specks_left": 0, "marks": 1, "marks_kept": 0}
