import numpy as np
import pytest

from training.metrics import cer, psnr, rmse


def test_cer_known_strings():
    assert cer("hello world", "hello world") == 0
    assert cer("hello world", "hello  world\n") == 0  # whitespace is layout, not content
    assert cer("abcd", "abxd") == pytest.approx(0.25)
    assert cer("abcd", "") == 1.0
    assert cer("", "") == 0.0


def test_rmse_and_psnr():
    a = np.zeros((4, 4), np.uint8)
    b = np.full((4, 4), 255, np.uint8)
    assert rmse(a, b) == pytest.approx(1.0)
    assert rmse(a, a) == 0
    assert psnr(a.astype(np.float32), np.full((4, 4), 0.1, np.float32)) == pytest.approx(20.0, abs=1e-4)
