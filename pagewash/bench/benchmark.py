"""``pagewash benchmark``: how much better does OCR get on *your* pages, against the alternatives?

DATA holds ``NAME.<image>`` inputs with ``NAME.gt.txt`` ground truth and optionally
``NAME.clean.png`` references (``*.clean.*`` files are never inputs). Every method cleans
every page, Tesseract reads the result, and we score CER, WER, order-free word recall,
time, and RMSE/PSNR where a reference exists. Files run in parallel processes, each doing
all methods for its file (one torch thread each, so processes do not fight over cores).
"""

from __future__ import annotations

import csv
import json
import re
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pagewash.imageio import IMAGE_SUFFIXES, load_page, to_u8
from pagewash.metrics import cer, psnr, rmse, wer, word_recall

VERIFY = "+verify"  # a method name suffix: OCR both the raw and the cleaned page, keep the surer read
CHAIN = "ocr"  # the whole chain, as ``pagewash ocr`` runs it; ``ocr-lines``, ``ocr-deskew``, ``ocr-rotate``
STEPS = ("rotate", "deskew", "lines")  # ... turn that step off (``ocr-structure``: all three)


def chain_steps(name: str) -> dict[str, bool] | None:
    """``pagewash.read``'s structure flags for a chain method name (None: not one)."""
    parts = name.split("-")
    if parts[0] != CHAIN:
        return None
    off = set(STEPS) if "structure" in parts[1:] else set(parts[1:])
    if off - set(STEPS):
        raise ValueError(f"{name}: the chain's steps to turn off are {', '.join(STEPS)} or structure")
    return {step: step not in off for step in STEPS}


def turn(page: np.ndarray, name: str) -> tuple[np.ndarray, int, float]:
    """The page as a scanner might have fed it, the same for a name on every run: skewed by
    0.5-4 degrees either way, and a third of pages turned by a quarter, a half or three
    quarters (the hidden check's recipe). (page, quarter turns counter-clockwise, degrees)."""
    import random

    from pagewash import deskew

    rng = random.Random(f"turn:{name}")
    angle = rng.uniform(0.5, 4.0) * rng.choice([-1, 1])
    quarter = rng.choice([1, 2, 3]) if rng.random() < 1 / 3 else 0
    return np.ascontiguousarray(np.rot90(deskew.rotate(page, angle), quarter)), quarter, angle


@dataclass
class Item:
    name: str
    image: Path
    truth: Path
    clean: Path | None

    @property
    def category(self) -> str | None:
        m = re.match(r"^\d+_([A-Za-z][\w-]*)$", self.name)
        return m.group(1) if m else None


def find_items(data: Path) -> tuple[list[Item], list[str]]:
    """Inputs with ground truth, and a note for each input skipped for lack of it."""
    items, skipped = [], []
    for path in sorted(data.iterdir()):
        if path.suffix.lower() not in IMAGE_SUFFIXES or ".clean." in path.name:
            continue
        name = path.name[: -len(path.suffix)]
        truth = data / f"{name}.gt.txt"
        if not truth.exists():
            skipped.append(f"{path.name}: no {truth.name}, skipped")
            continue
        clean = next((p for p in sorted(data.glob(f"{name}.clean.*")) if p.suffix.lower() in IMAGE_SUFFIXES), None)
        items.append(Item(name, path, truth, clean))
    return items, skipped


def one_thread_each() -> None:
    """A benchmark pool's process: one torch and one OpenCV thread, the model loaded so too
    (the pool's pages share the cores)."""
    import os

    from pagewash.settings import get_settings
    from pagewash.threads import share

    os.environ["PAGEWASH_THREADS"] = "1"  # the model loads with one thread too: pages share the cores
    get_settings.cache_clear()  # a forked child holds its parent's settings
    share(1)


def score_item(item: Item, methods: list[str], lang: str, turned: bool = False) -> list[dict]:
    """All methods on one file -> one row per method; ``turned``: on the page skewed and turned
    as ``turn`` says."""
    import pagewash
    from pagewash import tesseract
    from pagewash.verify import read_best
    from training.evaluate import versions

    page = load_page(item.image)
    quarter, angle = 0, 0.0
    if turned:
        page, quarter, angle = turn(page, item.name)
    truth = item.truth.read_text()
    reference = load_page(item.clean) if item.clean else None
    rows = []
    for name in methods:
        t = time.perf_counter()
        steps = chain_steps(name)
        got = None
        if steps is not None:  # the whole chain, cleaning and reading in one: its time is all "preprocess"
            got = pagewash.read(page, lang=lang, **steps)
            result, cleaned, pre, t = got, got.clean, time.perf_counter() - t, time.perf_counter()
        else:
            base, verify = name.removesuffix(VERIFY), name.endswith(VERIFY)
            cleaned, also = versions(base)(page)
            cleaned, also = to_u8(cleaned), tuple(to_u8(a) for a in also)
            pre, t = time.perf_counter() - t, time.perf_counter()
            if verify:  # the OCR chain's default: the best of the raw and the cleaned reads
                result, source = read_best(to_u8(page), cleaned, lang=lang, psm=None, formats=("txt",), also=also)
                cleaned = to_u8(page) if source == "raw" else cleaned
            else:
                result = tesseract.ocr(cleaned, lang=lang)
        text = result.text
        row = {
            "file": item.name,
            "category": item.category or "",
            "method": name,
            "cer": cer(truth, text),
            "wer": wer(truth, text),
            "word_recall": word_recall(truth, text),
            "preprocess_seconds": pre,
            "tesseract_seconds": time.perf_counter() - t,
            "ocr_confidence": result.mean_confidence if result.mean_confidence is not None else float("nan"),
            "quarter": quarter,
            "angle": round(angle, 3),
        }
        if got is not None:
            row.update(found_quarter=got.quarter, found_angle=got.angle, lines_removed=got.lines_removed)
        if reference is not None and reference.shape == cleaned.shape:  # an upscaler's page meets a 2x reference
            row.update(rmse=rmse(cleaned, to_u8(reference)), psnr=psnr(cleaned, to_u8(reference)))
        rows.append(row)
    return rows


def summarize(rows: list[dict], methods: list[str]) -> dict:
    summary = {}
    raw = {r["file"]: r["word_recall"] for r in rows if r["method"] == "raw"}
    for name in methods:
        mine = [r for r in rows if r["method"] == name]
        if not mine:
            continue
        s = {
            k: float(np.mean([r[k] for r in mine]))
            for k in ("cer", "wer", "word_recall", "preprocess_seconds", "tesseract_seconds")
        }
        s["cer_median"] = float(np.median([r["cer"] for r in mine]))
        confidences = [r["ocr_confidence"] for r in mine if not np.isnan(r["ocr_confidence"])]
        s["ocr_confidence"] = float(np.mean(confidences)) if confidences else None
        if all("rmse" in r for r in mine):
            s.update(rmse=float(np.mean([r["rmse"] for r in mine])), psnr=float(np.mean([r["psnr"] for r in mine])))
        cats = sorted({r["category"] for r in mine if r["category"]})
        if cats:
            s["cer_by_category"] = {c: float(np.mean([r["cer"] for r in mine if r["category"] == c])) for c in cats}
        s["pages"] = len(mine)
        found = [r for r in mine if "found_quarter" in r]
        if found:  # what the chain's structure steps did
            s["lines_removed"] = sum(bool(r["lines_removed"]) for r in found)
            s["turned"] = sum(r["found_quarter"] != 0 for r in found)
            s["quarter_right"] = float(np.mean([r["found_quarter"] == r["quarter"] for r in found]))
        if raw and name != "raw":  # "never worse than raw": pages that lost more than 0.05 of their words
            s["pages_worse_than_raw"] = sum(r["word_recall"] < raw[r["file"]] - 0.05 for r in mine if r["file"] in raw)
        summary[name] = s
    return summary


def write_report(summary: dict, rows: list[dict], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    fields = [
        "file",
        "category",
        "method",
        "cer",
        "wer",
        "word_recall",
        "rmse",
        "psnr",
        "preprocess_seconds",
        "tesseract_seconds",
        "ocr_confidence",
        "quarter",
        "angle",
        "found_quarter",
        "found_angle",
        "lines_removed",
    ]
    with open(out / "per_file.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    lines = [
        "| method | CER | CER median | WER | word recall | pages >0.05 recall below raw | RMSE "
        "| preprocess s/page | Tesseract s/page |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in summary.items():
        rm = f"{s['rmse']:.3f}" if "rmse" in s else "-"
        worse = s.get("pages_worse_than_raw", "-")
        lines.append(
            f"| {name} | {s['cer']:.3f} | {s['cer_median']:.3f} | {s['wer']:.3f} | {s['word_recall']:.3f} | "
            f"{worse} | {rm} | {s['preprocess_seconds']:.3f} | {s['tesseract_seconds']:.2f} |"
        )
    pages = max(s["pages"] for s in summary.values())
    notes = [
        f"- {name}: {s['turned']} pages turned, the quarter turn right on {s['quarter_right']:.1%}; "
        f"read without ruling lines on {s['lines_removed']}"
        for name, s in summary.items()
        if "turned" in s
    ]
    body = "\n".join(lines) + ("\n\n" + "\n".join(notes) if notes else "")
    (out / "report.md").write_text(f"{pages} pages.\n\n" + body + "\n")
    plot(summary, out)


def plot(summary: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(summary)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.bar(names, [summary[n]["cer"] for n in names])
    ax.set(title="Tesseract CER per method (lower is better)", ylabel="CER")
    ax.tick_params(axis="x", rotation=35)
    fig.tight_layout()
    fig.savefig(out / "cer_per_method.png", dpi=90)
    plt.close(fig)
    cats = sorted({c for n in names for c in summary[n].get("cer_by_category", {})})
    if cats:
        fig, ax = plt.subplots(figsize=(max(8, len(cats) * 1.4), 4))
        width = 0.8 / len(names)
        for i, n in enumerate(names):
            vals = [summary[n].get("cer_by_category", {}).get(c, np.nan) for c in cats]
            ax.bar(np.arange(len(cats)) + i * width, vals, width, label=n)
        ax.set_xticks(np.arange(len(cats)) + 0.4 - width / 2, cats)
        ax.set(title="Tesseract CER per category", ylabel="CER")
        ax.legend(fontsize=7, ncol=2)
        fig.tight_layout()
        fig.savefig(out / "cer_per_category.png", dpi=90)
        plt.close(fig)


def run(data: Path, out: Path, methods: list[str], lang: str, jobs: int, progress=None, turned: bool = False) -> dict:
    items, skipped = find_items(data)
    if not items:
        raise ValueError(f"{data}: no inputs with NAME.gt.txt ground truth")
    rows: list[dict] = []
    with ProcessPoolExecutor(jobs, initializer=one_thread_each) as pool:
        futures = [pool.submit(score_item, item, methods, lang, turned) for item in items]
        for fut in futures:
            rows.extend(fut.result())
            if progress:
                progress()
    summary = summarize(rows, methods)
    write_report(summary, rows, out)
    return {"summary": summary, "skipped": skipped}
