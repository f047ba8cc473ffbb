"""``pagewash bench``: what pagewash costs next to the OCR it sits in front of, in one run.

1. Model-only time per 2550x3300 page on the CPU with 1 and 2 threads, against Tesseract's time
   on the same page, measured in the same run (medians).
2. On degraded pages: clean + OCR against OCR alone on the raw page (noise slows Tesseract).
3. With ``server``: the service's overhead per job at 1 and 16 concurrent clients.

The fourth part, device throughput through a worker's batcher, is ``pagewash.bench.throughput``;
``write_report`` formats all four.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from pagewash import tesseract
from pagewash.engine import denoise
from pagewash.metrics import cer
from pagewash.model_store import Model, get_model
from training.synth import category, make_sample

LETTER = (2550, 3300)  # 8.5 x 11 in at 300 DPI
FAX = (1000, 770)  # a letter page at about 90 dpi (height x width), as low-resolution forms come
SEED = 700_000  # held-out seeds, never trained on
DENSE = 700_002  # the fullest of the ten pages after SEED: 908 words


def median_time(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def cpu_model_time(repeat: int = 5) -> dict[str, Any]:
    page = make_sample(SEED, "val", LETTER).noisy.astype(np.float32) / 255
    model = get_model("default", "cpu")
    out: dict[str, Any] = {"page": f"{LETTER[0]}x{LETTER[1]}", "precision": model.precision}
    before = torch.get_num_threads()
    times: dict[int, list[float]] = {1: [], 2: []}
    denoise(model, page)  # warm-up
    for _ in range(repeat):  # interleaved, so a noisy neighbour hits both thread counts alike
        for threads in (2, 1):
            torch.set_num_threads(threads)
            t0 = time.perf_counter()
            denoise(model, page)
            times[threads].append(time.perf_counter() - t0)
    torch.set_num_threads(before)
    for threads, values in times.items():
        out[f"model_s_{threads}_threads"] = round(statistics.median(values), 3)
    out["tesseract_s"] = round(median_time(lambda: tesseract.ocr(page), max(repeat // 2, 1)), 3)
    out["ratio_2_threads_to_tesseract"] = round(out["model_s_2_threads"] / out["tesseract_s"], 3)
    out["ratio_1_thread_to_tesseract"] = round(out["model_s_1_threads"] / out["tesseract_s"], 3)
    out["runtimes"] = runtime_times(page, out["tesseract_s"], max(repeat // 2, 2))
    # Tesseract's time grows with the text, the cleaner's with the pixels only: a page as full
    # as a contract or a report (908 words against this page's 167) is the harder ratio
    dense = make_sample(DENSE, "val", LETTER).noisy.astype(np.float32) / 255
    t_dense = median_time(lambda: tesseract.ocr(dense), max(repeat // 2, 1))
    out["dense_page"] = {"seed": DENSE, "tesseract_s": round(t_dense, 3), "runtimes": runtime_times(dense, t_dense, 2)}
    out["upscale"] = upscale_time(repeat)
    return out


AVX2_ONLY = """
import sys, time, numpy as np, torch
from pagewash.engine import denoise
from pagewash.model_store import get_model
torch.set_num_threads(2)
page = np.load(sys.argv[1])
model = get_model("default", "cpu", "fp32")
denoise(model, page)
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter(); denoise(model, page); times.append(time.perf_counter() - t)
print(sorted(times)[len(times) // 2])
"""


def onnx_runner(model: Model) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """``model`` (a scale-1 PageNet) exported to ONNX in fp32 and run by ONNX Runtime, as a
    ``run`` for ``engine.denoise``; None where the export's ``onnx`` is not installed."""
    import atexit
    import shutil
    import tempfile

    from pagewash import onnx_runtime

    try:
        from training.quantize import export_fp32
    except ImportError:
        return None
    folder = tempfile.mkdtemp(prefix="pagewash-fp32-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)  # the session reads it lazily, so it stays till exit
    graph = Path(folder) / "pagenet.onnx"
    net = model.net.to(memory_format=torch.contiguous_format)
    graph.write_bytes(export_fp32(net))
    net.to(memory_format=torch.channels_last)
    return lambda x: onnx_runtime.run(graph, x)


def runtime_times(page: np.ndarray, tesseract_s: float, repeat: int) -> dict[str, Any]:
    """The cleaner on ``page`` with 2 threads under each runtime and precision this CPU has,
    against Tesseract's ``tesseract_s`` on it: torch in bf16 (where it is native), the int8
    graph on ONNX Runtime (the default, ``auto``), torch in fp32, ONNX Runtime in fp32
    (the same network exported at run time; the export needs ``onnx``, a training extra), and torch
    in fp32 with oneDNN held to AVX2 (``ONEDNN_MAX_CPU_ISA``, in a process of its own): the
    closest this CPU comes to one without AVX-512 or AMX. ONNX Runtime's kernels take no
    such cap, so on a CPU with AVX-512 its figure is that CPU's."""
    import os
    import subprocess
    import sys
    import tempfile

    from pagewash.model_store import pick_dtype

    precisions = {"onnx runtime int8": "int8", "torch fp32": "fp32"}
    if pick_dtype(torch.device("cpu"), "auto") is not None:
        precisions = {"torch bf16": "bf16", **precisions}
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    seconds: dict[str, float] = {}
    for name, precision in precisions.items():
        model = get_model("default", "cpu", precision)
        denoise(model, page)  # warm-up
        seconds[name] = median_time(lambda m=model: denoise(m, page), repeat)
    run = onnx_runner(get_model("default", "cpu", "fp32"))
    if run is not None:
        denoise(get_model("default", "cpu", "fp32"), page, run=run)
        seconds["onnx runtime fp32"] = median_time(
            lambda: denoise(get_model("default", "cpu", "fp32"), page, run=run), repeat
        )
    torch.set_num_threads(before)
    with tempfile.TemporaryDirectory() as tmp:
        np.save(Path(tmp) / "page.npy", page)
        done = subprocess.run(
            [sys.executable, "-c", AVX2_ONLY, str(Path(tmp) / "page.npy"), str(repeat)],
            capture_output=True,
            text=True,
            env={**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2", "PAGEWASH_THREADS": "2"},
            timeout=600,
        )
    if done.returncode == 0:
        seconds["torch fp32, oneDNN held to AVX2"] = float(done.stdout.strip().splitlines()[-1])
    return {name: {"s": round(t, 3), "x_tesseract": round(t / tesseract_s, 3)} for name, t in seconds.items()}


def upscale_time(repeat: int = 5) -> dict[str, Any]:
    """A fax-sized page (1000x770, about 90 dpi) cleaned and upscaled 2x by the upscaler, and
    the whole auto chain on it (cleaner, text-size estimate, upscaler), with 1 and 2 threads."""
    from pagewash.upscale import clean_upscaled, prepare, upscale_model
    from training.lowres import make_lowres_sample

    page = make_lowres_sample(SEED, "val", size=(FAX[1] * 2, FAX[0] * 2)).noisy.astype(np.float32) / 255
    up, cleaner = upscale_model("cpu"), get_model("default", "cpu")
    out: dict[str, Any] = {"page": f"{FAX[0]}x{FAX[1]}", "output": f"{FAX[0] * 2}x{FAX[1] * 2}"}
    before = torch.get_num_threads()
    runs = {"model_x2": lambda: clean_upscaled(up, page, 2), "auto_chain": lambda: prepare(cleaner, page, "auto")}
    times: dict[tuple[str, int], list[float]] = {}
    for fn in runs.values():
        fn()  # warm-up
    for _ in range(repeat):
        for threads in (2, 1):
            torch.set_num_threads(threads)
            for name, fn in runs.items():
                t0 = time.perf_counter()
                fn()
                times.setdefault((name, threads), []).append(time.perf_counter() - t0)
    torch.set_num_threads(before)
    for (name, threads), values in times.items():
        out[f"{name}_s_{threads}_threads"] = round(statistics.median(values), 3)
    out["auto_factor"] = prepare(cleaner, page, "auto").factor
    return out


def clean_then_ocr(pages: int = 6, progress: Callable[[], None] | None = None) -> dict[str, Any]:
    """Per degraded letter page: OCR alone on the raw page, against cleaning then OCR."""
    model = get_model("default", "cpu")
    rows = []
    for i in range(pages):
        s = make_sample(SEED + 1 + i, "val", LETTER)
        raw = s.noisy.astype(np.float32) / 255
        t0 = time.perf_counter()
        raw_text = tesseract.ocr(raw).text
        t_raw = time.perf_counter() - t0
        t0 = time.perf_counter()
        cleaned = denoise(model, raw)
        t_clean = time.perf_counter() - t0
        t0 = time.perf_counter()
        clean_text = tesseract.ocr(cleaned).text
        t_ocr_clean = time.perf_counter() - t0
        rows.append(
            {
                "category": category(s.meta["degradations"]),
                "ocr_raw_s": round(t_raw, 3),
                "clean_s": round(t_clean, 3),
                "ocr_clean_s": round(t_ocr_clean, 3),
                "total_clean_s": round(t_clean + t_ocr_clean, 3),
                "cer_raw": round(cer(raw_text, s.text), 4),
                "cer_clean": round(cer(clean_text, s.text), 4),
            }
        )
        if progress:
            progress()
    med = {k: round(statistics.median(r[k] for r in rows), 3) for k in rows[0] if k != "category"}
    return {
        "pages": rows,
        "median": med,
        "clean_pays_for_itself": sum(r["total_clean_s"] for r in rows) <= sum(r["ocr_raw_s"] for r in rows),
    }


def service_overhead(server: str, api_key: str | None) -> dict[str, Any]:
    from pagewash.bench.loadtest import run

    out = {}
    for clients, n in ((1, 40), (16, 320)):
        report = run(server, n=n, clients=clients, api_key=api_key, size=(320, 240))
        keys = (
            "done",
            "throughput_jobs_per_s",
            "engine_p50_ms",
            "overhead_p50_ms",
            "overhead_p95_ms",
            "queue_wait_p50_ms",
            "overhead_less_queue_p50_ms",
            "latency_p50_ms",
            "latency_p95_ms",
        )
        out[f"{clients}_clients"] = {"jobs": n, **{k: report[k] for k in keys}}
    return out


def write_report(result: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "perf.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = ["# pagewash performance", ""]
    c = result.get("cpu")
    if c:
        lines += [
            "## Model vs Tesseract, one 2550x3300 page (CPU, medians)",
            "",
            "| | seconds | / Tesseract |",
            "|---|---|---|",
            f"| model, 1 thread | {c['model_s_1_threads']} | {c['ratio_1_thread_to_tesseract']} |",
            f"| model, 2 threads | {c['model_s_2_threads']} | {c['ratio_2_threads_to_tesseract']} |",
            f"| Tesseract 5 (1 thread) | {c['tesseract_s']} | 1 |",
            "",
        ]
        for title, t_s, runtimes in (
            ("this page", c["tesseract_s"], c.get("runtimes")),
            (
                "a dense page (908 words)",
                c.get("dense_page", {}).get("tesseract_s"),
                c.get("dense_page", {}).get("runtimes"),
            ),
        ):
            if runtimes:
                lines += [
                    f"## The cleaner by runtime and precision, 2 threads, {title} (Tesseract: {t_s} s)",
                    "",
                    "| runtime | seconds | / Tesseract |",
                    "|---|---|---|",
                    *(f"| {name} | {r['s']} | {r['x_tesseract']} |" for name, r in runtimes.items()),
                    "",
                ]
        u = c.get("upscale")
        if u:
            lines += [
                f"## Upscaling, one {u['page']} page (about 90 dpi) to {u['output']} (CPU, medians)",
                "",
                "| | 1 thread s | 2 threads s |",
                "|---|---|---|",
                f"| upscaler (clean and upscale 2x) | {u['model_x2_s_1_threads']} | {u['model_x2_s_2_threads']} |",
                f"| auto chain (cleaner, text size, then {u['auto_factor']}x) | {u['auto_chain_s_1_threads']} | "
                f"{u['auto_chain_s_2_threads']} |",
                "",
            ]
    d = result.get("degraded")
    if d:
        lines += [
            "## Clean + OCR vs OCR alone, degraded 2550x3300 pages",
            "",
            "| page | OCR raw s | clean s | OCR clean s | clean+OCR s | CER raw | CER clean |",
            "|---|---|---|---|---|---|---|",
        ]
        for i, r in enumerate(d["pages"]):
            lines.append(
                f"| {i} {r['category']} | {r['ocr_raw_s']} | {r['clean_s']} | {r['ocr_clean_s']} | "
                f"{r['total_clean_s']} | {r['cer_raw']} | {r['cer_clean']} |"
            )
        m = d["median"]
        lines += [
            f"| **median** | {m['ocr_raw_s']} | {m['clean_s']} | {m['ocr_clean_s']} | {m['total_clean_s']} | "
            f"{m['cer_raw']} | {m['cer_clean']} |",
            "",
        ]
    s = result.get("service")
    if s:
        lines += [
            "## Service overhead per job (submit to done, less the worker's engine time)",
            "",
            "| clients | jobs/s | p50 ms | p95 ms | queue wait p50 ms | p50 less queue ms |",
            "|---|---|---|---|---|---|",
        ]
        for k, v in s.items():
            lines.append(
                f"| {k.split('_')[0]} | {v['throughput_jobs_per_s']} | {v['overhead_p50_ms']} | "
                f"{v['overhead_p95_ms']} | {v['queue_wait_p50_ms']} | {v['overhead_less_queue_p50_ms']} |"
            )
        lines.append("")
    t = result.get("throughput")
    if t:
        lines += [
            f"## Throughput end to end on {t['device']} ({t['page']} pages)",
            "",
            f"Decode only: {t['decode_only_pages_per_s']} pages/s; encode only: "
            f"{t['encode_only_pages_per_s']} pages/s ({t['cpu_cores']} CPU cores).",
            "",
            "| precision | channels-last | batch | pages/s end to end | network only | mean batch filled |",
            "|---|---|---|---|---|---|",
        ]
        for r in t["rows"]:
            lines.append(
                f"| {r['precision']} | {r['channels_last']} | {r['batch']} | {r['pages_per_s']} | "
                f"{r['network_only_pages_per_s']} | {r['mean_batch_filled']} |"
            )
        lines.append("")
    (out / "perf.md").write_text("\n".join(lines))
