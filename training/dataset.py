"""Training data: a rolling pool of synthetic pages fed by generator processes, user pairs,
and random crops from either.

Generating a page costs ~0.1 s of CPU while a training step on 16 crops costs about the
same, so pages are reused for several crops; the pool is refreshed continuously so the
network keeps seeing new pages instead of memorising a fixed set.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue as queue_module
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from pagewash.imageio import IMAGE_SUFFIXES, load_page, to_u8
from training.lowres import make_lowres_sample
from training.synth import Sample, category, make_paper_sample, make_sample

Pair = tuple[np.ndarray, np.ndarray]  # (noisy, clean), uint8 (H, W), same shape


@dataclass(frozen=True)
class Mix:
    """What the training stream is made of, beyond the generator's defaults."""

    show_through_p: float = 0.3  # base chance of show-through
    dust_p: float = 0.0  # base chance of dust
    paper_share: float = 0.0  # share of pages of fine print on damaged paper (``make_paper_sample``)


def sample(seed: int, split: str, scale: int = 1, mix: Mix = Mix()) -> Sample:
    """A synthetic page of the kind a model of this ``scale`` learns from: an ordinary
    degraded page (or, ``mix.paper_share`` of the time, a paper page), or (scale > 1) a
    low-resolution one with its clean page at full size."""
    if scale == 1:
        if mix.paper_share and random.Random(f"mix:{split}:{seed}").random() < mix.paper_share:
            return make_paper_sample(seed, split)
        return make_sample(seed, split, None, mix.show_through_p, mix.dust_p)
    return make_lowres_sample(seed, split, scale, mix.show_through_p)


def _produce(queue: mp.Queue, split: str, seeds: range, scale: int = 1, mix: Mix = Mix()) -> None:
    """Generator process: make pages until the trainer is gone (checked while the queue is full)."""
    os.nice(10)  # the training step has priority over refreshing the pool
    parent = os.getppid()
    for seed in seeds:
        try:
            s = sample(seed, split, scale, mix)
        except Exception:  # one bad page must not starve training of fresh ones: say so, skip it
            logging.getLogger(__name__).exception("generator: page %s/%d failed, skipped", split, seed)
            continue
        while True:
            try:
                queue.put((s.noisy, s.clean), timeout=5)
                break
            except queue_module.Full:
                if os.getppid() != parent:  # the trainer died without closing us
                    return


class PagePool:
    """A fixed-size pool of synthetic pages; ``refresh`` swaps in freshly generated ones."""

    def __init__(
        self, n_pages: int, workers: int, seed: int, split: str = "train", mix: Mix = Mix(), scale: int = 1
    ) -> None:
        self.pages: list[Pair] = []
        self.n_pages = n_pages
        self.queue: mp.Queue = mp.get_context("spawn").Queue(maxsize=64)
        span = 10_000_000
        self.procs = [
            mp.get_context("spawn").Process(
                target=_produce,
                args=(self.queue, split, range(seed + i * span, seed + (i + 1) * span), scale, mix),
                daemon=True,
            )
            for i in range(max(workers, 1))
        ]
        for p in self.procs:
            p.start()
        self.rng = random.Random(seed)
        self.generated = 0

    def fill(self, progress=None) -> None:
        while len(self.pages) < self.n_pages:
            self.pages.append(self.queue.get())
            self.generated += 1
            if progress is not None:
                progress.update(1)

    def refresh(self, max_new: int = 8) -> None:
        """Replace random pages with whatever the generators have finished, without waiting."""
        for _ in range(max_new):
            try:
                page = self.queue.get_nowait()
            except queue_module.Empty:
                return
            self.pages[self.rng.randrange(len(self.pages))] = page
            self.generated += 1

    def close(self) -> None:
        for p in self.procs:
            p.terminate()


def load_pairs(folder: str | Path, scale: int = 1) -> list[Pair]:
    """Aligned pairs: ``folder/noisy/X.*`` with ``folder/clean/X.*`` (same stem, same size,
    or ``scale`` times the size for an upscaler), or, in the layout ``pagewash benchmark``
    reads, ``X.png`` beside ``X.clean.png``."""
    folder = Path(folder)
    if (folder / "noisy").is_dir():
        clean_by_stem = {p.stem: p for p in (folder / "clean").iterdir() if p.suffix.lower() in IMAGE_SUFFIXES}
        candidates = [(n, clean_by_stem.get(n.stem)) for n in sorted((folder / "noisy").iterdir())]
    else:
        candidates = [(n, n.with_name(n.stem + ".clean.png")) for n in sorted(folder.glob("*.png"))]
        candidates = [(n, c) for n, c in candidates if ".clean" not in n.name and c.exists()]
    pairs = []
    for noisy_path, clean_path in candidates:
        if noisy_path.suffix.lower() not in IMAGE_SUFFIXES or clean_path is None:
            continue
        noisy, clean = to_u8(load_page(noisy_path)), to_u8(load_page(clean_path))
        if (noisy.shape[0] * scale, noisy.shape[1] * scale) != clean.shape:
            what = "differ in size" if scale == 1 else f"are not in a {scale}x ratio"
            raise ValueError(f"{noisy_path.name}: noisy {noisy.shape} and clean {clean.shape} {what}")
        pairs.append((noisy, clean))
    if not pairs:
        raise ValueError(f"{folder}: no pairs found (expected noisy/X.png and clean/X.png, or X.png and X.clean.png)")
    return pairs


def split_pairs(pairs: list[Pair], fraction: float, seed: int) -> tuple[list[Pair], list[Sample]]:
    """(pairs to train on, held-out pairs as Samples to validate on): a seeded shuffle, at least
    one pair on each side, so a fine-tune is judged on pages it never trained on."""
    order = list(range(len(pairs)))
    random.Random(seed).shuffle(order)
    n_val = min(max(1, round(len(pairs) * fraction)), len(pairs) - 1) if len(pairs) > 1 else 0
    val = [Sample(clean=pairs[i][1], noisy=pairs[i][0], text="") for i in order[:n_val]]
    return [pairs[i] for i in order[n_val:]], val or [Sample(clean=pairs[0][1], noisy=pairs[0][0], text="")]


def fixed_pages(split: str, seeds: range, size: tuple[int, int] | None = None, scale: int = 1) -> list[Sample]:
    if scale > 1:
        return [make_lowres_sample(s, split, scale) for s in seeds]
    return [make_sample(s, split, size) for s in seeds]


def write_set(
    out: str | Path, n: int, seed: int, size: tuple[int, int] | None = None, split: str = "val", scale: int = 1
) -> list[Path]:
    """A benchmark folder: ``NNN_category.png`` inputs, ``.gt.txt`` ground truth, ``.clean.png``
    references. With ``scale`` > 1, low-resolution pages (``training.lowres``) whose clean
    references are ``scale`` times their size, named after how they were sampled."""
    from PIL import Image

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for i in range(n):
        (s,) = fixed_pages(split, range(seed + i, seed + i + 1), size, scale)
        kind = category(s.meta["degradations"]) if scale == 1 else s.meta["road"]
        name = f"{i:03d}_{kind}"
        Image.fromarray(s.noisy).save(out / f"{name}.png")
        Image.fromarray(s.clean).save(out / f"{name}.clean.png")
        (out / f"{name}.gt.txt").write_text(s.text + "\n")
        written.append(out / f"{name}.png")
    return written


def random_crops(
    pages: list[Pair],
    rng: random.Random,
    batch: int,
    crop: int,
    ink_bias: float = 0.5,
    flips: bool = False,
    scale: int = 1,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, 1, crop / scale, crop / scale) noisy and (B, 1, crop, crop) clean float crops (the
    clean page of a pair is ``scale`` times the noisy one). With probability ``ink_bias`` the
    inkiest of three candidate spots is kept, so batches are not mostly margin; the rest are
    uniform, so the model also sees plenty of empty, noisy paper (where it must not invent ink).
    ``flips`` mirrors crops at random (a few user pairs then go further)."""
    small = crop // scale
    noisy = np.full((batch, small, small), 255, np.uint8)
    clean = np.full((batch, crop, crop), 255, np.uint8)
    for b in range(batch):
        n, c = pages[rng.randrange(len(pages))]
        h, w = n.shape
        ch, cw = min(small, h), min(small, w)
        best, best_ink = (0, 0), -1
        for _ in range(3 if rng.random() < ink_bias else 1):
            y, x = rng.randint(0, h - ch), rng.randint(0, w - cw)
            ink = int((c[y * scale : (y + ch) * scale : 4, x * scale : (x + cw) * scale : 4] < 128).sum())
            if ink > best_ink:
                best, best_ink = (y, x), ink
        y, x = best
        nc, cc = n[y : y + ch, x : x + cw], c[y * scale : (y + ch) * scale, x * scale : (x + cw) * scale]
        if flips:
            axes = [a for a in (0, 1) if rng.random() < 0.5]
            nc, cc = (np.flip(nc, axes), np.flip(cc, axes)) if axes else (nc, cc)
        noisy[b, :ch, :cw] = nc
        clean[b, : ch * scale, : cw * scale] = cc
    return (torch.from_numpy(noisy).float().div_(255)[:, None], torch.from_numpy(clean).float().div_(255)[:, None])


def jitter(noisy: torch.Tensor, rng: random.Random) -> torch.Tensor:
    """Cheap extra variety on a crop: global gain, offset and gamma (a different exposure)."""
    if rng.random() < 0.7:
        return noisy
    gain, offset, gamma = rng.uniform(0.7, 1.1), rng.uniform(-0.05, 0.15), np.exp(rng.uniform(-0.4, 0.4))
    return (offset + gain * noisy.clamp(0, 1) ** gamma).clamp(0, 1)
