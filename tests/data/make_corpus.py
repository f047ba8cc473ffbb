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


def image_pdf(*images: Image.Image, dpi: int = 100) -> bytes:
    """An image-only PDF (a scan), one page per image."""
    import img2pdf

    return img2pdf.convert([encoded(im, "PNG", dpi=(dpi, dpi)) for im in images])


def raw_pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF written by hand, objects numbered from 1, with a correct xref table."""
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def bad_pdfs() -> dict[str, bytes]:
    """PDFs a service meets in the wild or from an attacker (tests/service/test_pdf_input.py says
    what each must get)."""
    import pikepdf
    from fpdf import FPDF

    scan = image_pdf(page(), page(500, 350))
    locked, owner_only = io.BytesIO(), io.BytesIO()
    with pikepdf.open(io.BytesIO(scan)) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(user="secret", owner="secret"))
        pdf.save(
            owner_only, encryption=pikepdf.Encryption(user="", owner="owner", allow=pikepdf.Permissions(extract=False))
        )
    active = io.BytesIO()
    with pikepdf.open(io.BytesIO(scan)) as pdf:  # JavaScript on open, a form field and an attachment
        js = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('pwned');")))
        pdf.Root.OpenAction = js
        field = pdf.make_indirect(
            pikepdf.Dictionary(
                FT=pikepdf.Name.Tx,
                T=pikepdf.String("name"),
                Rect=[10, 10, 100, 30],
                Subtype=pikepdf.Name.Widget,
                Type=pikepdf.Name.Annot,
                AA=pikepdf.Dictionary(K=js),
            )
        )
        pdf.pages[0].Annots = pdf.make_indirect([field])
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=[field])
        pdf.attachments["payload.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ not really a program")
        pdf.save(active)
    text = FPDF()
    text.add_page()
    text.set_font("Helvetica", size=12)
    text.multi_cell(0, 8, "This page was typed, not scanned. It already has a text layer. " * 5)
    nested = b"[" * 100_000 + b"]" * 100_000
    deep = raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Junk " + nested + b" >>",
        ]
    )
    huge_box = raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] /UserUnit 50 /Contents 4 0 R >>",
            b"<< /Length 19 >>\nstream\n0 0 100 100 re f\n\nendstream",
        ]
    )
    depth = 2_000  # a page tree 2,000 levels deep (parsers that recurse on /Kids run out of stack)
    tree = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for i in range(2, depth + 2):
        tree.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (i + 1))
    tree.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] >>" % (depth + 1))
    tiny = pikepdf.new()  # a 200-inch page whose only image is 1x1: OCRmyPDF renders it at 400 dpi (6.4 GP)
    dot = pikepdf.Stream(
        tiny,
        b"\x00",
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=1,
        Height=1,
        ColorSpace=pikepdf.Name.DeviceGray,
        BitsPerComponent=8,
    )
    big = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, 14400, 14400],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=dot)),
    )
    tiny.pages.append(pikepdf.Page(big))
    tiny.pages[0].Contents = tiny.make_stream(b"q 14400 0 0 14400 0 0 cm /Im0 Do Q 0 0 m 14400 14400 l S")
    tiny_image = io.BytesIO()
    tiny.save(tiny_image)
    n = 2000  # 2000 pages sharing one content stream: a small file, too many pages
    kids = b" ".join(b"%d 0 R" % (4 + i) for i in range(n))
    many = raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % n,
            b"<< /Length 19 >>\nstream\n0 0 100 100 re f\n\nendstream",
            *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>"] * n,
        ]
    )
    return {
        "encrypted.pdf": locked.getvalue(),
        "owner-password.pdf": owner_only.getvalue(),
        "truncated.pdf": scan[: len(scan) // 2],
        "garbage-after-header.pdf": b"%PDF-1.7\n"
        + np.random.default_rng(3).integers(0, 256, 5000, dtype=np.uint8).tobytes(),
        "bomb-deep-nesting.pdf": deep,
        "bomb-huge-page.pdf": huge_box,
        "bomb-deep-page-tree.pdf": raw_pdf(tree),
        "bomb-2000-pages.pdf": many,
        "bomb-tiny-image-huge-page.pdf": tiny_image.getvalue(),
        "javascript-form-attachment.pdf": active.getvalue(),
        "born-digital.pdf": bytes(text.output()),
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
    for folder, files in (("bad", bad()), ("odd", odd()), ("pdf", bad_pdfs())):
        (HERE / folder).mkdir(exist_ok=True)
        for name, data in files.items():
            (HERE / folder / name).write_bytes(data)


if __name__ == "__main__":
    main()
