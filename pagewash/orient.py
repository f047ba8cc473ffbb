"""Which way up is the page: a quarter turn (0, 90, 180 or 270 degrees) found by a small
CNN that reads patches of the page's text.

Tesseract with ``--psm 3`` reads a page turned a quarter as next to nothing, and its own
orientation detection (OSD) misreads forms and sparse pages. Text lines alone tell 0 from
90 degrees, but 0 from 180 needs the letters' shapes (an ascender-descender count fails on
forms in capitals). So the page is scaled until its x-height is about 8 px, the inkiest
96x96 patches that are still text (not a banner, not a halftone screen) are cut from it,
and the network's log-probabilities over the patches are summed. A page with more of its
letters standing in lines along its columns than along its rows (its lines run up and
down) is given a quarter turn first, so it is scored once; one the network still finds
sideways is scored again the other way, at that way's own scale. The network (about 100k
weights, 400 KB) is trained on generator pages of every block type, slides, forms and pages
in capitals included (``training/orient.py``). Accuracy and cost:
``docs/benchmarks.md#orientation``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from pagewash.classical import paper
from pagewash.imageio import to_u8
from pagewash.lines import letter_height
from pagewash.textsize import text_both_ways

WEIGHTS = Path(__file__).parent / "weights" / "orient.pt"
CROP = 96  # pixels square, at the working scale
XHEIGHT = 8.0  # pixels: the text's x-height at the working scale
PATCHES = 12  # patches per page
GRAIN = 0.08  # share of pixels a 3x3 median changes by a quarter of the range: above it, a page is grainy
FAINT = 128  # the page's strongest ink (99.5th percentile, 0-255) below which its contrast is stretched
MAX_SIDE = 1400  # pixels: a larger page is shrunk to this before its text size is measured
MIN_INK, MAX_INK = 0.02, 0.25  # share of a patch's pixels that are ink for it to be text (not a banner)


class OrientNet(nn.Module):
    """A strided stem, four conv-and-pool blocks and a linear head: a 96x96 patch (1 = ink)
    -> 4 logits, one per counter-clockwise quarter turn the patch has had."""

    def __init__(self, width: int = 16):
        super().__init__()
        chans = [width, width * 2, width * 4, width * 4, width * 4]
        layers: list[nn.Module] = [nn.Conv2d(1, width, 5, stride=2, padding=2, bias=False)]
        layers += [nn.BatchNorm2d(width), nn.ReLU(inplace=True)]
        for a, b in zip(chans, chans[1:]):
            layers += [nn.Conv2d(a, b, 3, padding=1, bias=False), nn.BatchNorm2d(b), nn.ReLU(inplace=True)]
            layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(chans[-1], 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))


def working_scale(page: np.ndarray, turn: int | None = None) -> tuple[np.ndarray, int]:
    """(the page as uint8 ink (255) on paper (0), scaled so its x-height is about ``XHEIGHT``
    and given ``turn`` quarter turns clockwise (0 or 1), that turn). Light text on a dark
    ground is turned dark on light first. ``turn=None`` chooses it: 1 where more letters
    stand in lines along the columns than along the rows (the lines run up and down), so a
    sideways page is scored once, already turned, at its own scale."""
    u8 = to_u8(page)
    h, w = u8.shape
    if max(h, w) > MAX_SIDE:  # a 300-dpi page measured at full size costs ten times the network
        pre = MAX_SIDE / max(h, w)
        u8 = cv2.resize(u8, (round(w * pre), round(h * pre)), interpolation=cv2.INTER_AREA)
    if u8.mean() < 110:
        u8 = 255 - u8
    # measured on a grainy page (a halftone screen: its dots pass for tiny letters) less its grain,
    fine = cv2.medianBlur(u8, 3)
    grainy = (np.abs(u8.astype(np.int16) - fine) > 64).mean() > GRAIN
    f = (fine if grainy else u8).astype(np.float32) / 255
    # along the lines; else across them (a sideways page), else by its letters (a few big words)
    (along, in_rows), (across, in_columns) = text_both_ways(f)
    if turn is None:  # the way more of its letters stand in lines
        turn = int(in_columns > in_rows)
    if turn:
        along, across = across, along
    x = along or across or letter_height((u8 < 128).astype(np.uint8))
    h, w = u8.shape
    s = XHEIGHT / x if x else 1200 / max(h, w)
    s = min(s, 4000 / max(h, w), 2.0)  # a page of huge type shrinks, tiny type grows at most 2x
    small = cv2.resize(u8, (max(CROP, round(w * s)), max(CROP, round(h * s))), interpolation=cv2.INTER_AREA)
    small = np.ascontiguousarray(np.rot90(small, -turn)) if turn else small
    behind = np.maximum(paper(small), 1)  # stains and shadows out
    ink = 255 - cv2.divide(small, behind, scale=255)
    top = int(np.searchsorted(np.cumsum(np.bincount(ink.ravel(), minlength=256)), 0.995 * ink.size))
    if 0 < top < FAINT:  # faint print (its 99.5th percentile): strokes brought to the strength the network learned
        ink = cv2.convertScaleAbs(ink, alpha=min(200 / top, 5.0))
    return ink, turn


def patches(ink: np.ndarray, n: int = PATCHES) -> np.ndarray:
    """The ``n`` inkiest ``CROP`` squares on a half-overlapping grid that are not solid ink
    (a black bar or a photo tells nothing of the way up), as float (n, 1, CROP, CROP)."""
    h, w = ink.shape
    step = CROP // 2
    ys, xs = np.arange(0, max(h - CROP, 0) + 1, step), np.arange(0, max(w - CROP, 0) + 1, step)
    # each cell's ink share from one summed-area table, not from a copy of every cell
    table = cv2.integral((ink > 127).astype(np.uint8))
    y0, x0 = ys[:, None], xs[None, :]
    y1, x1 = np.minimum(y0 + CROP, h), np.minimum(x0 + CROP, w)
    share = ((table[y1, x1] - table[y0, x1] - table[y1, x0] + table[y0, x0]) / CROP**2).ravel()
    boxes = [(y, x) for y in ys for x in xs]
    share = share - np.median(share)  # over the page's own ground: a halftone screen or speckle counts as none
    order = np.argsort(-np.where(share <= MAX_INK, share, -1), kind="stable")
    chosen = [i for i in order[:n] if MIN_INK <= share[i] <= MAX_INK] or list(order[:1])
    cells = np.stack([ink[boxes[i][0] : boxes[i][0] + CROP, boxes[i][1] : boxes[i][1] + CROP] for i in chosen])
    return cells.astype(np.float32)[:, None] / 255


@functools.cache
def load(path: Path = WEIGHTS) -> OrientNet:
    """The shipped network, once per process, on the CPU (it costs a few milliseconds a page)."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    net = OrientNet(int(state["width"]))
    net.load_state_dict(state["weights"])
    return net.eval()


def scores(ink: np.ndarray, net: OrientNet | None = None) -> np.ndarray:
    """Summed log-probabilities (4,) that a working-scale page (``working_scale``'s) has been
    turned 0, 1, 2, 3 quarters counter-clockwise (``np.rot90``'s sense)."""
    net = net or load()
    x = torch.from_numpy(patches(ink))
    with torch.inference_mode():
        return torch.log_softmax(net(x), dim=1).sum(0).numpy()


def quarter(page: np.ndarray, net: OrientNet | None = None) -> tuple[int, float]:
    """(the quarter turns the page has had, counter-clockwise; ``np.rot90(page, -k)`` sets it
    upright), and the margin of the best over the runner-up in summed log-probability.

    Which axis the lines run along is the easy half; which end is up is the hard one, and
    the network learns it at the x-height of upright lines. So the page is scored with its
    lines across (``working_scale`` turns a page whose letters stand in columns), and
    where the network still finds them running up and down, scored again the other way, at
    that way's own scale."""
    ink, turn = working_scale(page)
    s = scores(ink, net)
    if np.logaddexp(s[1], s[3]) > np.logaddexp(s[0], s[2]):
        turn = 1 - turn
        s = scores(working_scale(page, turn)[0], net)
    s = np.roll(s, turn)  # scored turned by ``turn``: k - turn -> k
    best = int(np.argmax(s))
    return best, float(s[best] - np.max(np.delete(s, best)))
