"""The orientation training loop end to end at toy size: patches cut as at run time, a few
steps, weights that ``pagewash.orient`` loads and uses."""

from __future__ import annotations

import numpy as np

from pagewash import orient
from training import orient as orient_training


def test_a_few_steps_make_weights_the_library_loads(tmp_path):
    cells = orient_training.page_patches(3)
    assert cells.dtype == np.uint8 and cells.shape[1:] == (orient.CROP, orient.CROP) and len(cells) > 0
    out = tmp_path / "orient.pt"
    orient_training.train(pages=2, steps=3, out=out, width=4, check_pages=1)
    net = orient.load(out)
    assert orient.scores(orient.working_scale(np.ones((300, 200), np.float32))[0], net).shape == (4,)


def test_a_fine_tune_starts_from_given_weights_and_keeps_their_width(tmp_path):
    first, second = tmp_path / "a.pt", tmp_path / "b.pt"
    orient_training.train(pages=2, steps=2, out=first, width=4, check_pages=1)
    orient_training.train(pages=2, steps=2, out=second, check_pages=1, init=first, lr=1e-4, first_page=10)
    net = orient.load(second)
    assert net.head.in_features == orient.load(first).head.in_features == 16
