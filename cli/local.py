"""Cleaning on this machine (or through a server): ``clean``, ``ocr`` and ``demo``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from cli.spec import Arg, Command, api_key, arg


def run_clean(args: argparse.Namespace, *, ocr_always: bool = False) -> int:
    from tqdm import tqdm

    from pagewash.batch import OcrOptions, clean_inputs, find_inputs
    from pagewash.exceptions import PagewashError
    from pagewash.settings import get_settings

    jobs = find_inputs([Path(p) for p in args.inputs])
    missing = [j.src for j in jobs if not j.src.exists()]
    for path in missing:
        print(f"pagewash: {path}: no such file or folder", file=sys.stderr)
    jobs = [j for j in jobs if j.src.exists()]
    ocr = None
    if ocr_always or args.ocr:
        formats = tuple(f.strip() for f in args.ocr_format.split(",") if f.strip())
        bad = set(formats) - {"txt", "hocr", "tsv"}
        if bad:
            print(f"pagewash: unknown --ocr-format {', '.join(sorted(bad))} (txt, hocr, tsv)", file=sys.stderr)
            return 2
        settings = get_settings()
        ocr = OcrOptions(
            lang=args.lang or settings.tesseract_lang,
            psm=args.psm or settings.tesseract_psm,
            formats=formats,
            jobs=args.jobs,
            verify=settings.verify if args.verify is None else args.verify,
            upscale=args.upscale or settings.upscale,
        )
    out = Path(args.output)
    no_clean = getattr(args, "no_clean", False)
    if args.server:
        if no_clean:
            print("pagewash: --no-clean works locally only (the service always cleans)", file=sys.stderr)
            return 2
        from pagewash.client import clean_via_server

        with tqdm(total=len(jobs), desc=f"cleaning via {args.server}", unit="file", disable=args.quiet) as bar:
            summary = clean_via_server(
                jobs,
                out,
                args.server,
                api_key=args.api_key,
                concurrency=args.concurrency,
                binarize=args.binarize,
                overwrite=args.overwrite,
                model=args.model,
                ocr=ocr,
                upscale=args.upscale,
                progress=lambda job: bar.update(1),
            )
    else:
        from pagewash.batch import is_pdf_file
        from pagewash.model_store import get_model
        from pagewash.pdf import PdfJob

        images = [j for j in jobs if not is_pdf_file(j.src)]
        model = None if no_clean or not images else get_model(args.model, args.device)
        pdf = PdfJob(
            model=args.model,
            upscale=args.upscale or (ocr.upscale if ocr is not None else "off"),
            device=args.device,
            keep_original=args.keep_original,
            clean=not no_clean,
            jobs=args.jobs,
        )
        try:
            with tqdm(total=len(jobs), desc="cleaning", unit="file", disable=args.quiet) as bar:
                summary = clean_inputs(
                    jobs,
                    out,
                    model,
                    binarize=args.binarize,
                    overwrite=args.overwrite,
                    ocr=ocr,
                    upscale=args.upscale,
                    progress=lambda job: bar.update(1),
                    pdf=pdf,
                )
        except PagewashError as e:
            print(f"pagewash: {e}", file=sys.stderr)
            return e.exit_code
    for path, message in summary.failed:
        print(f"pagewash: {path}: {message}", file=sys.stderr)
    print(summary.line(out))
    return 1 if summary.failed or missing else 0


def upscale_choice(text: str) -> str:
    from pagewash.settings import parse_upscale

    try:
        return parse_upscale(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from e


def page_args() -> list[Arg]:
    """The flags ``clean`` and ``ocr`` share."""
    return [
        arg("inputs", nargs="+", metavar="INPUT", help="image files, PDFs or folders"),
        arg("-o", "--output", required=True, metavar="OUT", help="output folder"),
        arg(
            "--model",
            default=None,
            help="shipped model (default, pagenet, dense1, dense, conv) or a .pt artifact; env PAGEWASH_MODEL",
        ),
        arg("--device", default=None, help="auto, cpu, cuda; env PAGEWASH_DEVICE"),
        arg("--binarize", action="store_true", help="write black-and-white pages (Otsu on the clean page)"),
        arg("--overwrite", action="store_true", help="redo outputs that already exist"),
        arg("--lang", default=None, help="Tesseract language(s), e.g. eng or eng+deu; env PAGEWASH_TESSERACT_LANG"),
        arg("--ocr-format", default="txt", help="comma-separated OCR outputs: txt, hocr, tsv (default txt)"),
        arg(
            "--psm",
            type=int,
            default=None,
            help="Tesseract page segmentation mode (default 3); env PAGEWASH_TESSERACT_PSM",
        ),
        arg("--jobs", type=int, default=2, help="parallel Tesseract processes (default 2)"),
        arg(
            "--verify",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="with OCR, also read the raw page and keep whichever read Tesseract is surer of, so cleaning "
            "never costs text (default on; a second Tesseract run per changed page); env PAGEWASH_VERIFY",
        ),
        arg(
            "--upscale",
            default=None,
            type=upscale_choice,
            metavar="{auto,off,2,4}",
            help="upscale pages whose text is small, for OCR: auto upscales 2x where the estimated x-height is "
            "under 12 px (faxes, ~100-dpi scans) and leaves 200-300 dpi pages alone; with OCR the "
            "default is auto (env PAGEWASH_UPSCALE), and the written page keeps its size. Given explicitly, "
            "the written page is upscaled too (its DPI scaled to match). Boxes in hOCR/TSV are always in "
            "the input's pixels",
        ),
        arg(
            "--keep-original",
            action="store_true",
            help="PDFs: keep the scanned page images in the output PDF; only the text layer comes from the "
            "cleaned pages (default: the cleaned pages replace the scans)",
        ),
        arg("-q", "--quiet", action="store_true", help="no progress bar"),
        arg(
            "--server",
            default=os.environ.get("PAGEWASH_SERVER"),
            metavar="URL",
            help="send the pages to a pagewash service instead of cleaning here (env PAGEWASH_SERVER)",
        ),
        api_key("for --server"),
        arg("--concurrency", type=int, default=4, help="files in flight with --server (default 4)"),
    ]


def run_demo(args: argparse.Namespace) -> int:
    from pagewash import demo, tesseract
    from pagewash.model_store import get_model

    out = Path(args.output)
    rows = demo.run_demo(get_model(args.model), out)
    lines = ["| example | CER before | CER after |", "|---|---|---|"]
    for r in rows:
        b, a = r.get("cer_before"), r.get("cer_after")
        lines.append(f"| {r['example']} | {'-' if b is None else f'{b:.3f}'} | {'-' if a is None else f'{a:.3f}'} |")
    table = "\n".join(lines)
    (out / "summary.md").write_text(table + "\n")
    print(table)
    if not tesseract.available():
        print("(tesseract not installed: OCR skipped; `make install` brings it)")
    else:
        pdf = demo.run_pdf_demo(out)
        print(
            f"\nthe examples as a scanned PDF ({out}/examples.scan.pdf) made searchable: "
            f"{out}/examples.searchable.pdf, {pdf['pages']} pages, text-layer CER {pdf['cer']:.3f}"
        )
    print(f"\nbefore/after pictures: {out}/*.before-after.png")
    return 0


COMMANDS = [
    Command(
        "clean",
        "clean images, PDFs and folders into OUT (optionally OCR them)",
        "Clean page images and scanned PDFs. Folders are searched recursively (PNG, JPEG, TIFF incl. "
        "multi-page, BMP, WebP, PDF). Each image becomes OUT/<relative path>.png (multi-page x.tif: x.p001.png, "
        "...); with --ocr, x.txt / x.hocr / x.tsv beside it. Each PDF becomes OUT/<relative path>.pdf with the "
        "cleaned pages in place of the scans (PDF/A, page sizes kept; through OCRmyPDF and the pagewash "
        "plugin); with --ocr it is searchable and x.txt holds its text. PDF pages that already have text are "
        "kept as they are. Outputs that exist are skipped unless --overwrite. Unreadable files are reported "
        "and skipped; the exit code is 1 if any failed.",
        run_clean,
        lambda: [*page_args(), arg("--ocr", action="store_true", help="also run Tesseract on each clean page")],
    ),
    Command(
        "ocr",
        "OCR images, PDFs and folders, cleaned first unless --no-clean",
        "Like `clean --ocr`: writes OUT/<relative path>.png and the OCR outputs beside it; a PDF becomes "
        "a searchable OUT/<relative path>.pdf (PDF/A, the cleaned pages in it) and x.txt. --no-clean reads "
        "the pages as they are (the PNG is then the unchanged grey page; a PDF goes through plain OCRmyPDF).",
        lambda args: run_clean(args, ocr_always=True),
        lambda: [*page_args(), arg("--no-clean", action="store_true", help="OCR the pages without cleaning them")],
    ),
    Command(
        "demo",
        "clean the built-in examples and show before/after with OCR",
        "Clean the examples shipped with pagewash; write before/after pictures, the OCR "
        "text before and after, and the character error rate of each.",
        run_demo,
        lambda: [
            arg("-o", "--output", default="demo-out", help="output folder (default demo-out)"),
            arg("--model", default=None, help="model name or artifact path"),
        ],
    ),
]
