"""Measuring speed and load: ``bench`` and ``loadtest``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pagewash.cli.spec import Arg, Command, api_key, arg, size


def run_bench(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from pagewash.bench import perf

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
        from pagewash.bench.throughput import throughput
        from pagewash.settings import device_name

        device = device_name(args.device)
        gpu = device.startswith("cuda")
        page = perf.LETTER if gpu else (640, 480)
        batches = [int(b) for b in (args.batch_sizes or ("1,4,8,16" if gpu else "1,4")).split(",")]
        precisions = (args.precisions or ("bf16,fp16" if gpu else "auto")).split(",")
        n = args.throughput_pages or (320 if gpu else 16)
        with tqdm(total=len(batches) * len(precisions) * 2, desc=f"throughput on {device}", unit="config") as bar:
            result["throughput"] = throughput(device, page, n, batches, precisions, lambda: bar.update(1))
    perf.write_report(result, out)
    print((out / "perf.md").read_text())
    return 0


def bench_args() -> list[Arg]:
    return [
        arg("-o", "--output", default="benchmarks", help="output folder (default benchmarks)"),
        arg("--parts", default="cpu,degraded,service,throughput", help="which measurements (default all)"),
        arg("--pages", type=int, default=6, help="degraded letter pages for clean+OCR vs OCR (default 6)"),
        arg("--server", default=None, metavar="URL", help="a running gateway, for the service overhead"),
        api_key("for --server"),
        arg("--device", default=None, help="throughput device (default cuda when present, else cpu)"),
        arg("--batch-sizes", default=None, help="comma-separated (default 1,4,8,16 on GPU; 1,4 on CPU)"),
        arg("--precisions", default=None, help="comma-separated (default bf16,fp16 on GPU; auto on CPU)"),
        arg("--throughput-pages", type=int, default=None, help="pages per configuration"),
        arg("--merge", action="store_true", help="keep the other parts of an existing OUT/perf.json"),
    ]


def run_loadtest(args: argparse.Namespace) -> int:
    from pagewash.bench.loadtest import run

    out = Path(args.output) if args.output else None
    report = run(args.url, args.jobs, args.clients, args.api_key, args.size, args.ocr, out=out)
    print(json.dumps(report, indent=2))
    return 0 if report["done"] == args.jobs and not report["duplicate_ids"] else 1


def loadtest_args() -> list[Arg]:
    return [
        arg("url", metavar="URL", help="gateway base URL, e.g. http://127.0.0.1:8000"),
        arg("--jobs", type=int, default=500, help="jobs in all (default 500)"),
        arg("--clients", type=int, default=32, help="concurrent clients (default 32)"),
        arg("--size", type=size, default=(320, 240), help="page size WxH (default 320x240)"),
        arg("--ocr", action="store_true", help="ask for OCR too"),
        api_key(),
        arg("-o", "--output", default=None, help="also write the report as JSON here"),
    ]


COMMANDS = [
    Command(
        "bench",
        "speed: model vs Tesseract, clean+OCR vs OCR, service overhead, device throughput",
        "Measure pagewash's cost next to OCR in one run and write perf.json and perf.md into OUT: "
        "model-only time per 2550x3300 page with 1 and 2 threads against Tesseract on the same page; clean+OCR "
        "against OCR alone on degraded pages; with --server, the service's overhead per job at 1 and 16 "
        "clients; and end-to-end throughput (decode, network, encode) at several batch sizes, precisions and "
        "memory formats on the GPU when there is one (a small smoke run on the CPU otherwise).",
        run_bench,
        bench_args,
    ),
    Command(
        "loadtest",
        "put load on a running service and report latency, throughput and losses",
        "Submit --jobs small pages from --clients concurrent clients to a running gateway, wait "
        "for each, and report done/failed/lost/duplicated jobs, latency p50/p95, throughput, and the "
        "service's overhead per job (client-side latency minus the worker's engine time). Exit 1 unless "
        "every job is done exactly once.",
        run_loadtest,
        loadtest_args,
    ),
]
