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
