"""A learned ruling-line remover, trained to be measured against the classical one
(``pagewash.lines``) on the same pages.

    python -m training.line_mask --pages 300 --steps 3000 --out runs/line-mask.pt

A small U-Net reads a page and marks the pixels of its rules: generator forms and tables
(``training.render.FORM_BLOCKS``, lines of every style) against their line-free twins, so a
letter's stroke where it crosses a rule is not a rule pixel. The pages are shrunk or lightly
degraded now and then, as the chain's cleaned pages come. Its marks are painted over the way
the classical remover paints its own. ``compare`` scores both on held-out fonts and seeds:
the share of rule ink removed, the share of letter ink taken with it, and Tesseract's word
recall. The outcome and why the classical remover ships: docs/benchmarks.md#ruling-lines.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from pagewash import lines, tesseract
from pagewash.metrics import word_recall
from training.render import FORM_BLOCKS, render_layers

CROP = 192


def block(a: int, b: int) -> nn.Sequential:
    relu = nn.ReLU(inplace=True)
    return nn.Sequential(nn.Conv2d(a, b, 3, padding=1), relu, nn.Conv2d(b, b, 3, padding=1), relu)


class LineNet(nn.Module):
    """Four levels down and up, 8-16-32-64 channels (about 120k weights): a rule is long, so
    the coarsest level sees 8x the reach of the finest. Page (1 = ink) -> rule logits."""

    def __init__(self, width: int = 8, levels: int = 4):
        super().__init__()
        chans = [width * 2**i for i in range(levels)]
        self.down = nn.ModuleList([block(a, b) for a, b in zip([1, *chans], chans)])
        self.up = nn.ModuleList([block(chans[i] + chans[i + 1], chans[i]) for i in range(levels - 1)])
        self.out = nn.Conv2d(width, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, enc in enumerate(self.down):
            x = enc(x if i == 0 else nn.functional.max_pool2d(x, 2))
            skips.append(x)
        for i in reversed(range(len(self.up))):
            x = self.up[i](torch.cat([skips[i], nn.functional.interpolate(x, scale_factor=2.0)], 1))
        return self.out(x)


def form_page(seed: int, split: str) -> tuple[np.ndarray, np.ndarray, str]:
    """(uint8 page, uint8 its line-free twin, its text): a generator form, shrunk or blurred and
    noised a little now and then."""
    rng = random.Random(f"line-mask:{split}:{seed}")
    w = rng.randint(800, 1700)
    styles = random.Random(f"line-mask-style:{split}:{seed}")
    img, bare, text, _ = render_layers(rng, split, w, int(w * 1.3), (8, 22), styles=styles, blocks=FORM_BLOCKS)
    if rng.random() < 0.3:
        s = rng.uniform(0.6, 0.9)
        size = (round(img.shape[1] * s), round(img.shape[0] * s))
        img, bare = (cv2.resize(a, size, interpolation=cv2.INTER_AREA) for a in (img, bare))
    if rng.random() < 0.4:
        noise = np.random.default_rng(seed).normal(0, rng.uniform(2, 12), img.shape)
        img = np.clip(cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.0)) + noise, 0, 255).astype(np.uint8)
    return img, bare, text


def target(img: np.ndarray, bare: np.ndarray) -> np.ndarray:
    """Rule pixels: ink on the page that is paper on its twin."""
    return ((img < 160) & (bare >= 160)).astype(np.float32)


def to_input(page: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(1 - page.astype(np.float32) / 255)[None, None]


def train(pages: int, steps: int, out: Path, batch: int = 8, lr: float = 2e-3) -> dict:
    torch.manual_seed(0)
    data = [form_page(s, "train") for s in tqdm(range(pages), desc="form pages", unit="page")]
    data = [(img, target(img, bare)) for img, bare, _ in data]
    net = LineNet()
    opt = torch.optim.AdamW(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=steps, pct_start=0.1)
    rng = np.random.default_rng(0)
    t0 = time.time()
    for step in tqdm(range(steps), desc="train", unit="step"):
        xs, ys = [], []
        for _ in range(batch):
            img, y = data[rng.integers(len(data))]
            r, c = rng.integers(0, img.shape[0] - CROP), rng.integers(0, img.shape[1] - CROP)
            xs.append(1 - img[r : r + CROP, c : c + CROP].astype(np.float32) / 255)
            ys.append(y[r : r + CROP, c : c + CROP])
        x, y = torch.from_numpy(np.stack(xs))[:, None], torch.from_numpy(np.stack(ys))[:, None]
        loss = nn.functional.binary_cross_entropy_with_logits(net(x), y, pos_weight=torch.tensor(4.0))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 500 == 0:
            tqdm.write(f"step {step} loss {loss.item():.4f}")
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(net.state_dict(), out)
    return {"steps": steps, "seconds": time.time() - t0, "loss": loss.item()}


def learned_remove(net: LineNet, page: np.ndarray) -> np.ndarray:
    """The page with the network's rule pixels painted over, as ``lines.remove_lines`` paints."""
    h, w = page.shape
    ph, pw = -h % 8, -w % 8
    x = to_input(np.pad(page, ((0, ph), (0, pw)), constant_values=255))
    with torch.inference_mode():
        mask = (net(x)[0, 0, :h, :w] > 0).numpy()
    ink, behind = lines.ink_of(page)
    stays = ink.astype(bool) & ~mask
    paint = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & ~stays
    out = page.copy()
    out[paint] = behind[paint]
    return out


def compare(net: LineNet, pages: int) -> dict:
    """Both removers on held-out form pages ("val" fonts and seeds)."""
    rows = []
    for seed in tqdm(range(pages), desc="compare", unit="page"):
        img, bare, text = form_page(seed, "val")
        rule, letters = target(img, bare).astype(bool), bare < 128
        row = [word_recall(text, tesseract.ocr(img, formats=("txt",)).text)]
        for out in (lines.remove_lines(img)[0], learned_remove(net, img)):
            gone = (img < 128) & (out >= 128)
            row += [
                (gone & rule).sum() / max(rule.sum(), 1),
                (gone & letters).sum() / max(letters.sum(), 1),
                word_recall(text, tesseract.ocr(out, formats=("txt",)).text),
            ]
        rows.append(row)
    r = np.array(rows)
    result = {"pages": pages, "recall_with_lines": float(r[:, 0].mean())}
    for name, at in (("classical", 1), ("learned", 4)):
        result[name] = {
            "rule_ink_removed": float(r[:, at].mean()),
            "letter_ink_removed": float(r[:, at + 1].mean()),
            "recall": float(r[:, at + 2].mean()),
        }
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=300, help="training pages")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--out", type=Path, default=Path("runs/line-mask.pt"))
    ap.add_argument("--compare", type=int, default=30, help="held-out pages both removers are scored on")
    args = ap.parse_args()
    torch.set_num_threads(2)
    done = train(args.pages, args.steps, args.out)
    net = LineNet()
    net.load_state_dict(torch.load(args.out, weights_only=True))
    tqdm.write(str(done))
    tqdm.write(str(compare(net.eval(), args.compare)))


if __name__ == "__main__":
    main()
