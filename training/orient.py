"""Training the orientation network (``pagewash.orient``) on generator pages.

    python -m training.orient --pages 900 --steps 2000 --out pagewash/weights/orient.pt

Pages of every block type (slides, forms and tables included) from the training fonts, half
of them degraded, are brought to the working scale the way a page is at run time
(``orient.working_scale``), and cut into the patches ``orient.patches`` would pick. Each
patch is shown turned by a random quarter, labelled with the turn. Selection is on pages
that training never sees: the held-out fonts and seeds (the "val" split), scored per page
as at run time.
"""

from __future__ import annotations

import argparse
import copy
import random
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from pagewash import orient
from pagewash.model_store import pick_dtype
from training.degrade import degrade
from training.render import render_page

CAPS = 0.3  # share of pages set all in capitals, like the typewritten labels of real forms


def page(seed: int, split: str) -> np.ndarray:
    """One generator page (float, 1 = white), degraded half the time, of varied size, all in
    capitals ``CAPS`` of the time (drawn apart, so the rest of the page is the same either way)."""
    rng = random.Random(f"orient:{split}:{seed}")
    caps = random.Random(f"orient-caps:{split}:{seed}").random() < CAPS
    width = rng.randint(700, 1700)
    img, _, _ = render_page(rng, split, width, int(width * rng.uniform(0.7, 1.45)), caps=caps)
    clean = img.astype(np.float32) / 255
    if rng.random() < 0.5:
        clean, _ = degrade(np.random.default_rng(seed), clean, None, rng.uniform(0.1, 0.7), 0.2)
    return np.clip(clean, 0, 1)


def page_patches(seed: int, split: str = "train", n: int = 24) -> np.ndarray:
    """uint8 (n', CROP, CROP) ink patches of one page, as the network sees them."""
    cells = orient.patches(orient.working_scale(page(seed, split), 0)[0], n)
    return (cells[:, 0] * 255).astype(np.uint8)


def make_set(pages: int, split: str, first: int = 0) -> np.ndarray:
    with ProcessPoolExecutor(2) as pool:
        parts = list(
            tqdm(
                pool.map(page_patches, range(first, first + pages), [split] * pages, chunksize=8),
                total=pages,
                desc=f"{split} pages",
                unit="page",
            )
        )
    return np.concatenate(parts)


def batch(cells: np.ndarray, size: int, rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Random patches, each turned by a random quarter (the label), with a little contrast
    and noise jitter."""
    idx = rng.integers(0, len(cells), size)
    turns = rng.integers(0, 4, size)
    x = np.stack([np.rot90(cells[i], k) for i, k in zip(idx, turns)]).astype(np.float32) / 255
    x = x * rng.uniform(0.6, 1.0, (size, 1, 1)) + rng.normal(0, 0.03, x.shape)
    return torch.from_numpy(x[:, None].astype(np.float32)), torch.from_numpy(turns)


def page_accuracy(net: orient.OrientNet, seeds: range, split: str = "val") -> float:
    """Share of (page, turn) pairs whose turn is found, scoring the page as at run time
    (``orient.quarter``)."""
    right = total = 0
    for seed in seeds:
        p = page(seed, split)
        for k in range(4):
            right += orient.quarter(np.ascontiguousarray(np.rot90(p, k)), net)[0] == k
            total += 1
    return right / total


def train(
    pages: int,
    steps: int,
    out: Path,
    width: int = 16,
    seed: int = 0,
    check_pages: int = 60,
    init: Path | None = None,
    lr: float = 3e-3,
    first_page: int = 0,
) -> None:
    """``init``: start from these weights (a fine-tune: a lower ``lr`` and fresh pages from
    ``first_page`` on)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    cells = make_set(pages, "train", first_page)
    net = copy.deepcopy(orient.load(init)) if init else orient.OrientNet(width)
    width = net.head.in_features // 4
    amp = pick_dtype(torch.device("cpu"), "auto")  # bf16 only where native: emulated, it is 7x slower
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    loss_fn = torch.nn.CrossEntropyLoss()
    t0, bar = time.time(), tqdm(range(steps), desc="orientation", unit="step")
    for step in bar:
        net.train()
        x, y = batch(cells, 96, rng)
        with torch.autocast("cpu", dtype=amp or torch.float32, enabled=amp is not None):
            loss = loss_fn(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 50 == 0:
            bar.set_postfix(loss=f"{loss.item():.3f}")
    net.eval()
    acc = page_accuracy(net, range(check_pages))
    tqdm.write(
        f"{len(cells)} patches from {pages} pages, {steps} steps in {time.time() - t0:.0f} s; "
        f"held-out generator pages ({check_pages} x 4 turns): {acc:.3f}"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"width": width, "weights": net.state_dict()}, out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=900, help="generator pages to cut patches from")
    ap.add_argument("--steps", type=int, default=2000, help="training steps (batch 96)")
    ap.add_argument("--width", type=int, default=16, help="channels of the first conv block")
    ap.add_argument("--out", type=Path, default=orient.WEIGHTS, help="where the weights go")
    ap.add_argument("--init", type=Path, default=None, help="fine-tune these weights instead of starting afresh")
    ap.add_argument("--lr", type=float, default=3e-3, help="peak learning rate (one-cycle)")
    ap.add_argument("--first-page", type=int, default=0, help="first generator seed (fresh pages for a fine-tune)")
    args = ap.parse_args()
    train(args.pages, args.steps, args.out, args.width, init=args.init, lr=args.lr, first_page=args.first_page)


if __name__ == "__main__":
    main()
