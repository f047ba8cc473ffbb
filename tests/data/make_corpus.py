"""Writes the bad-input and odd-but-valid corpora under tests/data (committed; rerun to
regenerate): ``python -m tests.data.make_corpus``."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).parent


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(w: int, h: int, idat: bytes = b"") -> bytes:
    """A PNG whose IHDR declares w x h, with CRCs right, and whatever IDAT we give it."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + (chunk(b"IDAT", idat) if idat else b"") + chunk(b"IEND", b"")


def page(w: int = 400, h: int = 300) -> Image.Image:
    rng = np.random.default_rng(1)
    a = np.full((h, w), 225, np.uint8)
    for y in range(20, h - 20, 24):
        a[y : y + 10, 20 : w - 20] = 40
    return Image.fromarray(np.clip(a + rng.normal(0, 20, a.shape), 0, 255).astype(np.uint8))


def encoded(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def bad() -> dict[str, bytes]:
    good_png, good_jpg = encoded(page(), "PNG"), encoded(page().convert("RGB"), "JPEG", quality=85)
    # A real bomb: 1-bit 30000 x 30000 (900 MP) of zeros compresses to ~100 KB.
    row = b"\x00" + b"\x00" * (30000 // 8)
    ihdr = struct.pack(">IIBBBBB", 30000, 30000, 1, 0, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(row * 30000, 9))
    bomb += chunk(b"IEND", b"")
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as z:
        for i in range(600):
            z.writestr(f"p{i}.png", b"x")
    zbomb = io.BytesIO()
    with zipfile.ZipFile(zbomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("huge.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 200_000_000)
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../../../../tmp/pagewash-evil.png", good_png)
    return {
        "empty.png": b"",
        "truncated.png": good_png[: len(good_png) // 2],
        "truncated.jpg": good_jpg[: len(good_jpg) // 2],
        "text.png": b"Dear sir, this is a letter, not an image.\n" * 20,
        "page.html.png": b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>",
        "document.pdf.jpg": b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
        "random.png": np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8).tobytes(),
        "signature-only.png": b"\x89PNG\r\n\x1a\n",
        "bomb-header-60000.png": png_header_only(60000, 60000, zlib.compress(b"\0" * 1000)),
        "bomb-real-30000.png": bomb,
        "zero-size.png": png_header_only(0, 0),
        "absurd-size.png": png_header_only(2**31 - 1, 2**31 - 1),
        "traversal.zip": evil.getvalue(),
        "zip-bomb.zip": zbomb.getvalue(),
        "too-many-members.zip": many.getvalue(),
    }


def odd() -> dict[str, bytes]:
    base = page()
    a16 = (np.asarray(base, np.uint16) * 257).astype(np.uint16)
    rgba = base.convert("RGBA")
    rgba.putalpha(Image.fromarray(np.where(np.arange(400)[None, :] < 200, 255, 0).astype(np.uint8).repeat(300, 0)))
    cmyk = base.convert("RGB").convert("CMYK")
    return {
        "gray16.png": encoded(Image.fromarray(a16), "PNG"),
        "rgba.png": encoded(rgba, "PNG"),
        "palette.png": encoded(base.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=16), "PNG"),
        "cmyk.jpg": encoded(cmyk, "JPEG", quality=90),
        "g4.tif": encoded(base.point(lambda v: 255 if v > 128 else 0).convert("1"), "TIFF", compression="group4"),
        "page.webp": encoded(base, "WEBP", quality=80),
        "tiny-3x5.png": encoded(page(3, 5), "PNG"),
        "strip-4000x300.png": encoded(page(4000, 300), "PNG"),
        "no-extension": encoded(base, "PNG"),
    }


def main() -> None:
    for folder, files in (("bad", bad()), ("odd", odd())):
        (HERE / folder).mkdir(exist_ok=True)
        for name, data in files.items():
            (HERE / folder / name).write_bytes(data)


if __name__ == "__main__":
    main()
