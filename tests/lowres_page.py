"""A small-print page with every word's box known: what a 100-dpi fax of 10-point type
looks like, for the tests of upscaling and of boxes scaled back to the input's pixels."""

from __future__ import annotations

import re

import numpy as np
from PIL import Image, ImageDraw, ImageFont

TEXT = (
    "the quick brown fox jumps over lazy dogs while seven people watch from their windows "
    "because nothing else happens in this small town during winter evenings every year"
)
WORDS = TEXT.split()
FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"


def lowres_page(
    size: int = 13, scale: int = 4, seed: int = 0, noise: float = 6
) -> tuple[np.ndarray, list[tuple[str, tuple]]]:
    """(uint8 page, [(word, (x0, y0, x1, y1)), ...] in its pixels). Drawn ``scale`` times larger,
    then area-averaged down, with a little noise: small letters with soft edges."""
    font = ImageFont.truetype(FONT, size * scale)
    img = Image.new("L", (640 * scale, 200 * scale), 255)
    draw = ImageDraw.Draw(img)
    boxes, x, y = [], 30 * scale, 30 * scale
    for i in range(len(WORDS) * 2):
        word = WORDS[i % len(WORDS)]
        box = draw.textbbox((x, y), word, font=font)
        if box[2] > img.width - 30 * scale:
            x, y = 30 * scale, y + size * 2 * scale
            box = draw.textbbox((x, y), word, font=font)
        if box[3] > img.height - 30 * scale:
            break
        draw.text((x, y), word, font=font, fill=0)
        boxes.append((word, tuple(v / scale for v in box)))
        x = box[2] + size * scale * 0.4
    small = np.asarray(img.resize((640, 200), Image.BOX), dtype=np.float32)
    noisy = small + np.random.default_rng(seed).normal(0, noise, small.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8), boxes


def hocr_words(hocr: str) -> list[tuple[str, tuple[int, int, int, int]]]:
    """(text, bbox) of each ocrx_word in an hOCR page."""
    found = re.findall(r"class='ocrx_word'[^>]*title='bbox (\d+) (\d+) (\d+) (\d+);[^>]*>([^<]*)<", hocr)
    return [(text, tuple(int(v) for v in box)) for *box, text in found]


def iou(a: tuple, b: tuple) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def boxes_on_words(hocr: str, truth: list[tuple[str, tuple]]) -> tuple[int, int]:
    """(words read whose box lies on the same word of the page (IoU > 0.5), words read that
    match a word of the page at all)."""
    on, matched = 0, 0
    for text, box in hocr_words(hocr):
        candidates = [b for w, b in truth if w == text.strip(".,;:")]
        if candidates:
            matched += 1
            on += max(iou(box, b) for b in candidates) > 0.5
    return on, matched


def lowres_png(path=None) -> tuple[bytes, list[tuple[str, tuple]]]:
    """``lowres_page`` as a 100-dpi PNG (bytes, and written to ``path`` when given), and its boxes."""
    import io

    page, truth = lowres_page()
    buf = io.BytesIO()
    Image.fromarray(page).save(buf, format="PNG", dpi=(100, 100))
    if path is not None:
        path.write_bytes(buf.getvalue())
    return buf.getvalue(), truth
