"""The ``pagewash`` command: clean folders of page images, and train models.

Each subcommand is a thin layer over a library function; flags override ``PAGEWASH_*``
environment variables for one run.
"""

from __future__ import annotations

import argparse
import inspect
import logging
import os
import re
import sys
from pathlib import Path


def run_clean(args: argparse.Namespace, *, ocr_always: bool = False) -> int:
    from tqdm import tqdm

    from pagewash.batch import OcrOptions, clean_inputs, find_inputs
    from pagewash.exceptions import PagewashError
    from pagewash.settings import get_settings
    from worker.model_store import get_model

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
        )
    out = Path(args.output)
    if args.server:
        if getattr(args, "no_clean", False):
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
                progress=lambda job: bar.update(1),
            )
        for path, message in summary.failed:
            print(f"pagewash: {path}: {message}", file=sys.stderr)
        print(summary.line(out))
        return 1 if summary.failed or missing else 0
    model = None if getattr(args, "no_clean", False) else get_model(args.model, args.device)
    try:
        with tqdm(total=len(jobs), desc="cleaning", unit="file", disable=args.quiet) as bar:
            summary = clean_inputs(
                jobs,
                out,
                model,
                binarize=args.binarize,
                overwrite=args.overwrite,
                ocr=ocr,
                progress=lambda job: bar.update(1),
            )
    except PagewashError as e:
        print(f"pagewash: {e}", file=sys.stderr)
        return e.exit_code
    for path, message in summary.failed:
        print(f"pagewash: {path}: {message}", file=sys.stderr)
    print(summary.line(out))
    return 1 if summary.failed or missing else 0


def add_common_clean_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output folder")
    p.add_argument(
        "--model",
        default=None,
        help="shipped model (default, pagenet, dense1, dense, conv) or a .pt artifact; env PAGEWASH_MODEL",
    )
    p.add_argument("--device", default=None, help="auto, cpu, cuda; env PAGEWASH_DEVICE")
    p.add_argument("--binarize", action="store_true", help="write black-and-white pages (Otsu on the clean page)")
    p.add_argument("--overwrite", action="store_true", help="redo outputs that already exist")
    p.add_argument(
        "--lang", default=None, help="Tesseract language(s), e.g. eng or eng+deu; env PAGEWASH_TESSERACT_LANG"
    )
    p.add_argument("--ocr-format", default="txt", help="comma-separated OCR outputs: txt, hocr, tsv (default txt)")
    p.add_argument(
        "--psm", type=int, default=None, help="Tesseract page segmentation mode (default 3); env PAGEWASH_TESSERACT_PSM"
    )
    p.add_argument("--jobs", type=int, default=2, help="parallel Tesseract processes (default 2)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--server",
        default=os.environ.get("PAGEWASH_SERVER"),
        metavar="URL",
        help="send the pages to a pagewash service instead of cleaning here (env PAGEWASH_SERVER)",
    )
    p.add_argument(
        "--api-key", default=os.environ.get("PAGEWASH_API_KEY"), help="X-Api-Key for --server (env PAGEWASH_API_KEY)"
    )
    p.add_argument("--concurrency", type=int, default=4, help="files in flight with --server (default 4)")


def add_clean(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "clean",
        help="clean image files and folders into OUT (optionally OCR them)",
        description="Clean page images. Folders are searched recursively (PNG, JPEG, TIFF incl. multi-page, BMP, "
        "WebP). Each input becomes OUT/<relative path>.png (multi-page x.tif: x.p001.png, ...); with --ocr, "
        "x.txt / x.hocr / x.tsv beside it. Outputs that exist are skipped unless --overwrite. Unreadable files "
        "are reported and skipped; the exit code is 1 if any failed.",
    )
    add_common_clean_args(p)
    p.add_argument("--ocr", action="store_true", help="also run Tesseract on each clean page")
    p.set_defaults(func=lambda args: run_clean(args))


def add_ocr(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ocr",
        help="OCR image files and folders, cleaned first unless --no-clean",
        description="Like `clean --ocr`: writes OUT/<relative path>.png and the OCR outputs beside "
        "it. --no-clean reads the pages as they are (the PNG is then the unchanged grey page).",
    )
    add_common_clean_args(p)
    p.add_argument("--no-clean", action="store_true", help="OCR the pages without cleaning them")
    p.set_defaults(func=lambda args: run_clean(args, ocr_always=True))


def cmd_benchmark(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from pagewash.benchmark import find_items, run
    from pagewash.settings import get_settings
    from worker import tesseract

    tesseract.check(args.lang or get_settings().tesseract_lang)
    data, out = Path(args.data), Path(args.output)
    with tqdm(total=len(find_items(data)[0]), desc="benchmark", unit="file") as bar:
        result = run(
            data,
            out,
            args.methods.split(","),
            args.lang or get_settings().tesseract_lang,
            args.jobs,
            progress=lambda: bar.update(1),
        )
    for note in result["skipped"]:
        print(f"pagewash: {note}", file=sys.stderr)
    print((out / "report.md").read_text())
    return 0


def add_benchmark(sub: argparse._SubParsersAction) -> None:
    from training.evaluate import DEFAULT_METHODS

    p = sub.add_parser(
        "benchmark",
        help="how much better OCR gets on your pages, per method",
        description="DATA holds NAME.<image> inputs with NAME.gt.txt ground truth and optional "
        "NAME.clean.png references (*.clean.* files are never inputs). Writes summary.json, "
        "per_file.csv, report.md and PNG plots (CER per method; per category when names are "
        "NNN_category) into REPORT.",
    )
    p.add_argument("data", metavar="DATA")
    p.add_argument("-o", "--output", required=True, metavar="REPORT")
    p.add_argument(
        "--methods",
        default=",".join(DEFAULT_METHODS),
        help=f"comma-separated (default {','.join(DEFAULT_METHODS)}); "
        "raw, otsu, sauvola, bgnorm, shipped model names or artifact paths",
    )
    p.add_argument("--lang", default=None, help="Tesseract language(s), default eng")
    p.add_argument("--jobs", type=int, default=2, help="parallel processes, one file each (default 2)")
    p.set_defaults(func=cmd_benchmark)


def cmd_synth(args: argparse.Namespace) -> int:
    from training.synth import write_set

    size = tuple(int(v) for v in args.size.lower().split("x")) if args.size else None
    written = write_set(Path(args.output), args.n, args.seed, size, split=args.split)
    print(f"wrote {len(written)} pages with ground truth and clean references to {args.output}")
    return 0


def add_synth(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "synth",
        help="write a synthetic benchmark set (inputs, ground truth, clean references)",
        description="Write N degraded pages as OUT/NNN_category.png with NNN_category.gt.txt and "
        "NNN_category.clean.png, deterministic from --seed; the layout `pagewash benchmark` reads. "
        "Pages use the held-out fonts (--split val) unless --split train.",
    )
    p.add_argument("output", metavar="OUT")
    p.add_argument("--n", type=int, default=20, help="pages (default 20)")
    p.add_argument("--seed", type=int, default=500_000, help="first seed (default 500000, never used in training)")
    p.add_argument("--size", default=None, help="WxH, e.g. 1400x1000 (default: varies per page)")
    p.add_argument("--split", default="val", choices=["val", "train"], help="font split (default val: held-out)")
    p.set_defaults(func=cmd_synth)


def cmd_demo(args: argparse.Namespace) -> int:
    from pagewash.demo import print_table, run_demo
    from worker.model_store import get_model

    out = Path(args.output)
    rows = run_demo(get_model(args.model), out)
    print_table(rows, out)
    return 0


def add_demo(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="clean the built-in examples and show before/after with OCR",
        description="Clean the examples shipped with pagewash; write before/after pictures, the OCR "
        "text before and after, and the character error rate of each.",
    )
    p.add_argument("-o", "--output", default="demo-out", help="output folder (default demo-out)")
    p.add_argument("--model", default=None, help="model name or artifact path")
    p.set_defaults(func=cmd_demo)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from training.evaluate import run

    out = Path(args.output)
    run(args.pages, args.methods.split(","), out, jobs=args.jobs, speed=not args.no_speed)
    print((out / "evaluate.md").read_text())
    return 0


def add_evaluate(sub: argparse._SubParsersAction) -> None:
    from training.evaluate import DEFAULT_METHODS

    p = sub.add_parser(
        "evaluate",
        help="quality (Tesseract CER, RMSE) and speed on the held-out synthetic split",
        description="Clean held-out synthetic pages (fonts never trained on) with each method, read "
        "them with Tesseract, and time the default model on a 2550x3300 page. Writes evaluate.json, "
        "evaluate.md and evaluate.png into OUT.",
    )
    p.add_argument("-o", "--output", default="benchmarks", help="output folder (default benchmarks)")
    p.add_argument("--pages", type=int, default=60, help="held-out pages to score (default 60)")
    p.add_argument(
        "--methods",
        default=",".join(DEFAULT_METHODS),
        help="comma-separated: raw, otsu, sauvola, bgnorm, and model names",
    )
    p.add_argument("--jobs", type=int, default=2, help="parallel Tesseract processes")
    p.add_argument("--no-speed", action="store_true", help="skip the 2550x3300 timing")
    p.set_defaults(func=cmd_evaluate)


def cmd_train(args: argparse.Namespace) -> int:
    from training.train import TrainConfig, load_config, train

    names = [f for f in TrainConfig.__dataclass_fields__]
    overrides = {n: getattr(args, n) for n in names if hasattr(args, n)}
    cfg = load_config(args.config, overrides)
    artifact = train(cfg)
    print(f"model: {artifact}")
    return 0


def add_train(sub: argparse._SubParsersAction) -> None:
    from training.train import TrainConfig

    p = sub.add_parser(
        "train",
        help="train a model on synthetic pages (or fine-tune on your own pairs)",
        description="Train a denoising model. Defaults come from TrainConfig, then --config FILE (TOML), "
        "then flags. Fine-tune with --init default --pairs DIR, where DIR holds noisy/X.png and clean/X.png.",
    )
    p.add_argument("--config", help="TOML file with TrainConfig fields (training/configs/*.toml)")
    comments = dict(re.findall(r"^\s+(\w+): .*?#\s*(.+)$", inspect.getsource(TrainConfig), re.M))
    for name, f in TrainConfig.__dataclass_fields__.items():
        kind = {"int": int, "float": float, "str": str}.get(str(f.type))
        flag = "--" + name.replace("_", "-")
        if str(f.type) == "bool":
            p.add_argument(
                flag,
                dest=name,
                action="store_true",
                default=None,
                help=f"{comments.get(name, '')} (default {f.default})",
            )
        elif kind:
            p.add_argument(
                flag, dest=name, type=kind, default=None, help=f"{comments.get(name, '')} (default {f.default!r})"
            )
    p.set_defaults(func=cmd_train)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from pagewash.settings import get_settings

    settings = get_settings()
    uvicorn.run(
        "service.main:app",
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers,
        log_level=args.log_level,
        proxy_headers=True,
        access_log=args.access_log,
    )
    return 0


def add_serve(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="run the HTTP gateway (FastAPI on uvicorn)",
        description="Run the REST gateway: POST /v1/jobs and /v1/batches, GET job status and results, "
        "/healthz, /readyz, /metrics, OpenAPI docs at /docs. Work is done by `pagewash worker` processes "
        "sharing the same Redis (PAGEWASH_REDIS_URL).",
    )
    p.add_argument("--host", default=None, help="address to bind (default 127.0.0.1; env PAGEWASH_HOST)")
    p.add_argument("--port", type=int, default=None, help="port (default 8000; env PAGEWASH_PORT)")
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.add_argument("--access-log", action="store_true", help="log every request")
    p.set_defaults(func=cmd_serve)


def cmd_worker(args: argparse.Namespace) -> int:
    from pagewash.worker_cli import run_worker

    return run_worker(args.queues, args.concurrency, args.device, args.log_level, args.pool)


def add_worker(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "worker",
        help="run a Celery worker that cleans (and OCRs) pages from Redis",
        description="Run one Celery worker against PAGEWASH_REDIS_URL. With no flags it serves every queue "
        "(clean, ocr) on the GPU when one is present, else on the CPU. A GPU worker is one solo process "
        "(start one per GPU with --device cuda:N); a CPU worker forks --concurrency processes that share "
        "the cores. Scale out by starting more workers, on any machine that reaches the same Redis.",
    )
    p.add_argument("--queues", default="clean,ocr", help="comma-separated queues: clean, ocr (default both)")
    p.add_argument("--concurrency", type=int, default=None, help="processes (default: cores on CPU, 1 on GPU)")
    p.add_argument("--device", default=None, help="auto, cpu, cuda, cuda:N (default auto; env PAGEWASH_DEVICE)")
    p.add_argument("--pool", default=None, choices=["prefork", "solo", "threads"], help="override the pool")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=cmd_worker)


def cmd_loadtest(args: argparse.Namespace) -> int:
    import json

    from pagewash.loadtest import run

    size = tuple(int(v) for v in args.size.lower().split("x"))
    report = run(
        args.url, args.jobs, args.clients, args.api_key, size, args.ocr, out=Path(args.output) if args.output else None
    )
    print(json.dumps(report, indent=2))
    return 0 if report["done"] == args.jobs and not report["duplicate_ids"] else 1


def add_loadtest(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "loadtest",
        help="put load on a running service and report latency, throughput and losses",
        description="Submit --jobs small pages from --clients concurrent clients to a running gateway, wait "
        "for each, and report done/failed/lost/duplicated jobs, latency p50/p95, throughput, and the "
        "service's overhead per job (client-side latency minus the worker's engine time). Exit 1 unless "
        "every job is done exactly once.",
    )
    p.add_argument("url", metavar="URL", help="gateway base URL, e.g. http://127.0.0.1:8000")
    p.add_argument("--jobs", type=int, default=500, help="jobs in all (default 500)")
    p.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    p.add_argument("--size", default="320x240", help="page size WxH (default 320x240)")
    p.add_argument("--ocr", action="store_true", help="ask for OCR too")
    p.add_argument("--api-key", default=os.environ.get("PAGEWASH_API_KEY"), help="X-Api-Key (env PAGEWASH_API_KEY)")
    p.add_argument("-o", "--output", default=None, help="also write the report as JSON here")
    p.set_defaults(func=cmd_loadtest)


def cmd_bench(args: argparse.Namespace) -> int:
    import json

    from tqdm import tqdm

    from pagewash import perf

    parts = set(args.parts.split(","))
    out = Path(args.output)
    result: dict = {}
    if args.merge and (out / "perf.json").exists():
        result = json.loads((out / "perf.json").read_text())
    if "cpu" in parts:
        print("model vs Tesseract on a 2550x3300 page ...", file=sys.stderr)
        result["cpu"] = perf.cpu_model_time()
    if "degraded" in parts:
        with tqdm(total=args.pages, desc="clean+OCR vs OCR", unit="page") as bar:
            result["degraded"] = perf.clean_then_ocr(args.pages, progress=lambda: bar.update(1))
    if "service" in parts and args.server:
        print(f"service overhead against {args.server} ...", file=sys.stderr)
        result["service"] = perf.service_overhead(args.server, args.api_key)
    if "throughput" in parts:
        import torch

        device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
        gpu = device.startswith("cuda")
        size = perf.LETTER if gpu else (640, 480)
        batches = [int(b) for b in (args.batch_sizes or ("1,4,8,16" if gpu else "1,4")).split(",")]
        precisions = (args.precisions or ("bf16,fp16" if gpu else "auto")).split(",")
        n = args.throughput_pages or (320 if gpu else 16)
        with tqdm(total=len(batches) * len(precisions) * 2, desc=f"throughput on {device}", unit="config") as bar:
            result["throughput"] = perf.throughput(device, size, n, batches, precisions, lambda: bar.update(1))
    perf.write_report(result, out)
    print((out / "perf.md").read_text())
    return 0


def add_bench(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="speed: model vs Tesseract, clean+OCR vs OCR, service overhead, device throughput",
        description="Measure pagewash's cost next to OCR in one run and write perf.json and perf.md into OUT: "
        "model-only time per 2550x3300 page with 1 and 2 threads against Tesseract on the same page; clean+OCR "
        "against OCR alone on degraded pages; with --server, the service's overhead per job at 1 and 16 "
        "clients; and end-to-end throughput (decode, network, encode) at several batch sizes, precisions and "
        "memory formats on the GPU when there is one (a small smoke run on the CPU otherwise).",
    )
    p.add_argument("-o", "--output", default="benchmarks", help="output folder (default benchmarks)")
    p.add_argument("--parts", default="cpu,degraded,service,throughput", help="which measurements (default all)")
    p.add_argument("--pages", type=int, default=6, help="degraded letter pages for clean+OCR vs OCR (default 6)")
    p.add_argument("--server", default=None, metavar="URL", help="a running gateway, for the service overhead")
    p.add_argument("--api-key", default=os.environ.get("PAGEWASH_API_KEY"), help="X-Api-Key for --server")
    p.add_argument("--device", default=None, help="throughput device (default cuda when present, else cpu)")
    p.add_argument("--batch-sizes", default=None, help="comma-separated (default 1,4,8,16 on GPU; 1,4 on CPU)")
    p.add_argument("--precisions", default=None, help="comma-separated (default bf16,fp16 on GPU; auto on CPU)")
    p.add_argument("--throughput-pages", type=int, default=None, help="pages per configuration")
    p.add_argument("--merge", action="store_true", help="keep the other parts of an existing OUT/perf.json")
    p.set_defaults(func=cmd_bench)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pagewash",
        description="Clean scanned and photographed document pages (stains, shadows, speckle, streaks, "
        "show-through) with a denoising autoencoder so OCR reads them right.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)
    add_clean(sub)
    add_ocr(sub)
    add_benchmark(sub)
    add_synth(sub)
    add_demo(sub)
    add_evaluate(sub)
    add_train(sub)
    add_serve(sub)
    add_worker(sub)
    add_loadtest(sub)
    add_bench(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
