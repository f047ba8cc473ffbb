"""How well the structure steps work, measured: deskew on generator pages at known angles,
orientation on held-out generator pages and on real forms turned by each quarter (against
Tesseract's OSD), ruling-line removal on generator forms against their line-free twins and
by word recall on real forms; the worst deskew and line-removal cases drawn.

    python -m pagewash.bench.structure --funsd ../shared/realval/funsd-train

The real forms are for checking and selection only (never training). Results go to
``benchmarks/structure.json``; ``docs/benchmarks.md`` quotes them.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from tqdm import tqdm

from pagewash import deskew, geometry, lines, orient, tesseract
from pagewash.engine import denoise
from pagewash.imageio import load_page, resize_to, to_u8
from pagewash.metrics import word_recall
from pagewash.model_store import Model, get_model


def turned(page: np.ndarray, k: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(page, k))


def deskew_accuracy(pages: int, picture: Path | None = None) -> dict:
    """Errors in degrees on generator pages (held-out fonts) turned by a uniform angle in
    +-10 degrees: the clean page, the degraded page, and the degraded page once cleaned
    (where the chain measures it); Tesseract's own angle of the degraded page beside them
    (no answer counts as 0 degrees); and the chain's correction (``geometry.skew_of``: 0
    where straightening would hardly sharpen the lines). The page of the worst estimate on a
    cleaned page is drawn to ``picture``, straightened by it."""
    from training.degrade import degrade
    from training.render import render_page

    model = get_model("default")
    errors: dict[str, list[float]] = {
        "clean": [],
        "degraded": [],
        "degraded, cleaned": [],
        "tesseract, degraded": [],
        "chain's correction": [],
    }
    seconds, left, worst = [], [], (-1.0, None)
    for seed in tqdm(range(pages), desc="deskew", unit="page"):
        rng = random.Random(f"deskew-bench:{seed}")
        w = rng.randint(900, 1800)
        img, _, _ = render_page(rng, "val", w, int(w * rng.uniform(1.2, 1.45)))
        angle = rng.uniform(-10, 10)
        clean = deskew.rotate(img.astype(np.float32) / 255, angle)
        noisy, _ = degrade(np.random.default_rng(seed), clean, None, rng.uniform(0.3, 1.0), 0.3)
        noisy = np.clip(noisy, 0, 1).astype(np.float32)
        t0 = time.perf_counter()
        errors["clean"].append(abs(deskew.estimate(clean) - angle))
        seconds.append(time.perf_counter() - t0)
        errors["degraded"].append(abs(deskew.estimate(noisy) - angle))
        cleaned = denoise(model, noisy)
        found = deskew.estimate(cleaned)
        errors["degraded, cleaned"].append(abs(found - angle))
        if abs(found - angle) > worst[0]:
            worst = (abs(found - angle), (seed, cleaned, angle, found))
        theirs = tesseract_angle(noisy)
        errors["tesseract, degraded"].append(abs(theirs - angle) if theirs is not None else abs(angle))
        made = geometry.skew_of(to_u8(cleaned))
        errors["chain's correction"].append(abs(made - angle))
        if made == 0 and abs(angle) >= deskew.STRAIGHT:
            left.append(round(angle, 2))
    if picture is not None and worst[1] is not None:
        draw_worst_deskew(*worst[1], picture)
    out = {
        k: {"mean": float(np.mean(v)), "worst": float(np.max(v)), "within_0.25": float(np.mean(np.array(v) <= 0.25))}
        for k, v in errors.items()
    }
    return {"pages": pages, "median_ms": 1000 * float(np.median(seconds)), **out, "left_unstraightened": left}


def draw_worst_deskew(seed: int, page: np.ndarray, angle: float, found: float, path: Path) -> None:
    """The page of the worst estimate, straightened by it, 700 px tall: what is left of its skew
    shows in its lines."""
    from PIL import Image

    back = to_u8(deskew.rotate(page, -found, expand=False))
    h, w = back.shape
    small = Image.fromarray(back).resize((round(w * 700 / h), 700), Image.Resampling.LANCZOS)
    path.parent.mkdir(parents=True, exist_ok=True)
    small.save(path)
    tqdm.write(f"{path}: generator page {seed} turned {angle:.2f} degrees, found {found:.2f}, straightened by it")


def tesseract_angle(page: np.ndarray) -> float | None:
    """Tesseract's own skew estimate (what OCRmyPDF's ``--deskew`` relies on, through
    Leptonica, in spirit): the median baseline slope of the lines its layout analysis found,
    in ``deskew``'s sense (degrees, counter-clockwise positive)."""
    hocr = tesseract.ocr(page, formats=("hocr",)).hocr
    slopes = [float(m) for m in re.findall(r"baseline (-?[\d.]+) ", hocr)]
    return -float(np.degrees(np.arctan(np.median(slopes)))) if slopes else None


def osd_quarter(page: np.ndarray) -> int | None:
    """Tesseract's OSD answer as np.rot90 quarters, or None where it gives none."""
    import pytesseract
    from PIL import Image

    try:
        osd = pytesseract.image_to_osd(Image.fromarray(to_u8(page)), config="--psm 0 -c min_characters_to_try=5")
    except pytesseract.TesseractError:
        return None
    found = re.search(r"Rotate: (\d+)", osd)
    return {0: 0, 90: 1, 180: 2, 270: 3}.get(int(found.group(1))) if found else None


def turns_found(pages: Iterable[tuple[str, np.ndarray]], total: int, osd: int = 0, model: Model | None = None) -> dict:
    """Each page turned 0-3 quarters: the network's answer (``orient.quarter``), the chain's
    decision (``geometry.quarter_of``: unsure or textless stays unturned), with ``model`` that
    decision after the second look at a doubtful turn on the page cleaned as it came
    (``geometry.upright_after_all``), and Tesseract's OSD on the first ``osd`` pages. Pages
    without text are counted apart: they have no way up."""
    net = right = chain = checked = looks = n = osd_right = osd_none = osd_n = 0
    blank, seconds, misses = [], {0: [], 1: []}, []
    for i, (name, page) in enumerate(tqdm(pages, total=total, desc="orientation", unit="page")):
        if not geometry.has_text(page):
            blank.append(name)
            continue
        for k in range(4):
            t = turned(page, k)
            t0 = time.perf_counter()
            found, margin = orient.quarter(t)
            seconds[k % 2].append(time.perf_counter() - t0)
            right += found == k
            made = geometry.decided(found, margin)
            chain += made == k
            if model is not None:
                if geometry.in_doubt(made, margin):
                    looks += 1
                    made = 0 if geometry.upright_after_all(denoise(model, t)) else made
                checked += made == k
            n += 1
            if found != k:
                misses.append(f"{name} turned {k}: found {found} (margin {margin:.1f})")
            if i < osd:
                answer = osd_quarter(t)
                osd_right += answer == k
                osd_none += answer is None
                osd_n += 1
        net += 1
    out = {
        "pages": net,
        "without_text": blank,
        "network": right / max(n, 1),
        "chain": chain / max(n, 1),
        **({"chain_second_look": checked / max(n, 1), "second_looks": looks} if model is not None else {}),
        # a sideways page is scored twice (``orient.quarter``)
        "median_ms_upright": 1000 * float(np.median(seconds[0])) if seconds[0] else None,
        "median_ms_sideways": 1000 * float(np.median(seconds[1])) if seconds[1] else None,
        "misses": misses,
    }
    if osd_n:
        out |= {"osd": osd_right / osd_n, "osd_no_answer": osd_none, "osd_pages": osd_n // 4}
    return out


def orientation_accuracy(funsd: Path | None, pages: int, osd_forms: int = 40, degraded: Path | None = None) -> dict:
    """Held-out generator pages (``training.orient``'s "val" split), real forms turned, and
    with ``degraded`` a folder of ``pagewash synth`` pages (the chain-cost bench's: heavier
    grain and stains than the network trained on)."""
    from training.orient import page

    model = get_model("default")
    out = {"generator_val": turns_found(((str(s), page(s, "val")) for s in range(pages)), pages, model=model)}
    if funsd is not None and funsd.is_dir():
        paths = sorted(funsd.glob("*.png"))
        out["funsd_turned"] = turns_found(((p.stem, load_page(p)) for p in paths), len(paths), osd_forms, model)
    if degraded is not None and degraded.is_dir():
        paths = sorted(p for p in degraded.glob("*.png") if not p.name.endswith(".clean.png"))
        out["synth_degraded"] = turns_found(((p.stem, load_page(p)) for p in paths), len(paths), model=model)
    return out


def lines_generator(pages: int, picture: Path | None = None) -> dict:
    """The line remover on generator forms and tables (``training.render.FORM_BLOCKS``, lines of
    every style: grey, double, dashed, dotted leaders, broken, through the text), against
    each page's line-free twin: the share of the rules' ink removed, the share of the
    letters' ink removed with it (the page where most went is drawn to ``picture``), and
    Tesseract's word recall with the lines, without them, and on the line-free twin."""
    from training.render import FORM_BLOCKS, render_layers

    rows, worst = [], (-1.0, None)
    for seed in tqdm(range(pages), desc="lines (generator)", unit="page"):
        rng = random.Random(f"lines-bench:{seed}")
        w = rng.randint(900, 1700)
        img, bare, text, _ = render_layers(
            rng, "val", w, int(w * 1.3), (8, 20), styles=random.Random(f"lines-style:{seed}"), blocks=FORM_BLOCKS
        )
        out, _ = lines.remove_lines(img)
        rule = (img < 128) & (bare >= 128)
        letters = bare < 128
        gone = (img < 128) & (out >= 128)
        lost = (gone & letters).sum() / max(letters.sum(), 1)
        if lost > worst[0]:
            worst = (lost, (seed, img, out, bare, gone & letters))
        rows.append(
            (
                (gone & rule).sum() / max(rule.sum(), 1),
                lost,
                *(word_recall(text, tesseract.ocr(a, formats=("txt",)).text) for a in (img, out, bare)),
            )
        )
    if picture is not None and worst[1] is not None:
        draw_worst_lines(*worst[1], picture)
    r = np.array(rows)
    return {
        "pages": len(r),
        "rule_ink_removed": float(r[:, 0].mean()),
        "letter_ink_removed": float(r[:, 1].mean()),
        "letter_ink_removed_worst": float(r[:, 1].max()),
        "recall_with_lines": float(r[:, 2].mean()),
        "recall_lines_removed": float(r[:, 3].mean()),
        "recall_line_free_page": float(r[:, 4].mean()),
        "worse_by_0.05": int((r[:, 3] < r[:, 2] - 0.05).sum()),
    }


def draw_worst_lines(
    seed: int, img: np.ndarray, out: np.ndarray, bare: np.ndarray, lost: np.ndarray, path: Path
) -> None:
    """The 500-px-wide window of the page where the remover took most letter ink: the page,
    the page without its lines (letter ink taken in red), the line-free twin."""
    from PIL import Image

    h, w = img.shape
    side = min(500, h, w)
    ys, xs = np.nonzero(lost) if lost.any() else (np.array([h // 2]), np.array([w // 2]))
    cy, cx = int(np.median(ys)), int(np.median(xs))
    y0, x0 = int(np.clip(cy - side // 2, 0, h - side)), int(np.clip(cx - side // 2, 0, w - side))
    win = np.s_[y0 : y0 + side, x0 : x0 + side]
    shown = np.stack([out[win]] * 3, -1)
    shown[lost[win]] = (220, 0, 0)
    gap = np.full((side, 8, 3), 128, np.uint8)
    strip = np.hstack([np.stack([img[win]] * 3, -1), gap, shown, gap, np.stack([bare[win]] * 3, -1)])
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(strip).save(path)
    tqdm.write(f"{path}: generator form {seed}, the page / lines removed (letter ink taken in red) / line-free")


def lines_recall(funsd: Path, pages: int) -> dict:
    """Word recall of Tesseract (--psm 3) on real forms upscaled 2x (bicubic), with and without
    their ruling lines."""
    rows = []
    for path in tqdm(sorted(funsd.glob("*.png"))[:pages], desc="lines", unit="form"):
        form = load_page(path)
        big = resize_to(to_u8(form), (form.shape[0] * 2, form.shape[1] * 2))
        truth = path.with_suffix(".gt.txt").read_text()
        without, _ = lines.remove_lines(big)
        rows.append(
            (
                word_recall(truth, tesseract.ocr(big, formats=("txt",)).text),
                word_recall(truth, tesseract.ocr(without, formats=("txt",)).text),
            )
        )
    r = np.array(rows)
    return {
        "forms": len(r),
        "with_lines": float(r[:, 0].mean()),
        "lines_removed": float(r[:, 1].mean()),
        "worse_by_0.05": int((r[:, 1] < r[:, 0] - 0.05).sum()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--funsd", type=Path, default=Path("../shared/realval/funsd-train"), help="real forms folder")
    ap.add_argument("--pages", type=int, default=100, help="generator pages per measurement")
    ap.add_argument("--forms", type=int, default=30, help="real forms for the line-removal recall")
    ap.add_argument("--degraded", type=Path, default=None, help="a folder of `pagewash synth` pages, turned 4 ways too")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/structure.json"))
    ap.add_argument("--pictures", type=Path, default=Path("docs/img"), help="where the worst cases are drawn")
    args = ap.parse_args()
    funsd = args.funsd if args.funsd.is_dir() else None
    result = {
        "deskew": deskew_accuracy(args.pages, args.pictures / "deskew-worst.png"),
        "orientation": orientation_accuracy(funsd, args.pages, degraded=args.degraded),
        "lines_generator": lines_generator(args.pages // 2, args.pictures / "lines-worst.png"),
    }
    if funsd is not None:
        result["lines"] = lines_recall(funsd, args.forms)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    tqdm.write(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
