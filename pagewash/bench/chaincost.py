"""What the OCR chain costs against the read a user pays for anyway, and what it buys.

    python -m pagewash.bench.chaincost --set generator=bench-out/chain-gen \
        --set funsd=../shared/realval/funsd-train

For each page of each set (``NAME.<image>`` with ``NAME.gt.txt``), in one process, one
after the other so that each configuration meets the same machine:

- ``tesseract``: plain Tesseract on the page as it came (one read, ``--psm 3``);
- ``no-clean``: ``pagewash ocr --no-clean`` (the structure steps, no cleaning);
- ``ocr``: ``pagewash ocr`` with its defaults (verify by re-reading the unsure lines);
- ``ocr-full``: the same chain with every version read in full (verify as it was).

Each gets its wall time, the ratio of the set's total to plain Tesseract's and to
``no-clean``'s, word recall and CER, the Tesseract runs it made and the pixels they read
(against the page's own), and the pages more than 0.05 of recall below plain Tesseract.
Pages run in ``--jobs`` processes with one torch thread each. Results go to
``benchmarks/chain-cost.json`` and ``.md``, and a plot beside them.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from tqdm import tqdm

CONFIGS = ("tesseract", "no-clean", "ocr", "ocr-full")
WORSE = 0.05  # recall below plain Tesseract's by more than this: a page made worse


class Reads(logging.Handler):
    """The Tesseract runs of one configuration, from ``pagewash.tesseract``'s debug lines."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.pixels: list[int] = []

    def emit(self, record: logging.LogRecord) -> None:
        w, h = record.args[0], record.args[1]
        self.pixels.append(int(w) * int(h))


def _init() -> None:
    from pagewash.bench.benchmark import one_thread_each

    one_thread_each()
    log = logging.getLogger("pagewash.tesseract")
    log.setLevel(logging.DEBUG)
    log.propagate = False


def measure_page(path: Path, configs: tuple[str, ...] = CONFIGS) -> dict:
    """Every configuration on one page -> {config: {seconds, recall, cer, reads, read_pixels, reread}}."""
    from pagewash import chain, tesseract
    from pagewash.imageio import load_page
    from pagewash.metrics import cer, word_recall
    from pagewash.model_store import get_model
    from pagewash.settings import get_settings, structure_choice, upscale_choice

    truth = path.with_name(path.name[: -len(path.suffix)] + ".gt.txt").read_text()
    page = load_page(path)
    models = {"no-clean": None, "ocr": get_model("default"), "ocr-full": get_model("default")}
    scale, _ = upscale_choice(None, ocr=True)
    structure = structure_choice(None, None, None, remove_lines=False)
    verify = get_settings().verify
    log = logging.getLogger("pagewash.tesseract")
    reads = Reads()
    log.addHandler(reads)
    out = {"file": path.name, "pixels": page.shape[0] * page.shape[1]}
    try:
        for name in configs:
            reads.pixels = []
            start = time.perf_counter()
            if name == "tesseract":
                text, changed = tesseract.ocr(page).text, 0
            else:
                model = models[name]
                cleaned = chain.clean(model, page, upscale=scale, structure=structure)
                raw = chain.raw_for_verify(page, verify, model is not None or cleaned.turned)
                done = chain.read(cleaned, raw, lang=None, psm=None, unrule=structure.lines, full=name == "ocr-full")
                text, changed = done.result.text, done.reread
            out[name] = {
                "seconds": time.perf_counter() - start,
                "recall": word_recall(truth, text),
                "cer": cer(truth, text),
                "reads": len(reads.pixels),
                "read_pixels": sum(reads.pixels) / out["pixels"],
                "reread": changed,
            }
    finally:
        log.removeHandler(reads)
    return out


def summarize(rows: list[dict], configs: tuple[str, ...] = CONFIGS) -> dict:
    """Per configuration: means, the median seconds a page, and the time ratios of totals."""
    total = {c: sum(r[c]["seconds"] for r in rows) for c in configs}
    out = {}
    for c in configs:
        mine = [r[c] for r in rows]
        out[c] = {
            "pages": len(rows),
            "recall": float(np.mean([m["recall"] for m in mine])),
            "cer": float(np.mean([m["cer"] for m in mine])),
            "seconds_median": float(np.median([m["seconds"] for m in mine])),
            "seconds_mean": total[c] / len(rows),
            "x_tesseract": total[c] / total["tesseract"] if "tesseract" in total else None,
            "x_no_clean": total[c] / total["no-clean"] if "no-clean" in total else None,
            "reads": float(np.mean([m["reads"] for m in mine])),
            "read_pixels": float(np.mean([m["read_pixels"] for m in mine])),
            "lines_reread": float(np.mean([m["reread"] for m in mine])),
            "read_once": int(sum(m["reads"] == 1 for m in mine)),
            "worse_than_tesseract": worse(mine, rows),
        }
    return out


def worse(mine: list[dict], rows: list[dict]) -> int:
    return int(sum(m["recall"] < r["tesseract"]["recall"] - WORSE for m, r in zip(mine, rows)))


def table(summary: dict) -> str:
    lines = [
        "| set | configuration | word recall | CER | s/page (median) | x plain Tesseract | x no-clean "
        "| Tesseract runs/page | pixels read / page's | pages read once | pages > 0.05 below Tesseract |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, configs in summary.items():
        for c, s in configs.items():
            lines.append(
                f"| {name} ({s['pages']}) | {c} | {s['recall']:.3f} | {s['cer']:.3f} | {s['seconds_median']:.2f} "
                f"| {s['x_tesseract']:.2f} | {s['x_no_clean']:.2f} | {s['reads']:.2f} | {s['read_pixels']:.1f} "
                f"| {s['read_once']} | {s['worse_than_tesseract']} |"
            )
    return "\n".join(lines)


def plot(summary: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    width = 0.8 / max(1, len(summary))
    for i, (name, configs) in enumerate(summary.items()):
        x = np.arange(len(configs)) + i * width
        axes[0].bar(x, [s["x_tesseract"] for s in configs.values()], width, label=name)
        axes[1].bar(x, [s["recall"] for s in configs.values()], width, label=name)
    for ax, title in zip(axes, ("time against plain Tesseract (x)", "word recall")):
        ax.set_xticks(np.arange(len(CONFIGS)) + 0.4 - width / 2, CONFIGS)
        ax.set_title(title)
        ax.legend(fontsize=8)
    axes[0].axhline(1.5, color="grey", lw=0.8, ls="--")
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def run(sets: dict[str, Path], jobs: int, out: Path, limit: int | None = None) -> dict:
    from pagewash.bench.benchmark import find_items

    results, pages = {}, {}
    with ProcessPoolExecutor(jobs, initializer=_init) as pool:
        for name, folder in sets.items():
            items, _ = find_items(folder)
            paths = [it.image for it in items][:limit]
            rows = list(tqdm(pool.map(measure_page, paths), total=len(paths), desc=name, unit="page"))
            results[name], pages[name] = summarize(rows), rows
    out.parent.mkdir(parents=True, exist_ok=True)
    from pagewash.model_store import get_model

    precision = get_model("default", "cpu").precision  # what the pages above were cleaned in
    summary = {"summary": results, "pages": pages, "precision": precision}
    out.with_suffix(".json").write_text(json.dumps(summary, indent=1))
    out.with_suffix(".md").write_text(
        f"Chain cost, {jobs} pages at a time, one torch and one OpenCV thread each, the cleaner in {precision} "
        "(`python -m pagewash.bench.chaincost`).\n\n" + table(results) + "\n"
    )
    plot(results, out.with_suffix(".png"))
    return results


def cli_ratio(pages: list[Path], repeat: int = 2) -> dict:
    """``pagewash ocr DIR`` against ``pagewash ocr --no-clean DIR`` and plain Tesseract on the
    same pages, whole commands as a user runs them (``--jobs 2``: cleaning overlaps the
    reads), alternated ``repeat`` times; the medians, and their ratios."""
    import os
    import shutil
    import subprocess
    import sys
    import tempfile

    pagewash = str(Path(sys.executable).with_name("pagewash"))
    seconds: dict[str, list[float]] = {"tesseract": [], "no-clean": [], "ocr": []}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        for p in pages:
            shutil.copy(p, src / p.name)
        for i in range(repeat):
            for name in seconds:
                out = Path(tmp) / f"{name}-{i}"
                start = time.perf_counter()
                if name == "tesseract":  # one Tesseract process per page, two at a time, as --jobs 2
                    procs: list[subprocess.Popen] = []
                    for p in sorted(src.iterdir()):
                        while len([q for q in procs if q.poll() is None]) >= 2:
                            time.sleep(0.01)
                        cmd = ["tesseract", str(p), str(out) + p.stem, "--psm", "3"]
                        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one core each, as pagewash runs it
                        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
                        procs.append(subprocess.Popen(cmd, env=env, **quiet))
                    for q in procs:
                        q.wait()
                else:
                    flags = ["--no-clean"] if name == "no-clean" else []
                    subprocess.run([pagewash, "ocr", str(src), "-o", str(out), "-q", *flags], check=True)
                seconds[name].append(time.perf_counter() - start)
    median = {k: float(np.median(v)) for k, v in seconds.items()}
    return {
        "pages": len(pages),
        "seconds": median,
        "ocr_x_no_clean": median["ocr"] / median["no-clean"],
        "ocr_x_tesseract": median["ocr"] / median["tesseract"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", action="append", default=[], metavar="NAME=DIR", help="a set of pages (repeatable)")
    ap.add_argument("--jobs", type=int, default=2, help="pages at a time (default 2)")
    ap.add_argument("--limit", type=int, default=None, help="the first N pages of each set")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/chain-cost"))
    ap.add_argument(
        "--cli",
        type=int,
        default=0,
        metavar="N",
        help="also time whole `pagewash ocr` commands on the first N pages of each set (default: not)",
    )
    args = ap.parse_args()
    sets = {}
    for spec in args.set:
        name, _, folder = spec.partition("=")
        if not Path(folder).is_dir():
            tqdm.write(f"{folder}: no such folder, set {name} skipped")
            continue
        sets[name] = Path(folder)
    if not sets:
        ap.error("no set of pages given (--set NAME=DIR)")
    results = run(sets, args.jobs, args.out, args.limit)
    tqdm.write(table(results))
    if args.cli:
        from pagewash.bench.benchmark import find_items

        pages = [it.image for folder in sets.values() for it in find_items(folder)[0][: args.cli]]
        commands = cli_ratio(pages)
        saved = json.loads(args.out.with_suffix(".json").read_text())
        args.out.with_suffix(".json").write_text(json.dumps({**saved, "commands": commands}, indent=1))
        sec = commands["seconds"]
        with args.out.with_suffix(".md").open("a") as md:
            md.write(
                f"\nWhole commands on {commands['pages']} pages (medians of 2, `--jobs 2`): `pagewash ocr` "
                f"{sec['ocr']:.1f} s, `--no-clean` {sec['no-clean']:.1f} s, plain Tesseract {sec['tesseract']:.1f} s: "
                f"**{commands['ocr_x_no_clean']:.2f}x** `--no-clean`, {commands['ocr_x_tesseract']:.2f}x Tesseract.\n"
            )
        tqdm.write(json.dumps(commands, indent=1))


if __name__ == "__main__":
    main()
