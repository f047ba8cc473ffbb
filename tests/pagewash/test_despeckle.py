import numpy as np

from pagewash.despeckle import despeckle, largest_speck


def page_of_strokes(width: int) -> np.ndarray:
    """Letters as bars ``width`` thick and eight strokes tall, a dot as wide as a stroke above
    some of them (an i), a full stop after them."""
    page = np.ones((120, 200), np.float32)
    for x in range(20, 180, 6 * width):
        page[40 : 40 + 8 * width, x : x + width] = 0.0
    page[40 - 2 * width : 40 - width, 20 : 20 + width] = 0.0  # the i's dot
    page[40 + 7 * width : 40 + 8 * width, 182 : 182 + width] = 0.0  # a full stop
    return page


def test_specks_go_and_the_dots_of_the_print_stay():
    clean = page_of_strokes(4)
    noisy = clean.copy()
    rng = np.random.default_rng(0)
    for y, x in zip(rng.integers(0, 30, 40), rng.integers(0, 200, 40)):
        noisy[y, x] = rng.uniform(0, 0.4)  # pepper on the paper above the print
    noisy[100:102, 50:52] = 0.1  # a 2x2 speck
    noisy[100:102, 90:92] = 0.2  # another, lighter
    out = despeckle(noisy)
    assert largest_speck(3.5) == 3 and largest_speck(3.3) == 2 and largest_speck(1.4) == 1 and largest_speck(0) == 0
    assert (out[:30] >= 0.5).all() and (out[95:] >= 0.5).all()  # every speck gone
    assert np.array_equal(out[30:95], noisy[30:95])  # the letters, the i's dot and the full stop as they were


def test_a_clean_page_is_left_as_it_is_and_a_lone_pixel_goes_even_on_fine_print():
    clean = page_of_strokes(3)
    assert np.array_equal(despeckle(clean), clean)
    fine = page_of_strokes(2)  # strokes and dots two pixels wide
    speckled = fine.copy()
    speckled[5, 5] = 0.0
    assert np.array_equal(despeckle(speckled), fine)
    assert np.array_equal(despeckle(np.ones((20, 20), np.float32)), np.ones((20, 20), np.float32))
    lone = np.ones((20, 20), np.float32)
    lone[5, 5] = 0.0  # no letters: nothing to measure a dot by, nothing touched
    assert np.array_equal(despeckle(lone), lone)


def test_in_place_paints_the_page_itself_and_the_same_way():
    noisy = page_of_strokes(4)
    noisy[100:102, 50:52] = 0.1
    copied = despeckle(noisy)
    assert noisy[100, 50] == np.float32(0.1)  # the caller's page untouched
    same = despeckle(noisy, in_place=True)
    assert same is noisy and np.array_equal(same, copied)


def test_pixels_of_finds_exactly_the_pieces_pixels_within_their_boxes():
    from pagewash.classical import pieces
    from pagewash.despeckle import pixels_of

    mask = np.zeros((30, 30), np.uint8)
    mask[2:5, 3:6] = 1  # a square
    mask[10, 10] = mask[11, 11] = mask[12, 10] = 1  # a diagonal hook
    mask[20:22, 0:30] = 1  # a long bar (not asked for)
    n, labels, stats = pieces(mask)
    ids = np.array([labels[2, 3], labels[10, 10]])
    where = np.ones_like(mask)
    where[3, 4] = 0  # a pixel not to be reported
    ys, xs = pixels_of(labels, stats, ids, where)
    got = set(zip(ys.tolist(), xs.tolist()))
    want = {(y, x) for y in range(2, 5) for x in range(3, 6)} - {(3, 4)} | {(10, 10), (11, 11), (12, 10)}
    assert got == want
