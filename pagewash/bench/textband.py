"""At what text size does Tesseract read best, and what does upscaling buy below it?

Held-out pages (fonts training never saw) are rendered with large type and shrunk, the way
a scanner samples a page, to each target x-height, with a little blur and sensor noise.
Each is read as it is, after bicubic 2x, cleaned at its size, cleaned and upscaled 2x, and
after pagewash's auto chain (the cleaner, the text-size estimate, the upscaler where the
text is small). ``pagewash evaluate
--text-band`` writes the table and the plot to ``benchmarks/text-band.*``; the thresholds in
``pagewash.textsize`` come from it.
"""

from __future__ import annotations

import json
import multiprocessing
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from pagewash import tesseract
from pagewash.metrics import cer
from training.render import render_page

SOURCE_XHEIGHT = 40.0  # rendered at this x-height, then shrunk
TARGETS = (3, 4, 5, 6, 7, 8, 10, 12, 14, 17, 20, 25, 30, 40)
METHODS = ("raw", "bicubic 2x", "pagewash", "pagewash 2x", "pagewash 4x", "pagewash auto")
FOUR_X_UP_TO = 6  # 4x (two passes) is read only on pages this small: above, it makes huge pages for nothing
SEEDS = range(800_000, 800_010)  # val-split seeds no training run uses


def shrunk(seed: int, target: float) -> tuple[np.ndarray, str]:
    """One held-out page with its x-height brought to ``target`` px, softly, as a scan."""
    rng = random.Random(f"textband:{seed}")
    img, text, _ = render_page(rng, "val", 1300, 1700, (SOURCE_XHEIGHT, SOURCE_XHEIGHT))
    f = target / SOURCE_XHEIGHT
    page = img.astype(np.float32) / 255
    page = page if f == 1 else cv2.resize(page, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    noise = np.random.default_rng(seed).normal(0, 0.02, page.shape).astype(np.float32)
    return np.clip(cv2.GaussianBlur(page, (0, 0), 0.5) + noise, 0, 1), text


def read_all(args: tuple[int, float]) -> dict:
    """CER of each method on one page at one size (runs in a pool process)."""
    import torch

    from pagewash.model_store import get_model
    from pagewash.upscale import prepare

    torch.set_num_threads(1)
    seed, target = args
    page, text = shrunk(seed, target)
    cleaner = get_model("default", "cpu")
    ready = prepare(cleaner, page, "auto")
    pages = {
        "raw": page,
        "bicubic 2x": cv2.resize(page, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC).clip(0, 1),
        "pagewash": prepare(cleaner, page, "off").ocr,
        "pagewash 2x": prepare(cleaner, page, "2").ocr,
        "pagewash auto": ready.ocr,
    }
    if target <= FOUR_X_UP_TO:
        pages["pagewash 4x"] = prepare(cleaner, page, "4").ocr
    row = {"seed": seed, "xheight": target, "auto_factor": ready.factor}
    for name, p in pages.items():
        row[name] = cer(text, tesseract.image_to_text(p))
    return row


def run(out: Path, jobs: int = 2) -> dict:
    work = [(seed, float(t)) for t in TARGETS for seed in SEEDS]
    # spawn: the caller (``pagewash evaluate``) has run torch already, and a forked child of a
    # process with a live OpenMP pool hangs on its first parallel region
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        rows = list(tqdm(pool.map(read_all, work), total=len(work), desc="text band", unit="read"))
    table = {}
    for t in TARGETS:
        at = [r for r in rows if r["xheight"] == t]
        table[t] = {m: float(np.mean([r[m] for r in at])) for m in METHODS if m in at[0]}
    factors = {t: float(np.mean([r["auto_factor"] for r in rows if r["xheight"] == t])) for t in TARGETS}
    result = {"pages": len(SEEDS), "cer": table, "auto_factor_mean": factors, "rows": rows}
    out.mkdir(parents=True, exist_ok=True)
    (out / "text-band.json").write_text(json.dumps(result, indent=1))
    lines = [
        f"Tesseract CER against x-height: {len(SEEDS)} held-out pages shrunk to each size (blur 0.5 px, noise 2%).",
        "",
        "| x-height px | " + " | ".join(METHODS) + " | auto's mean factor |",
        "|---" * (len(METHODS) + 2) + "|",
    ]
    for t in TARGETS:
        cells = " | ".join(f"{table[t][m]:.3f}" if m in table[t] else "-" for m in METHODS)
        lines.append(f"| {t} | {cells} | {factors[t]:.1f} |")
    (out / "text-band.md").write_text("\n".join(lines) + "\n")
    plot(table, out / "text-band.png")
    return result


def plot(table: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = list(table)
    fig, ax = plt.subplots(figsize=(8, 4))
    for m in METHODS:
        pts = [(x, table[x][m]) for x in xs if m in table[x]]
        ax.plot(*zip(*pts), marker="o", label=m)
    ax.set(xscale="log", xlabel="x-height of the page as sent (px)", ylabel="Tesseract CER", ylim=(0, None))
    ax.set_xticks(xs, [str(x) for x in xs])
    ax.axvspan(20, 30, color="green", alpha=0.08, label="Tesseract's advice: 20-30 px")
    ax.legend()
    ax.set_title("Where Tesseract reads best, and what upscaling buys below it")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
