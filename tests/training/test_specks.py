"""The shipped cleaner on dusty pages: the paper's specks go, the print's dots stay.

Counted, not looked at: connected pieces of dark ink left on the cleaned page where the
clean page has only paper (``pagewash.metrics.specks``), on held-out pages under dust and
pepper noise alone (``training.synth.make_dust_sample``), so nothing else can have taken
an i's dot or a full stop away. The benchmark (``python -m pagewash.bench.fidelity``)
counts the same over 40 pages."""

import numpy as np
import pytest

from pagewash.engine import denoise
from pagewash.metrics import specks
from pagewash.model_store import get_model
from training.synth import make_dust_sample


@pytest.fixture(scope="module")
def counted() -> dict:
    model = get_model("default")
    total = {"specks_in": 0, "specks_left": 0, "marks": 0, "marks_kept": 0}
    for seed in (0, 1, 5):  # pages with dots of the print on them (held-out fonts)
        s = make_dust_sample(100_000 + seed, "val", (640, 520))
        for k, v in specks(s.clean, s.noisy, denoise(model, s.noisy.astype(np.float32) / 255)).items():
            total[k] += v
    return total


def test_the_specks_on_the_paper_are_gone(counted):
    assert counted["specks_in"] > 500
    assert counted["specks_left"] <= 0.01 * counted["specks_in"]


def test_the_dots_of_the_print_stay(counted):
    assert counted["marks"] >= 5
    assert counted["marks_kept"] >= 0.97 * counted["marks"]
