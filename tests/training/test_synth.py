import random

import numpy as np

from training import degrade
from training.render import render_page
from training.synth import make_sample


def test_same_seed_same_sample():
    a, b = make_sample(7, "train", (400, 300)), make_sample(7, "train", (400, 300))
    assert np.array_equal(a.clean, b.clean)
    assert np.array_equal(a.noisy, b.noisy)
    assert a.text == b.text and a.meta == b.meta


def test_different_seeds_differ():
    a, b = make_sample(1, "train", (400, 300)), make_sample(2, "train", (400, 300))
    assert not np.array_equal(a.noisy, b.noisy)


def test_sample_shapes_and_text():
    s = make_sample(3, "val", (500, 420))
    assert s.clean.shape == s.noisy.shape == (420, 500)
    assert s.clean.dtype == s.noisy.dtype == np.uint8
    assert s.text.strip()  # a page always carries some text
    assert (s.clean < 128).any()


def test_val_split_uses_held_out_fonts():
    from training.fonts import HELD_OUT_FAMILIES, families

    train, val = families("train"), families("val")
    assert not set(train) & set(val)
    assert set(val) <= HELD_OUT_FAMILIES
    _, _, meta = render_page(random.Random(0), "val", 400, 300)
    assert meta["family"] in HELD_OUT_FAMILIES or meta["family"] == "pillow-default"


def test_a_page_in_capitals_is_the_same_page_set_in_capitals():
    """The orientation network's typewritten form labels: same typeface and blocks, every
    letter a capital (and the text says so)."""
    img, text, meta = render_page(random.Random(5), "train", 700, 900)
    caps_img, caps_text, caps_meta = render_page(random.Random(5), "train", 700, 900, caps=True)
    assert caps_meta == meta and caps_text == caps_text.upper() and text != text.upper()
    assert not np.array_equal(img, caps_img)


def test_every_degradation_family_can_appear():
    clean = np.ones((96, 128), np.float32)
    clean[30:40, 10:100] = 0
    back = 1 - clean
    seen = set()
    for seed in range(400):
        img, applied = degrade.degrade(np.random.default_rng(seed), clean, back, 1.0, dust_p=0.5)
        assert img.shape == clean.shape and img.dtype == np.float32
        assert img.min() >= 0 and img.max() <= 1
        seen.update(applied)
    assert seen == set(degrade.FAMILIES)


def test_dust_is_asked_for_so_the_default_stream_stays_as_it_was():
    applied = set()
    for seed in range(40):
        applied.update(make_sample(seed, "train", (200, 160)).meta["degradations"])
    assert "dust" not in applied
    dusty = {d for seed in range(40) for d in make_sample(seed, "train", (200, 160), dust_p=1.0).meta["degradations"]}
    assert "dust" in dusty


def test_dust_specks_are_smaller_than_a_dot_dense_and_on_the_strokes_too():
    import cv2

    clean = np.ones((400, 400), np.float32)
    clean[100:300:20, 40:360] = 0  # rules 4 px thick: strokes
    clean[101:300:20, 40:360] = 0
    clean[102:300:20, 40:360] = 0
    clean[103:300:20, 40:360] = 0
    out = degrade.dust(np.random.default_rng(1), clean, 1.0, width=4.0)
    new = (out < 0.5) & (clean >= 0.5)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(new.astype(np.uint8), connectivity=8)
    alone = [i for i in range(1, n) if not (clean[labels == i] < 0.5).any()]
    assert len(alone) > 200  # dense
    sides = stats[1:, 2:4].max(axis=1)
    assert np.median(sides) <= 2 and np.percentile(sides, 90) <= 4  # below a dot; where a cluster is dense they touch
    assert (out[clean < 0.5] <= clean[clean < 0.5]).all()  # dust only darkens
    touching = cv2.dilate((clean < 0.5).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & (clean >= 0.5)
    assert (out[touching] < 0.5).any()  # some land right beside the strokes


def test_paper_pages_keep_the_print_as_it_was():
    from training.synth import make_paper_sample

    for seed in range(6):
        s = make_paper_sample(seed, "val")
        clean, noisy = s.clean.astype(np.float32) / 255, s.noisy.astype(np.float32) / 255
        assert {"slide", "reversed"}.isdisjoint(s.meta.get("blocks", ()))
        assert "wrinkles" in s.meta["degradations"]
        ink = clean < 0.5
        assert ink.any() and ((clean > 0.1) & (clean < 0.9)).any()  # soft, anti-aliased edges in the target
        paper = clean > 0.98
        assert np.abs(noisy[paper] - clean[paper]).mean() > 0.01  # the paper is damaged
        # the print under the damage: still ink where the clean page has ink (no fading, no bleed)
        assert np.median(noisy[ink]) < 0.5 and (noisy[clean > 0.99] < 0.5).mean() < 0.05


def test_dust_pages_hold_every_dot_of_the_clean_page():
    from pagewash.metrics import specks
    from training.synth import make_dust_sample

    s = make_dust_sample(0)
    found = specks(s.clean, s.noisy, s.noisy)
    assert found["specks_in"] > 100 and found["specks_left"] == found["specks_in"]
    assert found["marks"] > 0 and found["marks_kept"] == found["marks"]


def test_clean_pages_exist_in_the_mix():
    severities = [make_sample(s, "train", (200, 160)).meta["severity"] for s in range(60)]
    assert 0.0 in severities and max(severities) > 0.5


def test_every_block_and_whole_slides_appear():
    import random

    from training.render import BLOCKS, render_page

    seen, slide = set(), None
    for seed in range(260):  # the wide ones often have two columns, where a table may meet a column's end
        img, _, meta = render_page(random.Random(seed), "train", *((500, 650) if seed < 200 else (1500, 900)))
        seen.update(meta["blocks"])
        if "slide" in meta["blocks"] and slide is None:
            slide = img
    assert {f.__name__.removeprefix("block_") for f, _ in BLOCKS} | {"slide"} <= seen
    assert slide is not None and np.median(slide) < 128  # kept dark in the clean page: light text on a dark ground


def test_new_families_do_their_damage():
    rng = np.random.default_rng(0)
    ink = np.ones((200, 300), np.float32)
    assert degrade.toner_dropout(rng, ink, 1.0).min() < 0.6  # faint bands or blotches in the print
    assert degrade.colour_text(rng, ink, 1.0).min() < 0.8  # print turned grey
    bands = degrade.colour_bands(rng, (200, 300), 1.0)
    assert bands.min() < 0.93 and bands.max() == 1.0  # tinted rectangles on untouched paper
    shade = degrade.wrinkles(rng, (200, 300), 1.0)
    assert shade.min() < 0.99 < 1.01 < shade.max()  # a lit and a shaded side
    grainy = degrade.heavy_grain(rng, np.full((200, 300), 0.9, np.float32), 1.0)
    assert grainy.std() > 0.02


def test_a_form_comes_with_its_line_free_twin_and_the_same_text():
    """The line remover's target: the page less its rules, every letter as it was. Styled
    lines (grey, double, dashed, dotted leaders, through the text) change the rules only."""
    from training.render import FORM_BLOCKS, render_layers

    for seed in range(4):
        img, bare, text, meta = render_layers(random.Random(seed), "val", 900, 1100, (9, 14), blocks=FORM_BLOCKS)
        styled, styled_bare, styled_text, _ = render_layers(
            random.Random(seed), "val", 900, 1100, (9, 14), styles=random.Random(seed), blocks=FORM_BLOCKS
        )
        assert styled_text == text and np.array_equal(styled_bare, bare)  # the same letters
        assert (img <= bare).all() or "slide" in meta["blocks"]  # the rules only add ink
        assert ((img < 128) & (bare >= 128)).sum() > 500, meta  # and there are rules to remove
    plain, _, _ = render_page(random.Random(3), "train", 700, 900)
    layered, _, _, _ = render_layers(random.Random(3), "train", 700, 900)
    assert np.array_equal(plain, layered)
