"""The orientation network, shipped in the package: the built-in example pages turned by
each quarter are found turned by it, with a clear margin; a blank page does not crash it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pagewash import orient
from pagewash.imageio import load_page

EXAMPLES = Path(__file__).parents[2] / "pagewash" / "examples"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.clean.png")), ids=lambda p: p.name[:2])
def test_each_quarter_turn_of_a_page_is_found(path):
    page = load_page(path)
    for k in range(4):
        found, margin = orient.quarter(np.ascontiguousarray(np.rot90(page, k)))
        assert found == k and margin > 5, (path.name, k, found, margin)


def test_a_blank_or_tiny_page_gets_an_answer():
    for page in (np.ones((1000, 800), np.float32), np.ones((40, 30), np.float32)):
        found, margin = orient.quarter(page)
        assert found in range(4) and margin >= 0
