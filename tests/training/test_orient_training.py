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
    assert orient.scores(np.ones((300, 200), np.float32), net).shape == (4,)
