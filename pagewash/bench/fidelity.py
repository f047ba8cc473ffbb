"""Ink fidelity and specks: does the cleaner leave the print as it was, and the paper bare?

OCR gains can hide a cleaner that makes strokes bolder, hardens their anti-aliased edges
or leaves specks on the paper: a user looking at the page sees them, and a reference-based
score (the RMSE of a dirty-documents benchmark) pays for them. Three held-out sets, each
made its own way (``training.synth``):

- ``generator``: the ordinary degraded pages (``make_sample``), the clean page a crisp render;
- ``paper``: fine print on crumpled, creased, stained, dusty paper lit from the side
  (``make_paper_sample``), the clean page the print as it was (soft edges and all);
- ``dust``: clean pages under dust and pepper noise only (``make_dust_sample``), where
  every speck is countable and every i's dot and full stop is still on the input.

For each method: RMSE over the page and on stroke edges, inside the strokes and on the
paper (``pagewash.metrics.fidelity``); the change in dark pixels against the clean page;
the share of the input's background specks gone and of the clean page's dots kept
(``pagewash.metrics.specks``). Writes ``fidelity.{json,md,png}``.

    python -m pagewash.bench.fidelity -o benchmarks [--methods raw,bgnorm,default] [--pages 40]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from pagewash.imageio import to_u8
from pagewash.metrics import fidelity, set_dark_change, specks
from training.evaluate import BENCH_SEEDS, method
from training.synth import make_dust_sample, make_paper_sample, make_sample

SETS = {"generator": make_sample, "paper": make_paper_sample, "dust": make_dust_sample}
METHODS = ("raw", "bgnorm", "default")


def measure(methods: tuple[str, ...], pages: int) -> dict:
    """{set: {method: summary}} over ``pages`` held-out pages a set."""
    out: dict = {}
    for name, make in SETS.items():
        samples = [make(seed, "val") for seed in tqdm(BENCH_SEEDS[:pages], desc=f"pages ({name})", leave=False)]
        out[name] = {}
        for m in methods:
            fn = method(m)
            rows = []
            for s in tqdm(samples, desc=f"{name}: {m}", leave=False):
                cleaned = to_u8(fn(s.noisy.astype(np.float32) / 255))
                rows.append({**fidelity(s.clean, cleaned), **specks(s.clean, s.noisy, cleaned)})
            out[name][m] = summarize(rows)
    return out


def summarize(rows: list[dict]) -> dict:
    def total(key: str) -> float:
        return float(sum(r[key] for r in rows))

    mean = {k: float(np.mean([r[k] for r in rows])) for k in ("rmse", "edge_rmse", "ink_rmse", "background_rmse")}
    shares = {k: float(np.mean([r[k] for r in rows])) for k in ("edge_share", "ink_share", "background_share")}
    return {
        **mean,
        **shares,
        # over the set's pixels: a page with almost no ink would make its own ratio meaningless
        "dark_change": set_dark_change(rows),
        "dark_change_median": float(np.median([r["dark_change"] for r in rows])),
        "specks_gone": 1 - total("specks_left") / total("specks_in") if total("specks_in") else 1.0,
        "marks_kept": total("marks_kept") / total("marks") if total("marks") else 1.0,
        "specks_in": int(total("specks_in")),
        "marks": int(total("marks")),
        "pages": len(rows),
    }


def table(results: dict) -> str:
    lines = [
        "| set | method | RMSE | edge RMSE | ink RMSE | paper RMSE | dark pixels vs clean | specks gone | dots kept |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, by_method in results.items():
        for m, r in by_method.items():
            lines.append(
                f"| {name} ({r['pages']}) | {m} | {r['rmse']:.4f} | {r['edge_rmse']:.3f} | {r['ink_rmse']:.3f} | "
                f"{r['background_rmse']:.4f} | {r['dark_change']:+.1%} | "
                f"{r['specks_gone']:.2%} | {r['marks_kept']:.2%} |"
            )
    return "\n".join(lines)


def picture(methods: tuple[str, ...], out: Path) -> None:
    """A paper page and a dusty page, as they came and after each method: specks are seen
    more than counted."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    samples = [make_paper_sample(BENCH_SEEDS[2], "val"), make_dust_sample(BENCH_SEEDS[1], "val")]
    fig, axes = plt.subplots(len(samples), len(methods) + 1, figsize=(3.6 * (len(methods) + 1), 3.2 * len(samples)))
    for row, s in zip(axes, samples):
        h, w = s.clean.shape
        box = (slice(0, min(h, 300)), slice(0, min(w, 420)))
        pages = [("clean page", s.clean)] + [
            ("input" if m == "raw" else m, to_u8(method(m)(s.noisy.astype(np.float32) / 255))) for m in methods
        ]
        for ax, (title, page) in zip(row, pages):
            ax.imshow(page[box], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
            ax.set_title(f"{s.meta.get('kind', '')}: {title}", fontsize=9)
            ax.axis("off")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m pagewash.bench.fidelity", description=__doc__.split("\n\n")[0])
    p.add_argument("-o", "--out", default="benchmarks", help="output folder (default benchmarks)")
    p.add_argument("--methods", default=",".join(METHODS), help="comma-separated methods (as pagewash evaluate)")
    p.add_argument("--pages", type=int, default=40, help="held-out pages a set (default 40)")
    args = p.parse_args()
    methods = tuple(m for m in args.methods.split(",") if m)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = measure(methods, args.pages)
    (out / "fidelity.json").write_text(json.dumps(results, indent=1))
    (out / "fidelity.md").write_text(
        f"Ink fidelity and specks on held-out pages ({args.pages} a set; `python -m pagewash.bench.fidelity`).\n\n"
        + table(results)
        + "\n"
    )
    picture(methods, out / "fidelity.png")
    sys.stdout.write(table(results) + "\n")


if __name__ == "__main__":
    main()
