"""Degradations of a clean page, composed at random in the order they happen physically.

A page is float32 in [0, 1] (1 = white). The model of a dirty scan:

    reflectance = paper * (1 - ink_darkness * ink) * (1 - show_through) * stains
    observed    = noise(quantise(camera(lighting * reflectance)))

Every step is a plain function of (rng, image, severity) -> image written with NumPy and
OpenCV on whole arrays, so a 1-megapixel page degrades in tens of milliseconds. Large
smooth fields (texture, lighting, stains) are drawn at low resolution and resized up.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np

from pagewash.despeckle import largest_speck, stroke_width
from pagewash.imageio import to_u8

cv2.setNumThreads(1)  # generator processes run beside training; one core each

Rng = np.random.Generator


def smooth_field(rng: Rng, shape: tuple[int, int], cell: float) -> np.ndarray:
    """Zero-mean, unit-ish noise whose features are about ``cell`` pixels wide."""
    h, w = shape
    gh, gw = max(2, int(h / cell) + 2), max(2, int(w / cell) + 2)
    return cv2.resize(rng.standard_normal((gh, gw)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)


def fractal_field(rng: Rng, shape: tuple[int, int], cell: float, octaves: int = 4) -> np.ndarray:
    out = np.zeros(shape, np.float32)
    for i in range(octaves):
        out += smooth_field(rng, shape, max(cell / 2**i, 1.5)) / 2**i
    return out / 1.6


def gaussian(img: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(img, (0, 0), sigma) if sigma > 0.05 else img


# ------------------------------------------------------------------ ink (coverage 0..1, 1 = full ink)


def faded_ink(rng: Rng, ink: np.ndarray, s: float) -> np.ndarray:
    """Ink that ran low or faded: lighter overall and patchy across the page."""
    patch = np.clip(1 - s * 0.6 * (0.5 + 0.5 * smooth_field(rng, ink.shape, rng.uniform(20, 200))), 0.15, 1)
    return ink * patch * rng.uniform(1 - 0.5 * s, 1.0)


def worn_ink(rng: Rng, ink: np.ndarray, s: float) -> np.ndarray:
    """Broken strokes of a worn photocopy or a dry ribbon: fine holes in the ink."""
    holes = smooth_field(rng, ink.shape, rng.uniform(1.5, 4)) > 1.6 - s * rng.uniform(0.3, 1.1)
    return np.where(holes, ink * rng.uniform(0.0, 0.5), ink)


def ink_bleed(rng: Rng, ink: np.ndarray, s: float) -> np.ndarray:
    """Ink spreading into the paper fibres: thicker, softer strokes."""
    k = 1 + 2 * int(rng.integers(1, 2 + int(2 * s)))
    grown = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    return np.maximum(ink, gaussian(grown, rng.uniform(0.5, 1.5)) * rng.uniform(0.4, 0.9))


def toner_dropout(rng: Rng, ink: np.ndarray, s: float) -> np.ndarray:
    """A photocopier short of toner: bands along the feed direction, and blotches, where the
    print came out faint or broke up."""
    h, w = ink.shape
    vertical = rng.random() < 0.7
    n = w if vertical else h
    profile = np.ones(n, np.float32)
    for _ in range(int(rng.integers(1, 2 + int(5 * s)))):
        c, width = int(rng.integers(0, n)), int(rng.integers(3, 10 + int(80 * s)))
        profile[c : c + width] *= rng.uniform(0.05, 0.6)
    profile = cv2.GaussianBlur(profile[None, :], (0, 0), 2.0)[0]
    field = np.broadcast_to(profile[None, :] if vertical else profile[:, None], ink.shape)
    if rng.random() < 0.5:
        blotch = smooth_field(rng, ink.shape, rng.uniform(20, 120)) > rng.uniform(0.6, 1.4)
        field = np.where(blotch, field * rng.uniform(0.1, 0.5), field)
    return ink * field


def faint_print(rng: Rng, ink: np.ndarray, s: float) -> np.ndarray:
    """A whole page printed light (draft mode, a pale toner, a faded original): grey text."""
    return ink * rng.uniform(0.2, 0.6)


def colour_text(rng: Rng, ink: np.ndarray, s: float) -> np.ndarray:
    """Coloured print turned grey by the scan: blocks of the page whose ink is a mid grey."""
    h, w = ink.shape
    out = ink.copy()
    for _ in range(int(rng.integers(1, 4))):
        y0, x0 = int(rng.integers(0, h)), int(rng.integers(0, max(w // 2, 1)))
        y1, x1 = y0 + int(rng.integers(h // 20 + 1, h // 3 + 2)), int(rng.integers(x0 + w // 4, w + 1))
        out[y0:y1, x0:x1] *= rng.uniform(0.3, 0.75 - 0.3 * s)
    return out


# ------------------------------------------------------------------ paper and marks (multiplicative)


def paper(rng: Rng, shape: tuple[int, int], s: float) -> np.ndarray:
    """Uneven, textured, tinted paper: a base tone, blotches and fibres."""
    base = rng.uniform(1 - 0.35 * s, 1.0)
    blotch = fractal_field(rng, shape, rng.uniform(40, 300)) * rng.uniform(0.01, 0.08) * s
    grain = smooth_field(rng, shape, rng.uniform(1, 3)) * rng.uniform(0.0, 0.05) * s
    fibres = gaussian(rng.standard_normal(shape).astype(np.float32), 0.7)
    fibres = cv2.blur(fibres, (int(rng.integers(5, 25)), 1)) * rng.uniform(0, 0.12) * s
    return np.clip(base + blotch + grain + fibres, 0.3, 1.0)


def stains(rng: Rng, shape: tuple[int, int], s: float) -> np.ndarray:
    """Coffee rings, water marks and blotches: soft-edged ellipses, some as rings with a tide line."""
    h, w = shape
    scale = 4
    small = np.ones((h // scale + 1, w // scale + 1), np.float32)
    yy, xx = np.mgrid[0 : small.shape[0], 0 : small.shape[1]].astype(np.float32)
    for _ in range(int(rng.integers(1, 2 + int(4 * s)))):
        cy, cx = rng.uniform(0, small.shape[0]), rng.uniform(0, small.shape[1])
        r = rng.uniform(0.05, 0.35) * max(small.shape)
        ay, ax = rng.uniform(0.6, 1.4), rng.uniform(0.6, 1.4)
        wobble = 1 + 0.15 * smooth_field(rng, small.shape, r / 2)
        d = np.sqrt(((yy - cy) / (ay * r)) ** 2 + ((xx - cx) / (ax * r)) ** 2) * wobble  # 1 on the rim
        depth = rng.uniform(0.08, 0.45) * s
        if rng.random() < 0.5:  # ring: dark tide line, lighter inside
            rim = np.exp(-(((d - 1) / rng.uniform(0.02, 0.08)) ** 2))
            mark = rim + (d < 1) * rng.uniform(0.1, 0.4)
        else:
            mark = 1 / (1 + np.exp(np.clip((d - 1) / rng.uniform(0.03, 0.3), -50, 50)))
        small *= 1 - depth * np.clip(mark, 0, 1)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def creases(rng: Rng, shape: tuple[int, int], s: float) -> np.ndarray:
    """Folds and wrinkles: thin dark lines with a light edge beside them."""
    h, w = shape
    field = np.zeros(shape, np.float32)
    for _ in range(int(rng.integers(1, 4))):
        p0 = (int(rng.uniform(-0.2, 1.2) * w), int(rng.uniform(-0.2, 1.2) * h))
        p1 = (int(rng.uniform(-0.2, 1.2) * w), int(rng.uniform(-0.2, 1.2) * h))
        cv2.line(field, p0, p1, 1.0, int(rng.integers(1, 4)))
    field = gaussian(field, rng.uniform(1, 4))
    shifted = np.roll(field, int(rng.integers(2, 6)), axis=int(rng.integers(0, 2)))
    return np.clip(1 - s * rng.uniform(0.1, 0.35) * field / max(field.max(), 1e-6) + 0.05 * s * shifted, 0, 1.05)


def wrinkles(rng: Rng, shape: tuple[int, int], s: float) -> np.ndarray:
    """Crumpled or creased paper under a lamp: ridges with a lit and a shaded side."""
    ridged = 1 - np.abs(fractal_field(rng, shape, rng.uniform(60, 400), octaves=3))  # ridges where it crosses 0
    gy, gx = np.gradient(ridged)
    a = rng.uniform(0, 2 * math.pi)
    shade = gx * math.cos(a) + gy * math.sin(a)
    shade /= max(float(shade.std()), 1e-6)
    return np.clip(1 + rng.uniform(0.03, 0.12) * s * shade, 0.55, 1.08).astype(np.float32)


def colour_bands(rng: Rng, shape: tuple[int, int], s: float) -> np.ndarray:
    """Coloured panels, shaded boxes and highlighter turned grey: sharp-edged tinted rectangles
    behind the text (the clean page has none)."""
    h, w = shape
    field = np.ones(shape, np.float32)
    for _ in range(int(rng.integers(1, 5))):
        y0, x0 = int(rng.integers(0, h)), int(rng.integers(0, w))
        y1, x1 = y0 + int(rng.integers(h // 30 + 1, h // 2 + 2)), x0 + int(rng.integers(w // 10 + 1, w + 1))
        field[y0:y1, x0:x1] *= rng.uniform(0.5, 0.93)
    return field


def show_through(rng: Rng, back_ink: np.ndarray, s: float) -> np.ndarray:
    """The back page's print seen through thin paper: mirrored, blurred, faint."""
    mirrored = back_ink[:, ::-1]
    return 1 - rng.uniform(0.05, 0.3) * s * gaussian(np.ascontiguousarray(mirrored), rng.uniform(1.0, 3.5))


# ------------------------------------------------------------------ lighting (phone photos, scanners)


def lighting(rng: Rng, shape: tuple[int, int], s: float) -> np.ndarray:
    """Gradients, vignetting and cast shadows of a phone photo or a lifted scanner lid."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    yy, xx = yy / h - 0.5, xx / w - 0.5
    a = rng.uniform(0, 2 * math.pi)
    light = 1 - rng.uniform(0, 0.5) * s * (0.5 + (np.cos(a) * xx + np.sin(a) * yy))
    if rng.random() < 0.5:
        light *= 1 - rng.uniform(0, 0.6) * s * (xx**2 + yy**2) * 2
    if rng.random() < 0.6:  # a cast shadow: a polygon with a soft edge
        shadow = np.zeros(shape, np.float32)
        k = int(rng.integers(3, 6))
        cx, cy = rng.uniform(-0.2, 1.2) * w, rng.uniform(-0.2, 1.2) * h
        pts = np.array([(cx + rng.uniform(-0.8, 0.8) * w, cy + rng.uniform(-0.8, 0.8) * h) for _ in range(k)], np.int32)
        cv2.fillPoly(shadow, [cv2.convexHull(pts)], 1.0)
        shadow = gaussian(shadow, rng.uniform(2, 0.08 * max(h, w)))
        light *= 1 - rng.uniform(0.2, 0.65) * s * shadow
    return np.clip(light, 0.05, 1.2)


def dark_borders(rng: Rng, img: np.ndarray, s: float) -> np.ndarray:
    """Black scanner-lid edges along one or more sides."""
    h, w = img.shape
    out = img.copy()
    for side in rng.choice(4, size=int(rng.integers(1, 3)), replace=False):
        depth = int(rng.uniform(0.005, 0.05) * (h if side < 2 else w) * (0.5 + s))
        edge = smooth_field(rng, (max(h, w), 1), 30)[:, 0] * depth * 0.3
        level = rng.uniform(0.02, 0.25)
        idx = np.arange(h if side >= 2 else w)
        lim = np.clip(depth + edge[: len(idx)], 1, None).astype(int)
        for i, n in zip(idx[::1], lim):
            if side == 0:
                out[:n, i] = level
            elif side == 1:
                out[h - n :, i] = level
            elif side == 2:
                out[i, :n] = level
            else:
                out[i, w - n :] = level
    return out


# ------------------------------------------------------------------ the camera or scanner


def defocus(rng: Rng, img: np.ndarray, s: float) -> np.ndarray:
    return gaussian(img, rng.uniform(0.4, 0.6 + 1.4 * s))


def motion_blur(rng: Rng, img: np.ndarray, s: float) -> np.ndarray:
    n = int(rng.integers(3, 4 + int(6 * s)))
    kernel = np.zeros((n, n), np.float32)
    kernel[n // 2, :] = 1 / n
    rot = cv2.getRotationMatrix2D((n / 2 - 0.5, n / 2 - 0.5), rng.uniform(0, 180), 1)
    kernel = cv2.warpAffine(kernel, rot, (n, n))
    return cv2.filter2D(img, -1, kernel / max(kernel.sum(), 1e-6))


def low_contrast(rng: Rng, img: np.ndarray, s: float) -> np.ndarray:
    """Squeeze the range (grey ink on grey paper) and bend it with a gamma."""
    lo = rng.uniform(0, 0.45 * s)
    hi = rng.uniform(1 - 0.35 * s, 1.0)
    gamma = math.exp(rng.uniform(-0.6, 0.6) * s)
    return lo + (hi - lo) * np.clip(img, 0, 1) ** gamma


def scanner_streaks(rng: Rng, img: np.ndarray, s: float) -> np.ndarray:
    """Dirt on the scanner glass or a photocopier drum: lines along the feed direction."""
    h, w = img.shape
    vertical = rng.random() < 0.8
    n = w if vertical else h
    profile = np.zeros(n, np.float32)
    for _ in range(int(rng.integers(1, 3 + int(12 * s)))):
        c, width = int(rng.integers(0, n)), int(rng.integers(1, 4 + int(6 * s)))
        profile[c : c + width] += rng.uniform(-0.15, 0.6) * s
    if rng.random() < 0.4:  # a dirty roller: bands repeating across the page
        period = rng.uniform(20, 200)
        profile += (np.sin(np.arange(n) * 2 * math.pi / period) > 0.9) * rng.uniform(0.05, 0.3) * s
    along = 1 + 0.5 * smooth_field(rng, (h if vertical else w, 1), rng.uniform(50, 400))[:, 0]
    field = np.outer(along, profile) if vertical else np.outer(profile, along)
    return np.clip(img - field.astype(np.float32), 0, 1)


def toner_speckle(rng: Rng, img: np.ndarray, s: float) -> np.ndarray:
    """Photocopier toner dust and dirty-glass specks: clumps of dark dots, denser in patches."""
    density = np.clip(smooth_field(rng, img.shape, rng.uniform(50, 300)) + 0.5, 0, None)
    dots = rng.random(img.shape, dtype=np.float32) < rng.uniform(0.0005, 0.01) * s * density
    size = int(rng.integers(1, 3))
    if size > 1:
        dots = cv2.dilate(dots.astype(np.uint8), np.ones((size, size), np.uint8)).astype(bool)
    return np.where(dots, img * rng.uniform(0.0, 0.5), img)


def dust(rng: Rng, img: np.ndarray, s: float, width: float = 2.0) -> np.ndarray:
    """Dust, dirt and pepper noise at real strengths: dark specks of every size below a
    character's dot (``width``: the print's stroke width, about a dot's side), dense in
    clusters and scattered between them, on the paper and touching the strokes alike."""
    h, w = img.shape
    largest = max(1, largest_speck(width))  # a speck the size of an i's dot is no longer a speck (a pixel at least)
    density = rng.uniform(0.0003, 0.006) * s
    n = int(density * h * w)
    ys, xs = rng.integers(0, h, n), rng.integers(0, w, n)
    for _ in range(int(rng.integers(0, 2 + int(8 * s)))):  # clusters: a smudge of dirt, a sneeze of toner
        k = int(rng.integers(20, 60 + int(400 * s)))
        cy, cx, spread = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(5, 0.08 * max(h, w) + 6)
        ys = np.concatenate([ys, np.clip(rng.normal(cy, spread, k), 0, h - 1).astype(int)])
        xs = np.concatenate([xs, np.clip(rng.normal(cx, spread, k), 0, w - 1).astype(int)])
    sizes = np.minimum(rng.geometric(rng.uniform(0.45, 0.8), len(ys)), largest)
    tone = rng.uniform(0.0, 0.45, len(ys)).astype(np.float32)
    out = img.copy()
    for size in np.unique(sizes):
        dots = np.zeros((h, w), np.uint8)
        pick = sizes == size
        dots[ys[pick], xs[pick]] = 1
        if size > 1:  # round-ish, a little irregular
            shape = cv2.getStructuringElement(cv2.MORPH_ELLIPSE if rng.random() < 0.7 else cv2.MORPH_RECT, (size, size))
            dots = cv2.dilate(dots, shape)
        level = np.zeros((h, w), np.float32)
        level[ys[pick], xs[pick]] = tone[pick]
        if size > 1:
            level = cv2.dilate(level, np.ones((size, size), np.uint8))
        out = np.where(dots > 0, np.minimum(out, level), out)
    return out


def gaussian_noise(rng: Rng, img: np.ndarray, s: float) -> np.ndarray:
    sigma = rng.uniform(0.01, 0.12) * s
    noise = rng.standard_normal(img.shape, dtype=np.float32) * sigma
    if rng.random() < 0.4:  # sensor noise is often a little correlated
        noise = gaussian(noise, 0.7) * 1.8
    return img + noise


def mottled_toner(rng: Rng, img: np.ndarray, s: float) -> np.ndarray:
    """A worn photocopier drum: a coarse, blotchy grey texture in toner over the paper,
    with sharp-edged grains (not the soft stains of a spill)."""
    field = fractal_field(rng, img.shape, rng.uniform(8, 40), octaves=3)
    blotch = field > rng.uniform(0.2, 0.9)
    grains = rng.random(img.shape, dtype=np.float32) < rng.uniform(0.3, 0.8)
    return np.where(blotch & grains, img * rng.uniform(0.35, 0.8 - 0.3 * s), img)


def heavy_grain(rng: Rng, img: np.ndarray, s: float) -> np.ndarray:
    """A cheap or old scanner at its limit: strong, clumpy grain over everything."""
    sigma = rng.uniform(0.08, 0.25) * s
    noise = rng.standard_normal(img.shape, dtype=np.float32) * sigma
    if rng.random() < 0.6:
        noise = gaussian(noise, rng.uniform(0.5, 1.2)) * 2.2
    return img + noise * (0.6 + 0.4 * img)  # grain shows more on the paper than in the ink


def speckle_noise(rng: Rng, img: np.ndarray, s: float) -> np.ndarray:
    return img * (1 + rng.standard_normal(img.shape, dtype=np.float32) * rng.uniform(0.03, 0.25) * s)


def salt_pepper(rng: Rng, img: np.ndarray, s: float) -> np.ndarray:
    u = rng.random(img.shape, dtype=np.float32)
    p = rng.uniform(0.001, 0.03) * s
    out = np.where(u < p / 2, rng.uniform(0, 0.3), img)
    return np.where(u > 1 - p / 2, rng.uniform(0.8, 1.0), out)


def halftone(rng: Rng, img: np.ndarray, s: float) -> np.ndarray:
    """Ordered (Bayer) dithering of a fax or a cheap printer; the text survives, the greys become dots."""
    bayer = np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]], np.float32) / 16 + 1 / 32
    scale = int(rng.integers(1, 3))
    tile = np.kron(bayer, np.ones((scale, scale), np.float32))
    h, w = img.shape
    reps = (h // tile.shape[0] + 1, w // tile.shape[1] + 1)
    thresh = np.tile(tile, reps)[:h, :w]
    dithered = (np.clip(img, 0, 1) > thresh).astype(np.float32)
    return rng.uniform(0.5, 1.0) * dithered + (1 - rng.uniform(0.5, 1.0)) * img if rng.random() < 0.3 else dithered


def jpeg(rng: Rng, img: np.ndarray, s: float) -> np.ndarray:
    q = int(rng.uniform(95 - 80 * s, 95 - 50 * s))
    u8 = to_u8(img)
    ok, buf = cv2.imencode(".jpg", u8, [cv2.IMWRITE_JPEG_QUALITY, max(q, 5)])
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255 if ok else img


# ------------------------------------------------------------------ composition

# (name, probability at full severity, function)
INK_STEPS: list[tuple[str, float, Callable]] = [
    ("faded_ink", 0.3, faded_ink),
    ("worn_ink", 0.15, worn_ink),
    ("ink_bleed", 0.15, ink_bleed),
    ("toner_dropout", 0.12, toner_dropout),
    ("colour_text", 0.12, colour_text),
    ("faint_print", 0.08, faint_print),
]
SURFACE_STEPS: list[tuple[str, float, Callable]] = [
    ("paper", 0.8, paper),
    ("stains", 0.4, stains),
    ("creases", 0.15, creases),
    ("wrinkles", 0.12, wrinkles),
    ("colour_bands", 0.15, colour_bands),
    ("lighting", 0.45, lighting),
]
CAMERA_STEPS: list[tuple[str, float, Callable]] = [
    ("defocus", 0.3, defocus),
    ("motion_blur", 0.08, motion_blur),
    ("low_contrast", 0.45, low_contrast),
    ("scanner_streaks", 0.2, scanner_streaks),
    ("toner_speckle", 0.25, toner_speckle),
    ("dark_borders", 0.08, dark_borders),
    ("mottled_toner", 0.08, mottled_toner),
]
NOISE_STEPS: list[tuple[str, float, Callable]] = [
    ("gaussian_noise", 0.35, gaussian_noise),
    ("speckle_noise", 0.15, speckle_noise),
    ("heavy_grain", 0.1, heavy_grain),
    ("salt_pepper", 0.15, salt_pepper),
]
FAMILIES = [n for group in (INK_STEPS, SURFACE_STEPS, CAMERA_STEPS, NOISE_STEPS) for n, _, _ in group] + [
    "show_through",
    "dust",
    "halftone",
    "jpeg",
]


def degrade(
    rng: Rng,
    clean: np.ndarray,
    back_ink: np.ndarray | None,
    severity: float,
    show_through_p: float = 0.3,
    dust_p: float = 0.0,
) -> tuple[np.ndarray, list[str]]:
    """A degraded copy of ``clean`` (float32, 1 = white) and the names of the steps applied.

    ``severity`` in [0, 1] scales both how likely each step is and how hard it hits;
    ``back_ink`` is the ink coverage of another page, for show-through, which happens with
    base chance ``show_through_p`` (training may ask for more of it; evaluation never does);
    ``dust`` (specks at every size below a dot) comes with base chance ``dust_p``, 0 unless
    asked for, so the default stream stays as it was, pixel for pixel.
    """
    applied: list[str] = []

    def chance(p: float) -> bool:
        return rng.random() < p * (0.35 + 0.65 * severity)

    def strength() -> float:
        return float(np.clip(severity * rng.uniform(0.5, 1.3), 0.1, 1.0))

    ink = 1 - clean
    for name, p, step in INK_STEPS:
        if chance(p):
            ink = step(rng, ink, strength())
            applied.append(name)
    img = 1 - rng.uniform(0.75, 1.0) * np.clip(ink, 0, 1)
    if back_ink is not None and chance(show_through_p):
        img = img * show_through(rng, back_ink, strength())
        applied.append("show_through")
    for name, p, step in SURFACE_STEPS:
        if chance(p):
            img = img * step(rng, img.shape, strength())
            applied.append(name)
    for name, p, step in CAMERA_STEPS + NOISE_STEPS:
        if chance(p):
            img = step(rng, img, strength())
            applied.append(name)
    if dust_p and chance(dust_p):
        img = dust(rng, np.clip(img, 0, 1), strength(), stroke_width(clean))
        applied.append("dust")
    img = np.clip(img, 0, 1).astype(np.float32)
    if chance(0.05):
        img = halftone(rng, img, strength())
        applied.append("halftone")
    elif chance(0.3):
        img = jpeg(rng, img, strength())
        applied.append("jpeg")
    return np.clip(img, 0, 1).astype(np.float32), applied
