"""Cleaning on this machine (or through a server): ``clean``, ``ocr``, ``watch`` and ``demo``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pagewash.cli.spec import Arg, Command, api_key, arg


def ocr_options(args: argparse.Namespace, ocr_always: bool):
    """The OCR options the flags ask for (None without OCR); SystemExit(2) for a bad format."""
    from pagewash.cli.batch import OcrOptions
    from pagewash.settings import get_settings

    if not (ocr_always or args.ocr):
        return None
    formats = tuple(f.strip() for f in args.ocr_format.split(",") if f.strip())
    bad = set(formats) - {"txt", "hocr", "tsv"}
    if bad:
        print(f"pagewash: unknown --ocr-format {', '.join(sorted(bad))} (txt, hocr, tsv)", file=sys.stderr)
        raise SystemExit(2)
    settings = get_settings()
    return OcrOptions(
        lang=args.lang or settings.tesseract_lang,
        psm=args.psm or settings.tesseract_psm,
        formats=formats,
        jobs=args.jobs,
        verify=settings.verify if args.verify is None else args.verify,
        lines=settings.lines if args.lines is None else args.lines,
    )


def structure(args: argparse.Namespace):
    """The structure steps the flags ask for (unset ones from the settings)."""
    from pagewash.settings import structure_choice

    return structure_choice(args.rotate, args.deskew, args.lines, args.remove_lines or None)


def cleaner(args: argparse.Namespace, ocr, progress=None):
    """``jobs -> Summary``: the one way a set of files is cleaned, here or through --server
    (``clean``, ``ocr`` and ``watch`` all use it). The model is loaded once, on first use."""
    no_clean = getattr(args, "no_clean", False)
    if args.server:
        from pagewash.cli.remote_batch import clean_via_server

        return lambda todo: clean_via_server(
            todo,
            Path(args.output),
            args.server,
            api_key=args.api_key,
            concurrency=args.concurrency,
            binarize=args.binarize,
            overwrite=args.overwrite,
            model=args.model,
            ocr=ocr,
            upscale=args.upscale,
            progress=progress,
        )
    from pagewash.cli.batch import clean_inputs, is_pdf_file
    from pagewash.model_store import get_model
    from pagewash.pdf import PdfJob
    from pagewash.settings import upscale_choice

    pdf = PdfJob(
        model=args.model,
        upscale=upscale_choice(args.upscale, ocr is not None)[0],
        device=args.device,
        keep_original=args.keep_original,
        clean=not no_clean,
        jobs=args.jobs,
        structure=structure(args),
    )

    def run(todo: list):
        images = any(not is_pdf_file(j.src) for j in todo)
        model = None if no_clean or not images else get_model(args.model, args.device)
        return clean_inputs(
            todo,
            Path(args.output),
            model,
            binarize=args.binarize,
            overwrite=args.overwrite,
            ocr=ocr,
            upscale=args.upscale,
            progress=progress,
            pdf=pdf,
            structure=structure(args),
        )

    return run


def with_server(args: argparse.Namespace) -> argparse.Namespace:
    """``--server``, else ``PAGEWASH_SERVER``; None to clean here."""
    from pagewash.settings import get_settings

    args.server = args.server or get_settings().server or None
    return args


def run_clean(args: argparse.Namespace, *, ocr_always: bool = False) -> int:
    from tqdm import tqdm

    from pagewash.cli.batch import find_inputs
    from pagewash.errors import PagewashError

    with_server(args)
    jobs = find_inputs([Path(p) for p in args.inputs])
    missing = [j.src for j in jobs if not j.src.exists()]
    for path in missing:
        print(f"pagewash: {path}: no such file or folder", file=sys.stderr)
    jobs = [j for j in jobs if j.src.exists()]
    ocr = ocr_options(args, ocr_always)
    out = Path(args.output)
    if args.server and getattr(args, "no_clean", False):
        print("pagewash: --no-clean works locally only (the service always cleans)", file=sys.stderr)
        return 2
    desc = f"cleaning via {args.server}" if args.server else "cleaning"
    with tqdm(total=len(jobs), desc=desc, unit="file", disable=args.quiet) as bar:
        try:
            summary = cleaner(args, ocr, progress=lambda job: bar.update(1))(jobs)
        except PagewashError as e:
            print(f"pagewash: {e}", file=sys.stderr)
            return e.exit_code
    for path, message in summary.failed:
        print(f"pagewash: {path}: {message}", file=sys.stderr)
    for path, message in summary.away:
        print(f"pagewash: {path}: not done, the service was away: {message}", file=sys.stderr)
    print(summary.line(out))
    return 1 if summary.failed or summary.away or missing else 0


def run_watch(args: argparse.Namespace) -> int:
    import signal
    import threading

    from pagewash.cli import watch

    with_server(args)
    src, out = Path(args.inputs[0]), Path(args.output)
    if not src.is_dir():
        print(f"pagewash: {src}: not a folder", file=sys.stderr)
        return 2
    args.overwrite = True  # the state file says what is done; a file cut off by a crash is redone whole
    in_flight, args.jobs = args.jobs, 2  # --jobs: files at once; each file's pages use 2 Tesseract processes
    ocr = ocr_options(args, args.ocr)
    run = cleaner(args, ocr)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    opts = watch.Options(
        done=Path(args.done) if args.done else None,
        failed=Path(args.failed) if args.failed else None,
        delete_input=args.delete_input,
        settle=args.settle,
        poll=args.poll or 1.0,
        force_polling=args.poll is not None,
        jobs=in_flight,
    )
    ready = (lambda: service_up(args.server, args.api_key)) if args.server else (lambda: True)
    print(f"watching {src} -> {out} (Ctrl-C to stop)", flush=True)
    counts = watch.watch(src, out, lambda job: run([job]), opts, stop, lambda line: print(line, flush=True), ready)
    print(f"stopped: {counts['done']} file(s) done, {counts['failed']} failed", flush=True)
    return 0


def service_up(url: str, api_key: str | None) -> bool:
    from pagewash.client import Client

    with Client(url, api_key, timeout=3) as client:
        return client.ready()


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
            help="with OCR, re-read the lines Tesseract is unsure of from the raw page too and keep the surer "
            "words, so cleaning never costs text (default on; one more Tesseract run, of those lines only, on "
            "pages with any; the whole raw page where most of a page is unsure); env PAGEWASH_VERIFY",
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
            "--rotate",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="turn pages fed sideways or upside down upright, in the written page and for OCR (default on: a "
            "small network reads the way up of the text; unsure, it turns nothing); env PAGEWASH_ROTATE",
        ),
        arg(
            "--deskew",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="straighten pages skewed by up to 10 degrees, in the written page and for OCR (default on; pages "
            "within 0.1 degree of level, or whose lines it would hardly sharpen, such as a form of short fields, "
            "are left as they are; a straightened page keeps its size); env PAGEWASH_DESKEW",
        ),
        arg(
            "--lines",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="with OCR, also read the page without its ruling lines (table grids, form boxes, underlines, "
            "dotted leaders) and keep the surer read (default on; one more Tesseract run on pages with lines); "
            "env PAGEWASH_LINES",
        ),
        arg(
            "--remove-lines",
            action="store_true",
            help="write the pages without their ruling lines too (default: the written page keeps them); "
            "env PAGEWASH_REMOVE_LINES",
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
            default=None,
            metavar="URL",
            help="send the pages to a pagewash service instead of cleaning here (env PAGEWASH_SERVER)",
        ),
        api_key("for --server"),
        arg("--concurrency", type=int, default=4, help="files in flight with --server (default 4)"),
    ]


def run_demo(args: argparse.Namespace) -> int:
    from pagewash import tesseract
    from pagewash.cli import demo
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
        "watch",
        "a hot folder: clean (and OCR) files as they are dropped into IN",
        "Follow IN recursively (filesystem events, or polling with --poll for network shares) and put each new "
        "image or PDF through the same steps as `pagewash clean` (or `ocr` with --ocr), here or with --server. "
        "A file is taken once its size and mtime have held for --settle seconds; temporary names (dotfiles, "
        "*.part, *.tmp, ~$*) are ignored. Outputs keep the relative path in OUT. The input then moves to "
        "--done (or is deleted with --delete-input); a failed one moves to --failed with NAME.error.txt. "
        "OUT/.pagewash-watch.json records what is done, so a restart redoes nothing but a file cut off by a "
        "crash. SIGINT/SIGTERM finish the files in hand and print a summary. With --server, files wait while "
        "the service does not answer.",
        run_watch,
        lambda: [
            *[a for a in page_args() if a.flags[-1] not in ("inputs", "--overwrite", "--concurrency", "--jobs")],
            arg("inputs", nargs=1, metavar="IN", help="the folder to watch"),
            arg("--ocr", action="store_true", help="also run Tesseract on each clean page"),
            arg("--done", default=None, metavar="DIR", help="move each input here once it is done"),
            arg("--failed", default=None, metavar="DIR", help="move each failed input here, with NAME.error.txt"),
            arg("--delete-input", action="store_true", help="delete each input once it is done"),
            arg("--settle", type=float, default=2.0, help="seconds a file's size and mtime must hold (default 2)"),
            arg("--poll", type=float, default=None, metavar="SECONDS", help="poll every SECONDS instead of events"),
            arg("--jobs", type=int, default=1, help="files in flight at once (default 1)"),
            arg("--concurrency", type=int, default=1, help=argparse.SUPPRESS),
            arg("--overwrite", action="store_true", help=argparse.SUPPRESS),
        ],
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
