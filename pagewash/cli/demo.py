"""``make demo``: clean the built-in examples, no server, and show before/after.

For each example: a side-by-side picture, and where Tesseract is installed the OCR text
before and after with the character error rate against the example's ground truth. Then
the examples as one scanned PDF, made searchable the way ``pagewash ocr`` does it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pagewash import tesseract
from pagewash.engine import denoise
from pagewash.imageio import load_page, save_png, to_u8
from pagewash.metrics import cer
from pagewash.model_store import Model

EXAMPLES = Path(__file__).parents[1] / "examples"  # pagewash/examples, shipped with the package


def side_by_side(before: np.ndarray, after: np.ndarray, gap: int = 16) -> np.ndarray:
    h, w = before.shape
    canvas = np.full((h, 2 * w + gap), 128, np.uint8)
    canvas[:, :w], canvas[:, w + gap :] = to_u8(before), to_u8(after)
    return canvas


def run_demo(model: Model, out: Path) -> list[dict]:
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for src in sorted(EXAMPLES.glob("*.png")):
        if src.name.endswith(".clean.png"):
            continue
        name = src.stem
        page = load_page(src)
        cleaned = denoise(model, page)
        save_png(out / f"{name}.png", cleaned)
        save_png(out / f"{name}.before-after.png", side_by_side(page, cleaned))
        row = {"example": name}
        gt_path = src.with_suffix(".gt.txt")
        if tesseract.available():
            before, after = tesseract.image_to_text(page), tesseract.image_to_text(cleaned)
            (out / f"{name}.before.txt").write_text(before)
            (out / f"{name}.after.txt").write_text(after)
            if gt_path.exists():
                gt = gt_path.read_text()
                row.update(cer_before=cer(gt, before), cer_after=cer(gt, after))
        rows.append(row)
    return rows


def run_pdf_demo(out: Path) -> dict:
    """The examples as a 200-dpi scanned PDF -> ``examples.searchable.pdf`` (OCRmyPDF with the
    pagewash plugin), and its text layer's CER against the ground truth."""
    from pagewash.pdf import PdfJob, process_pdf, scan_to_pdf, text_layer

    pages = sorted(p for p in EXAMPLES.glob("*.png") if not p.name.endswith(".clean.png"))
    scan, searchable = out / "examples.scan.pdf", out / "examples.searchable.pdf"
    scan_to_pdf(pages, scan, dpi=200)
    process_pdf(scan, searchable, PdfJob(), out / "examples.searchable.txt")
    truths = [p.with_suffix(".gt.txt").read_text() for p in pages]
    layer = text_layer(searchable)
    return {"pages": len(layer), "cer": float(np.mean([cer(t, x) for t, x in zip(truths, layer)]))}
