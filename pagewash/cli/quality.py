"""Measuring and making models: ``benchmark``, ``evaluate``, ``synth`` and ``train``."""

from __future__ import annotations

import argparse
import inspect
import re
import sys
from pathlib import Path

from pagewash.cli.spec import Arg, Command, arg, size


def run_benchmark(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from pagewash import tesseract
    from pagewash.bench.benchmark import find_items, run
    from pagewash.settings import get_settings

    lang = args.lang or get_settings().tesseract_lang
    tesseract.check(lang)
    data, out = Path(args.data), Path(args.output)
    if args.pdf:
        from pagewash.bench import pdf_benchmark

        pdf_benchmark.run(data, out, n=args.pdf, dpi=args.dpi)
        print((out / "pdf.md").read_text())
        return 0
    with tqdm(total=len(find_items(data)[0]), desc="benchmark", unit="file") as bar:
        methods = args.methods.split(",")
        result = run(data, out, methods, lang, args.jobs, progress=lambda: bar.update(1), turned=args.turn)
    for note in result["skipped"]:
        print(f"pagewash: {note}", file=sys.stderr)
    print((out / "report.md").read_text())
    return 0


def methods_arg(what: str) -> Arg:
    from training.evaluate import DEFAULT_METHODS

    default = ",".join(DEFAULT_METHODS)
    return arg("--methods", default=default, help=f"comma-separated (default {default}); {what}")


def benchmark_args() -> list[Arg]:
    return [
        arg("data", metavar="DATA"),
        arg("-o", "--output", required=True, metavar="REPORT"),
        methods_arg(
            "raw, otsu, sauvola, bgnorm, shipped model names or artifact paths, each optionally +verify; "
            "ocr for the whole chain as `pagewash ocr` runs it, and ocr-lines, ocr-deskew, ocr-rotate (or "
            "ocr-structure for all three) for the chain with that step off"
        ),
        arg(
            "--turn",
            action="store_true",
            help="feed every page skewed by 0.5-4 degrees, and a third of them turned by a quarter, a half or "
            "three quarters (the same for a file name on every run), as a scanner's feeder might",
        ),
        arg("--lang", default=None, help="Tesseract language(s), default eng"),
        arg("--jobs", type=int, default=2, help="parallel processes, one file each (default 2)"),
        arg(
            "--pdf",
            type=int,
            default=0,
            metavar="N",
            help="instead: make one scanned PDF of DATA's first N pages and score the PDF routes on its text "
            "layer (raw Tesseract, plain OCRmyPDF, OCRmyPDF with the pagewash plugin, pagewash ocr) into "
            "REPORT/pdf.md",
        ),
        arg("--dpi", type=int, default=300, help="with --pdf: the resolution the pages are embedded at (default 300)"),
    ]


def run_evaluate(args: argparse.Namespace) -> int:
    from training.evaluate import run

    out = Path(args.output)
    run(args.pages, args.methods.split(","), out, jobs=args.jobs, speed=not args.no_speed)
    print((out / "evaluate.md").read_text())
    if args.text_band:
        from pagewash.bench import textband

        textband.run(out, jobs=args.jobs)
        print((out / "text-band.md").read_text())
    return 0


def evaluate_args() -> list[Arg]:
    return [
        arg("-o", "--output", default="benchmarks", help="output folder (default benchmarks)"),
        arg("--pages", type=int, default=60, help="held-out pages to score (default 60)"),
        methods_arg("raw, otsu, sauvola, bgnorm, and model names"),
        arg("--jobs", type=int, default=2, help="parallel Tesseract processes"),
        arg("--no-speed", action="store_true", help="skip the 2550x3300 timing"),
        arg(
            "--text-band",
            action="store_true",
            help="also measure Tesseract's CER against x-height, raw, bicubic 2x and pagewash's auto upscaling "
            "(text-band.md/.png/.json; a few minutes)",
        ),
    ]


def run_synth(args: argparse.Namespace) -> int:
    from training.dataset import write_set

    written = write_set(Path(args.output), args.n, args.seed, args.size, split=args.split, scale=args.scale)
    print(f"wrote {len(written)} pages with ground truth and clean references to {args.output}")
    return 0


def page_set_args(n: int, seed: int, note: str = "") -> list[Arg]:
    """The flags ``synth`` and ``bank`` share: where, how many, from which seed, which fonts."""
    return [
        arg("output", metavar="OUT"),
        arg("--n", type=int, default=n, help=f"pages (default {n})"),
        arg("--seed", type=int, default=seed, help=f"first seed (default {seed}{note})"),
        arg("--split", default="val", choices=["val", "train"], help="font split (default val: held-out)"),
    ]


def synth_args() -> list[Arg]:
    return [
        *page_set_args(20, 500_000, ", never used in training"),
        arg("--size", type=size, default=None, help="WxH, e.g. 1400x1000 (default: varies per page)"),
        arg(
            "--scale",
            type=int,
            choices=[1, 2],
            default=1,
            help="2: low-resolution pages (scans, faxes, resizes, photos at half resolution) with clean "
            "references at twice their size, to benchmark upscaling (default 1)",
        ),
    ]


def run_bank(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from training.bank import write_bank

    with tqdm(total=args.n, desc="degrading with Augraphy", unit="page") as bar:
        written = write_bank(Path(args.output), args.n, args.seed, args.split, progress=lambda: bar.update(1))
    print(f"wrote {written} pages with ground truth and clean references to {args.output}")
    return 0


def run_train(args: argparse.Namespace) -> int:
    from training.train import TrainConfig, load_config, train

    overrides = {n: getattr(args, n) for n in TrainConfig.__dataclass_fields__ if hasattr(args, n)}
    artifact = train(load_config(args.config, overrides))
    print(f"model: {artifact}")
    return 0


def train_args() -> list[Arg]:
    """One flag per TrainConfig field, its help taken from the field's comment."""
    from training.train import TrainConfig

    out = [arg("--config", help="TOML file with TrainConfig fields (training/configs/*.toml)")]
    comments = dict(re.findall(r"^\s+(\w+): .*?#\s*(.+)$", inspect.getsource(TrainConfig), re.M))
    for name, f in TrainConfig.__dataclass_fields__.items():
        flag, note = "--" + name.replace("_", "-"), comments.get(name, "")
        if str(f.type) == "bool":
            both = argparse.BooleanOptionalAction  # --resume / --no-resume: a default of True can be turned off
            out.append(arg(flag, dest=name, action=both, default=None, help=f"{note} (default {f.default})"))
        elif kind := {"int": int, "float": float, "str": str}.get(str(f.type)):
            out.append(arg(flag, dest=name, type=kind, default=None, help=f"{note} (default {f.default!r})"))
    return out


COMMANDS = [
    Command(
        "benchmark",
        "how much better OCR gets on your pages, per method",
        "DATA holds NAME.<image> inputs with NAME.gt.txt ground truth and optional "
        "NAME.clean.png references (*.clean.* files are never inputs). Writes summary.json, "
        "per_file.csv, report.md and PNG plots (CER per method; per category when names are "
        "NNN_category) into REPORT.",
        run_benchmark,
        benchmark_args,
    ),
    Command(
        "synth",
        "write a synthetic benchmark set (inputs, ground truth, clean references)",
        "Write N degraded pages as OUT/NNN_category.png with NNN_category.gt.txt and "
        "NNN_category.clean.png, deterministic from --seed; the layout `pagewash benchmark` reads. "
        "Pages use the held-out fonts (--split val) unless --split train.",
        run_synth,
        synth_args,
    ),
    Command(
        "bank",
        "write pages degraded by Augraphy (pip install augraphy): another generator's damage",
        "Render N pages with pagewash's renderer and degrade them with Augraphy's pixel-aligned steps "
        "(ink, paper, scanner), in the layout `pagewash benchmark` reads and `pagewash train --bank` mixes "
        "into training. About a second or two per page; needs the optional `augraphy` package.",
        run_bank,
        lambda: page_set_args(100, 900_000),
    ),
    Command(
        "evaluate",
        "quality (Tesseract CER, RMSE) and speed on the held-out synthetic split",
        "Clean held-out synthetic pages (fonts never trained on) with each method, read "
        "them with Tesseract, and time the default model on a 2550x3300 page. Writes evaluate.json, "
        "evaluate.md and evaluate.png into OUT.",
        run_evaluate,
        evaluate_args,
    ),
    Command(
        "train",
        "train a model on synthetic pages (or fine-tune on your own pairs)",
        "Train a denoising model. Defaults come from TrainConfig, then --config FILE (TOML), "
        "then flags. Fine-tune with --init default --pairs DIR, where DIR holds noisy/X.png and clean/X.png.",
        run_train,
        train_args,
    ),
]
