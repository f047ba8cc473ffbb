"""Quality and speed on the held-out synthetic split: what ``make bench`` writes.

Quality: every method (no preprocessing, the classical baselines, the shipped models)
cleans the same held-out pages (fonts never trained on, seeds never trained on or used
for model selection); Tesseract reads each result; we report the mean CER and the RMSE
against the clean render. Speed: the default model and Tesseract on one 2550x3300 page,
median of several runs in the same process.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from pagewash import classical, tesseract
from pagewash.engine import denoise
from pagewash.imageio import to_u8
from pagewash.metrics import cer, rmse
from pagewash.model_store import get_model
from pagewash.shipped import ALIASES, SHIPPED
from pagewash.upscale import clean_upscaled, prepare
from training.synth import Sample, make_sample

BENCH_SEEDS = range(100_000, 100_000 + 10_000)  # val-split seeds no training run or model selection uses
DEFAULT_METHODS = ["raw", "otsu", "sauvola", "bgnorm", "dense1", "dense", "conv", "default"]


def method(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """A page -> page function by name. Upscaling spellings: ``NAME@2x`` (or ``@4x``) is a
    bicubic upscaling, then NAME (``raw@2x`` is plain bicubic); ``upscale`` is the shipped
    clean-and-upscale model (any scale-2 artifact path works too); ``auto`` is what the OCR
    chain reads with ``upscale=auto``: the default cleaner, or the upscaler where the text is
    small (``pagewash.upscale.prepare``)."""
    if m := re.fullmatch(r"(.+)@([24])x", name):
        inner, f = method(m.group(1)), int(m.group(2))
        return lambda page: inner(cv2.resize(page, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC).clip(0, 1))
    if name == "raw":
        return lambda page: page
    if name in classical.METHODS:
        return classical.METHODS[name]
    if name == "auto":
        cleaner = get_model("default")
        return lambda page: prepare(cleaner, page, "auto").ocr
    if name in SHIPPED or name in ALIASES or Path(name).is_file():
        model = get_model(name)
        if model.scale > 1:
            return lambda page: clean_upscaled(model, page, model.scale)
        return lambda page: denoise(model, page)
    raise ValueError(
        f"unknown method {name!r}: raw, otsu, sauvola, bgnorm, auto, a shipped model name or an artifact path, "
        "each optionally with @2x or @4x (bicubic upscaling first)"
    )


def versions(name: str) -> Callable[[np.ndarray], tuple[np.ndarray, tuple[np.ndarray, ...]]]:
    """Like ``method``, with the other cleaned versions the OCR chain's verify also reads:
    under ``auto``, an upscaled page's cleaned version at its own size."""
    if name != "auto":
        fn = method(name)
        return lambda page: (fn(page), ())
    cleaner = get_model("default")

    def auto(page: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        ready = prepare(cleaner, page, "auto")
        return ready.ocr, (ready.image,) if ready.factor != ready.image_factor else ()

    return auto


def ocr_cer(args: tuple[np.ndarray, str]) -> tuple[float, float]:
    """(CER, Tesseract seconds) for one (page, ground truth) pair; takes one tuple so it maps over a pool."""
    page, truth = args
    t = time.perf_counter()
    text = tesseract.image_to_text(page)
    return cer(truth, text), time.perf_counter() - t


def evaluate_quality(samples: list[Sample], methods: list[str], jobs: int = 2) -> dict:
    results: dict = {}
    with ProcessPoolExecutor(jobs) as pool:
        for name in methods:
            fn = method(name)
            cleaned, seconds = [], []
            for s in tqdm(samples, desc=f"cleaning ({name})", unit="page", leave=False):
                t = time.perf_counter()
                cleaned.append(to_u8(fn(s.noisy.astype(np.float32) / 255)))
                seconds.append(time.perf_counter() - t)
            ocr = list(
                tqdm(
                    pool.map(ocr_cer, [(c, s.text) for c, s in zip(cleaned, samples)]),
                    total=len(samples),
                    desc=f"tesseract ({name})",
                    unit="page",
                    leave=False,
                )
            )
            results[name] = {
                "cer": float(np.mean([c for c, _ in ocr])),
                "cer_median": float(np.median([c for c, _ in ocr])),
                "rmse": float(np.mean([rmse(c, s.clean) for c, s in zip(cleaned, samples)])),
                "clean_seconds_median": float(np.median(seconds)),
                "per_page_cer": [round(c, 4) for c, _ in ocr],
            }
    results["clean_render"] = {"cer": float(np.mean([ocr_cer((s.clean, s.text))[0] for s in samples])), "rmse": 0.0}
    return results


def evaluate_speed(runs: int = 5) -> dict:
    """Median seconds for the default model and for Tesseract on a 300-DPI US-letter page."""
    page = make_sample(BENCH_SEEDS[0], "val", (2550, 3300)).noisy.astype(np.float32) / 255
    model = get_model("default")
    denoise(model, page)  # warm-up: first call allocates
    model_times = []
    for _ in range(runs):
        t = time.perf_counter()
        denoise(model, page)
        model_times.append(time.perf_counter() - t)
    out = {
        "page": "2550x3300",
        "model_seconds_median": statistics.median(model_times),
        "model_seconds_all": model_times,
        "precision": model.precision,
        "device": str(model.device),
    }
    if tesseract.available():
        tess = []
        for _ in range(max(1, runs // 2)):
            t = time.perf_counter()
            tesseract.image_to_text(page)
            tess.append(time.perf_counter() - t)
        out.update(
            tesseract_seconds_median=statistics.median(tess),
            model_to_tesseract_ratio=statistics.median(model_times) / statistics.median(tess),
        )
    return out


def write_report(results: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluate.json").write_text(json.dumps(results, indent=1))
    q = results["quality"]
    lines = [
        f"Held-out synthetic split: {results['pages']} pages, fonts never trained on.",
        "",
        "| method | CER (mean) | CER (median) | RMSE vs clean | clean time / page (median) |",
        "|---|---|---|---|---|",
    ]
    for name, r in q.items():
        t = r.get("clean_seconds_median")
        lines.append(
            f"| {name} | {r['cer']:.3f} | {r.get('cer_median', float('nan')):.3f} | {r['rmse']:.3f} | "
            f"{'-' if t is None else f'{t * 1000:.0f} ms'} |"
        )
    s = results.get("speed")
    if s:
        lines += [
            "",
            f"Speed on one {s['page']} page ({s['device']}, {s['precision']}): model "
            f"{s['model_seconds_median']:.2f} s median"
            + (
                f", Tesseract {s['tesseract_seconds_median']:.2f} s median, ratio {s['model_to_tesseract_ratio']:.2f}"
                if "tesseract_seconds_median" in s
                else ""
            ),
        ]
    (out / "evaluate.md").write_text("\n".join(lines) + "\n")
    plot(q, out / "evaluate.png")


def plot(quality: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(quality)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    axes[0].bar(names, [quality[n]["cer"] for n in names], color="tab:blue")
    axes[0].set(title="Tesseract CER after cleaning (lower is better)", ylabel="CER")
    axes[1].bar(names, [quality[n]["rmse"] for n in names], color="tab:orange")
    axes[1].set(title="RMSE against the clean page", ylabel="RMSE")
    for ax in axes:
        ax.tick_params(axis="x", rotation=35)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def run(pages: int, methods: list[str], out: Path, jobs: int = 2, speed: bool = True) -> dict:
    samples = [make_sample(seed, "val") for seed in tqdm(BENCH_SEEDS[:pages], desc="generating pages", unit="page")]
    results = {"pages": pages, "quality": evaluate_quality(samples, methods, jobs)}
    if speed:
        results["speed"] = evaluate_speed()
    write_report(results, out)
    return results
