"""The PDF routes measured on one scanned PDF made from a benchmark folder: raw Tesseract on
each page image, plain OCRmyPDF, OCRmyPDF with the pagewash plugin, and ``pagewash ocr``
(``pagewash.pdf.process_pdf``). Each PDF route is scored on its text layer (pdfium's
extraction, as a viewer copies it), which is what a user of a searchable PDF gets.

All routes run in one go on the same file, so their ratios are measured in one run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from pagewash import tesseract
from pagewash.bench.benchmark import find_items
from pagewash.imageio import load_page
from pagewash.metrics import cer, word_recall
from pagewash.pdf import PdfJob, process_pdf, scan_to_pdf, text_layer

ROUTES = ("raw tesseract", "ocrmypdf", "ocrmypdf --plugin pagewash", "pagewash ocr")


def ocrmypdf(src: Path, dst: Path, *extra: str) -> None:
    subprocess.run([sys.executable, "-m", "ocrmypdf", "-q", *extra, str(src), str(dst)], check=True, timeout=3600)


def _run_routes(items: list, work: Path, dpi: int) -> tuple[dict[str, list[str]], dict[str, float]]:
    """Each route's text per page, and its seconds, on one PDF of ``items`` made in ``work``."""
    src = work / "scan.pdf"
    scan_to_pdf([i.image for i in items], src, dpi)
    texts: dict[str, list[str]] = {}
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    texts[ROUTES[0]] = [tesseract.ocr(load_page(i.image)).text for i in items]
    seconds[ROUTES[0]] = time.perf_counter() - t0
    for route, run_route in (
        (ROUTES[1], lambda dst: ocrmypdf(src, dst)),
        (ROUTES[2], lambda dst: ocrmypdf(src, dst, "--plugin", "pagewash.ocrmypdf_plugin")),
        (ROUTES[3], lambda dst: process_pdf(src, dst, PdfJob(), None)),
    ):
        dst = work / (route.replace(" ", "_").replace("-", "") + ".pdf")
        t0 = time.perf_counter()
        run_route(dst)
        seconds[route] = time.perf_counter() - t0
        texts[route] = text_layer(dst)
    return texts, seconds


def run(data: Path, out: Path, n: int = 10, dpi: int = 300) -> dict:
    """Write ``pdf.json`` and ``pdf.md`` into ``out``; the first ``n`` pages of ``data``."""
    items = find_items(data)[0][:n]
    truths = [i.truth.read_text() for i in items]
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pagewash-pdfbench-") as tmp:
        texts, seconds = _run_routes(items, Path(tmp), dpi)
    raw = [cer(t, x) for t, x in zip(truths, texts[ROUTES[0]])]
    raw_recall = [word_recall(t, x) for t, x in zip(truths, texts[ROUTES[0]])]
    rows = []
    for route in ROUTES:
        scores = [cer(t, x) for t, x in zip(truths, texts[route])]
        recall = [word_recall(t, x) for t, x in zip(truths, texts[route])]
        rows.append(
            {
                "route": route,
                "pages": len(texts[route]),
                "mean_cer": float(np.mean(scores)),
                "median_cer": float(np.median(scores)),
                "vs_raw": float(np.mean(scores) / max(np.mean(raw), 1e-9)),
                "pages_worse_than_raw": int(sum(s > r + 0.02 for s, r in zip(scores, raw))),
                "word_recall": float(np.mean(recall)),
                "pages_recall_below_raw": int(sum(w < r - 0.05 for w, r in zip(recall, raw_recall))),
                "seconds_per_page": seconds[route] / len(items),
                "per_page": scores,
                "per_page_recall": recall,
            }
        )
    result = {"data": str(data), "pages": len(items), "dpi": dpi, "routes": rows}
    (out / "pdf.json").write_text(json.dumps(result, indent=1))
    lines = [
        f"# Scanned PDF: {len(items)} pages of `{data}` at {dpi} dpi",
        "",
        "Text-layer CER (pdfium's extraction; raw Tesseract: its text of each page image). "
        '"worse": pages more than 0.02 CER worse than raw Tesseract. Word recall: the share of true words '
        'found, order-free (CER also counts reading order); "below": pages more than 0.05 recall below raw. '
        "Seconds per page on this machine, one run (OCRmyPDF uses every core).",
        "",
        "| route | pages | mean CER | median CER | x raw | pages worse | word recall | pages below | s / page |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['route']} | {r['pages']} | {r['mean_cer']:.3f} | {r['median_cer']:.3f} | {r['vs_raw']:.2f} "
            f"| {r['pages_worse_than_raw']} | {r['word_recall']:.3f} | {r['pages_recall_below_raw']} "
            f"| {r['seconds_per_page']:.2f} |"
        )
    (out / "pdf.md").write_text("\n".join(lines) + "\n")
    return result
