import numpy as np
import pytest

from pagewash.classical import METHODS


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
