"""The text-size measurement reads one shrunk page every way it reports."""

from pagewash.bench.textband import METHODS, read_all, shrunk
from tests.conftest import requires_tesseract


def test_pages_are_shrunk_to_the_target_size():
    big, text = shrunk(800_000, 40.0)
    small, same = shrunk(800_000, 10.0)
    assert text == same and abs(small.shape[0] * 4 - big.shape[0]) <= 4


@requires_tesseract
def test_one_small_page_is_read_by_every_method():
    row = read_all((800_000, 5.0))
    assert set(METHODS) <= set(row) and row["auto_factor"] in (1, 2)
    assert all(row[m] >= 0 for m in METHODS)
    assert row["pagewash 2x"] < row["pagewash"]  # at 5 px, upscaling is what makes it readable
