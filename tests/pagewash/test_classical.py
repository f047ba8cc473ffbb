import numpy as np
import pytest

from pagewash.classical import METHODS, binarize


@pytest.mark.parametrize("name", sorted(METHODS))
def test_baselines_binarise_a_stained_page(name):
    page = np.full((120, 160), 0.8, np.float32)
    page[:, :80] = 0.55  # a stain over the left half
    page[50:60, 20:140] = 0.1  # a text-like bar across it
    out = METHODS[name](page)
    assert out.shape == page.shape
    assert out[55, 30] == 0 and out[55, 130] == 0  # ink stays ink
    if name != "otsu":  # local methods also clear the stain; Otsu cannot
        assert out[10, 30] == 1


def test_binarize_is_black_and_white():
    page = np.linspace(0, 1, 100, dtype=np.float32).reshape(10, 10)
    bw = binarize(page)
    assert bw.dtype == np.uint8 and set(np.unique(bw)) <= {0, 255}
