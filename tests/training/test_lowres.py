"""The low-resolution pair generator and crops of pairs in a 2x ratio."""

import random

import numpy as np

from training.dataset import load_pairs, random_crops
from training.lowres import TARGET_XHEIGHT, make_lowres_sample


def test_pairs_are_half_size_deterministic_and_text_is_small():
    a, b = make_lowres_sample(7, "train"), make_lowres_sample(7, "train")
    np.testing.assert_array_equal(a.noisy, b.noisy)
    assert a.clean.shape == (a.noisy.shape[0] * 2, a.noisy.shape[1] * 2)
    assert TARGET_XHEIGHT[0] <= a.meta["xheight"] <= TARGET_XHEIGHT[1] and a.text
    assert a.meta["scale"] == 2


def test_every_road_to_low_resolution_appears():
    roads = set()
    for seed in range(40):  # within 40 seeds; stop once all have come
        roads.add(make_lowres_sample(seed, "train").meta["road"])
        if len(roads) == 4:
            break
    assert roads == {"scan", "bilevel", "resize", "photo"}


def test_the_low_resolution_page_is_the_clean_page_shrunk():
    # the pair must be aligned: the clean page shrunk 2x is close to the noisy page where
    # neither paper damage nor sensor noise was drawn
    for seed in range(60):
        s = make_lowres_sample(seed, "train")
        if not s.meta["degradations"] and s.meta["road"] == "scan":
            small = s.clean.reshape(s.noisy.shape[0], 2, s.noisy.shape[1], 2).mean(axis=(1, 3))
            shifted = np.roll(small, 1, axis=1)
            assert np.abs(small - s.noisy).mean() < np.abs(shifted - s.noisy).mean()
            return
    raise AssertionError("no undamaged scan among 60 seeds")


def test_crops_of_a_2x_pair_line_up(tmp_path):
    from PIL import Image

    s = make_lowres_sample(3, "train")
    (tmp_path / "noisy").mkdir()
    (tmp_path / "clean").mkdir()
    Image.fromarray(s.noisy).save(tmp_path / "noisy" / "p.png")
    Image.fromarray(s.clean).save(tmp_path / "clean" / "p.png")
    pairs = load_pairs(tmp_path, scale=2)
    noisy, clean = random_crops(pairs, random.Random(0), 4, 64, scale=2)
    assert noisy.shape == (4, 1, 32, 32) and clean.shape == (4, 1, 64, 64)
    shrunk = clean.reshape(4, 1, 32, 2, 32, 2).mean(dim=(3, 5))
    assert float((shrunk - noisy).abs().mean()) < 0.25
