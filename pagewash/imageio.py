"""The one image loader: any file, bytes, numpy array or PIL image -> grayscale float pages;
and the PNG writer.

Every pixel path in pagewash (CLI, worker, Python API, training on user pairs) reads images
here, so mode handling (16-bit, 1-bit, palette, alpha, CMYK), multi-page TIFFs and the pixel
cap behave the same everywhere. An array gives the same page as the same picture saved to a
PNG file and loaded: the Python API and ``pagewash clean`` agree to the pixel.
"""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

from pagewash.errors import BadImage, ImageTooLarge
from pagewash.settings import get_settings

# What the Python API takes as a page: a path, the file's bytes, a numpy array or a PIL image.
PageSource = str | PathLike | bytes | bytearray | memoryview | np.ndarray | Image.Image

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".pbm", ".pgm", ".ppm", ".gif"}


def to_gray(img: Image.Image) -> np.ndarray:
    """(H, W) float32 in [0, 1], 1 = white; transparency is composited over white paper."""
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return np.asarray(img, dtype=np.float32) / 65535.0
    if mode == "I":
        a = np.asarray(img, dtype=np.float64)
        top = 65535.0 if a.max() > 255 else 255.0
        return np.clip(a / top, 0, 1).astype(np.float32)
    if mode == "F":
        a = np.asarray(img, dtype=np.float32)
        return np.clip(a / 255.0 if a.max() > 1.0 else a, 0, 1)
    if mode == "P":
        img = img.convert("RGBA")
    if mode in ("LA", "PA", "RGBA", "La", "RGBa") or img.mode == "RGBA":
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    return np.asarray(img.convert("L"), dtype=np.float32) / 255.0


# Magic bytes -> format: the type of an upload comes from its content, never from its name
# or the client's Content-Type.
MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"BM", "bmp"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
]


def sniff(head: bytes) -> str | None:
    """The image format of a file from its first bytes, or None when it is no image we read."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if len(head) >= 3 and head[0:1] == b"P" and head[1:2] in b"123456" and head[2:3].isspace():
        return "pnm"
    return next((fmt for magic, fmt in MAGIC if head.startswith(magic)), None)


@dataclass
class ImageInfo:
    format: str
    width: int
    height: int
    frames: int


def _open(source: str | PathLike | bytes, max_pixels: int | None = None) -> Image.Image:
    if isinstance(source, bytes | bytearray):
        if not source:
            raise BadImage("empty upload: the file has no bytes")
        fp: io.BytesIO | str = io.BytesIO(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise BadImage(f"{path}: no such file")
        if path.stat().st_size == 0:
            raise BadImage(f"{path}: empty file")
        fp = str(path)
    cap = min(max_pixels or get_settings().max_pixels, get_settings().max_pixels)
    # Pillow's own guard is one process-wide number: set it to the process's cap, never to a
    # caller's smaller one (that would leak into every later open); the per-call cap is below.
    Image.MAX_IMAGE_PIXELS = get_settings().max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(fp)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageTooLarge(f"image has more than {cap:,} pixels") from e
    except UnidentifiedImageError as e:
        raise BadImage("not an image pagewash can read (PNG, JPEG, TIFF, BMP, WebP, GIF, PNM)") from e
    except OSError as e:
        raise BadImage(f"cannot open image: {e}") from e
    w, h = img.size
    if w * h > cap:
        raise ImageTooLarge(f"image is {w}x{h} = {w * h:,} pixels, over the cap of {cap:,}")
    if w < 1 or h < 1:
        raise BadImage("image has no pixels")
    return img


def _decode(frame: Image.Image) -> np.ndarray:
    """The current frame as gray pixels (each frame of a TIFF has its own size: cap it too)."""
    w, h = frame.size
    if w * h > get_settings().max_pixels:
        raise ImageTooLarge(f"page is {w}x{h}, over the pixel cap")
    try:
        frame.load()
        return to_gray(frame)
    except (OSError, ValueError, SyntaxError) as e:
        raise BadImage(f"corrupt or truncated image data: {e}") from e


def iter_pages(source: str | Path | bytes) -> Iterator[np.ndarray]:
    """Each page (frame) of an image as (H, W) float32 gray; a multi-page TIFF yields several."""
    img = _open(source)
    try:
        for frame in ImageSequence.Iterator(img):
            yield _decode(frame)
    finally:
        img.close()


def load_pages(source: str | Path | bytes) -> list[np.ndarray]:
    return list(iter_pages(source))


def verify(source: str | Path | bytes, max_pixels: int | None = None) -> ImageInfo:
    """Format, size and page count from the header (after the same checks as loading), then
    proof that the pixel data is all there without paying for a full decode where a cheaper
    proof exists: PNG chunk CRCs up to IEND, JPEG decoded at 1/8 scale (its entropy data is
    still read to the end); other formats are decoded. Truncated or corrupt files fail here,
    at upload time, rather than later on a worker."""
    img = _open(source, max_pixels)
    try:
        info = ImageInfo((img.format or "?").lower(), img.width, img.height, getattr(img, "n_frames", 1))
        if info.format == "png":
            img.verify()
        else:
            if info.format == "jpeg":
                img.draft("L", (max(info.width // 8, 1), max(info.height // 8, 1)))
            img.load()
    except Exception as e:  # PIL raises a zoo of types for broken data
        raise BadImage(f"corrupt or truncated {info.format.upper()} data: {e}") from e
    finally:
        img.close()
    return info


def from_array(a: np.ndarray) -> np.ndarray:
    """A picture held as an array -> the loader's grey page. (H, W) grey, (H, W, 3) RGB or
    (H, W, 4) RGBA; uint8, uint16, bool (True = white), or float: 0-1 (1 = white), or 0-255
    when any value is over 1, the rule for Pillow's float images. Colour goes through Pillow
    like a file's: 16-bit colour keeps its high byte, as Pillow reads a 16-bit PNG."""
    a = np.asarray(a)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)):
        raise BadImage(f"an array of shape {a.shape}: expected (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA")
    h, w = a.shape[:2]
    if h < 1 or w < 1:
        raise BadImage("image has no pixels")
    if h * w > get_settings().max_pixels:
        raise ImageTooLarge(f"image is {w}x{h} = {w * h:,} pixels, over the cap of {get_settings().max_pixels:,}")
    if a.dtype == bool:
        a = a.astype(np.uint8) * 255
    elif a.dtype.kind == "f":
        if not np.isfinite(a).all():
            raise BadImage("a float array with NaN or infinite pixels")
        a = np.clip(a / 255.0 if a.max() > 1.0 else a, 0, 1)
        if a.ndim == 2:
            return a.astype(np.float32)
        a = to_u8(a)
    elif a.dtype == np.uint16 and a.ndim == 3:
        a = (a >> 8).astype(np.uint8)
    elif a.dtype not in (np.uint8, np.uint16):
        raise BadImage(f"pixels of type {a.dtype}: expected uint8, uint16, bool, or float in [0, 1]")
    return to_gray(Image.fromarray(np.ascontiguousarray(a)))  # L, I;16, RGB or RGBA


def load_page(source: PageSource, index: int = 0) -> np.ndarray:
    """One page: the first by default (training pairs, single-page inputs); ``index`` picks a
    frame of a multi-page file without decoding the others (a service job is one page).
    Arrays (``from_array``) and PIL images (their frame ``index``) are taken as they are."""
    if isinstance(source, np.ndarray):
        return from_array(source)
    if isinstance(source, Image.Image):
        return _decode(_own_frame(source, index))
    if isinstance(source, bytearray | memoryview):
        source = bytes(source)
    img = _open(source)
    try:
        return _frame(img, index)
    finally:
        img.close()


_PIL_LOCK = threading.Lock()


def _own_frame(img: Image.Image, index: int) -> Image.Image:
    """A copy of frame ``index`` of a caller's PIL image, which is left on the frame it was on
    (one lock: threads sharing a file-backed image would race on its file position)."""
    with _PIL_LOCK:
        was = img.tell()
        try:
            img.seek(index)
        except EOFError as e:
            raise BadImage(f"the image has no page {index + 1}") from e
        try:
            w, h = img.size
            if w * h > get_settings().max_pixels:
                raise ImageTooLarge(f"page is {w}x{h}, over the pixel cap")
            return img.copy()
        except (OSError, ValueError, SyntaxError) as e:
            raise BadImage(f"corrupt or truncated image data: {e}") from e
        finally:
            img.seek(was)


def _frame(img: Image.Image, index: int) -> np.ndarray:
    try:
        img.seek(index)
    except EOFError as e:
        raise BadImage(f"the file has no page {index + 1}") from e
    return _decode(img)


def to_unit(page: np.ndarray) -> np.ndarray:
    """An 8-bit page as float32 in [0, 1] (a float page as it is)."""
    return page.astype(np.float32) / 255 if page.dtype == np.uint8 else page


def to_u8(page: np.ndarray) -> np.ndarray:
    """A float page in [0, 1] as 8-bit grey (an 8-bit page as it is), rounded half up.
    In place on one temporary: every step of the chain calls it, and on a 2550x3300 page
    the three temporaries of ``np.clip(page * 255 + 0.5, 0, 255)`` cost twice the time."""
    if page.dtype == np.uint8:
        return page
    out = page * np.float32(255)
    out += np.float32(0.5)
    np.clip(out, 0, 255, out=out)
    return out.astype(np.uint8)


def image_dpi(source: str | Path | bytes) -> tuple[float, float] | None:
    """The resolution an image file declares (x, y dots per inch), or None when it says
    nothing believable; read from the header alone."""
    try:
        img = _open(source)
    except BadImage:
        return None
    try:
        dpi = img.info.get("dpi")
    finally:
        img.close()
    try:
        x, y = (float(v) for v in dpi)
    except (TypeError, ValueError):
        return None
    return (x, y) if 1 <= x <= 10_000 and 1 <= y <= 10_000 else None


def _png_options(compress_level: int, dpi: tuple[float, float] | None) -> dict:
    return {"format": "PNG", "compress_level": compress_level, **({"dpi": dpi} if dpi else {})}


def encode_png(page: np.ndarray, compress_level: int = 1, dpi: tuple[float, float] | None = None) -> bytes:
    """A uint8 or float page as 8-bit grey PNG bytes (level 1: several times faster than the
    default and only a little larger on clean pages), declaring ``dpi`` where known."""
    u8 = page if page.dtype == np.uint8 else to_u8(page)
    buf = io.BytesIO()
    Image.fromarray(u8, mode="L").save(buf, **_png_options(compress_level, dpi))
    return buf.getvalue()


def picture_png(picture: np.ndarray | Image.Image) -> bytes:
    """An array or PIL image as PNG bytes that ``load_page`` reads back as the same page (what
    a client uploads): 8-bit pictures as they are, so the loader's colour handling runs where
    they are cleaned, and anything else as its grey page in 16 bits."""
    if isinstance(picture, Image.Image):
        picture = _own_frame(picture, 0)  # the page ``load_page`` would take
    a = np.asarray(picture) if not isinstance(picture, Image.Image) or picture.mode in ("L", "RGB", "RGBA") else None
    if a is not None and a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a is not None and a.dtype == np.uint8 and (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (3, 4))):
        img = Image.fromarray(np.ascontiguousarray(a))
    else:
        page = load_page(picture)
        img = Image.fromarray(np.round(page * 65535).astype(np.uint16))  # mode I;16
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def save_png(
    path: str | Path, page: np.ndarray, compress_level: int = 1, dpi: tuple[float, float] | None = None
) -> None:
    """Write a uint8 or float page as 8-bit grey PNG, atomically (``.part`` then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    u8 = page if page.dtype == np.uint8 else to_u8(page)
    tmp = path.with_name(path.name + ".part")
    Image.fromarray(u8, mode="L").save(tmp, **_png_options(compress_level, dpi))
    tmp.replace(path)


def resize_to(page: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Area-average a page down (or bicubic up) to ``shape`` (H, W); uint8 stays uint8."""
    import cv2  # here, not at the top: the gateway reads images and never resizes them

    h, w = shape[:2]
    mode = cv2.INTER_AREA if page.shape[0] >= h else cv2.INTER_CUBIC
    out = cv2.resize(page, (w, h), interpolation=mode)
    return out if out.dtype == np.uint8 else np.clip(out, 0, 1)


def at_scale(page: np.ndarray, factor: int) -> np.ndarray:
    """The page (a raw page that won verify) at ``factor`` times its size, the plain way."""
    return page if factor == 1 else resize_to(page, (page.shape[0] * factor, page.shape[1] * factor))


def scale_dpi(dpi: tuple[float, float] | None, factor: int) -> tuple[float, float] | None:
    """What an image ``factor`` times larger declares: its resolution grows with it."""
    return (dpi[0] * factor, dpi[1] * factor) if dpi else None
