import io

import numpy as np
import pytest
from PIL import Image

from pagewash.errors import BadImage, ImageTooLarge
from pagewash.imageio import load_page, load_pages, save_png, verify
from pagewash.settings import get_settings


def encode(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def test_modes_become_gray_floats():
    rgb = Image.new("RGB", (7, 5), (255, 0, 0))
    assert load_page(encode(rgb)).shape == (5, 7)
    g16 = Image.fromarray(np.full((4, 6), 65535, np.uint16))
    assert load_page(encode(g16)).max() == pytest.approx(1.0)
    one = Image.new("1", (9, 9), 0)
    assert load_page(encode(one)).max() == 0.0
    pal = Image.new("P", (3, 3), 0)
    assert load_page(encode(pal)).shape == (3, 3)
    for page in (load_page(encode(rgb)), load_page(encode(g16))):
        assert page.dtype == np.float32


def test_transparent_pixels_are_paper():
    rgba = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    assert load_page(encode(rgba)).min() == pytest.approx(1.0)
    la = Image.new("LA", (4, 4), (0, 255))
    assert load_page(encode(la)).max() == 0.0


def test_multipage_tiff():
    frames = [Image.new("L", (10, 8), v) for v in (0, 128, 255)]
    data = encode(frames[0], "TIFF", save_all=True, append_images=frames[1:])
    pages = load_pages(data)
    assert len(pages) == 3 and pages[2].min() == 1.0


@pytest.mark.parametrize(
    "data,match",
    [
        (b"", "empty"),
        (b"hello, not an image", "not an image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not an image|cannot|corrupt"),
    ],
)
def test_bad_bytes_are_clear_errors(data, match):
    with pytest.raises(BadImage, match=match):
        load_page(data)


def test_truncated_png():
    data = encode(Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200), dtype=np.uint8)))
    with pytest.raises(BadImage):
        load_page(data[: len(data) // 2])


def test_decompression_bomb_is_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(get_settings(), "max_pixels", 10_000)
    bomb = encode(Image.new("L", (200, 200), 255))  # 40,000 pixels in a few hundred bytes
    with pytest.raises(ImageTooLarge, match="pixels"):
        load_page(bomb)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(BadImage, match="no such file"):
        load_page(tmp_path / "nope.png")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(BadImage, match="empty"):
        load_page(tmp_path / "empty.png")


def test_save_png_round_trip(tmp_path):
    page = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    save_png(tmp_path / "a" / "x.png", page)
    again = load_page(tmp_path / "a" / "x.png")
    np.testing.assert_allclose(again, page, atol=1 / 255)


def test_load_page_picks_one_frame_and_verify_catches_truncation():
    frames = [Image.new("L", (30, 20), v) for v in (10, 200)]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:])
    data = buf.getvalue()
    assert abs(float(load_page(data, 1).mean()) - 200 / 255) < 1e-6
    with pytest.raises(BadImage, match="no page 3"):
        load_page(data, 2)
    assert verify(data).frames == 2
    jpg = io.BytesIO()
    Image.new("L", (300, 200), 128).save(jpg, format="JPEG")
    with pytest.raises(BadImage, match="truncated"):
        verify(jpg.getvalue()[: len(jpg.getvalue()) // 2])
