"""`pagewash synth` then `pagewash benchmark`, as real subprocesses, on six small pages."""

import csv
import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import requires_tesseract

BIN = Path(sys.executable).parent / "pagewash"


@requires_tesseract
def test_synth_then_benchmark(tmp_path):
    data, report = tmp_path / "data", tmp_path / "report"
    r = subprocess.run(
        [str(BIN), "synth", str(data), "--n", "6", "--seed", "500000", "--size", "700x500"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert len(list(data.glob("*.gt.txt"))) == 6 and len(list(data.glob("*.clean.png"))) == 6
    r = subprocess.run(
        [str(BIN), "benchmark", str(data), "-o", str(report), "--methods", "raw,otsu,default,default+verify"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    summary = json.loads((report / "summary.json").read_text())
    assert set(summary) == {"raw", "otsu", "default", "default+verify"}
    for s in summary.values():
        assert {"cer", "wer", "word_recall", "rmse", "psnr", "tesseract_seconds", "ocr_confidence"} <= set(s)
    assert summary["default"]["cer"] < summary["raw"]["cer"]
    assert summary["default+verify"]["word_recall"] >= summary["raw"]["word_recall"] - 0.01
    assert summary["default+verify"]["pages_worse_than_raw"] == 0 and "pages_worse_than_raw" not in summary["raw"]
    rows = list(csv.DictReader((report / "per_file.csv").open()))
    assert len(rows) == 24 and not any(".clean" in row["file"] for row in rows)
    assert "| default |" in (report / "report.md").read_text()
    assert (report / "cer_per_method.png").exists() and (report / "cer_per_category.png").exists()


def test_benchmark_skips_inputs_without_ground_truth(tmp_path):
    from pagewash.bench.benchmark import find_items

    (tmp_path / "a.png").write_bytes(b"x")
    (tmp_path / "a.gt.txt").write_text("hello")
    (tmp_path / "a.clean.png").write_bytes(b"x")
    (tmp_path / "b.png").write_bytes(b"x")
    (tmp_path / "003_stained.png").write_bytes(b"x")
    (tmp_path / "003_stained.gt.txt").write_text("hi")
    items, skipped = find_items(tmp_path)
    assert [i.name for i in items] == ["003_stained", "a"]
    assert items[0].category == "stained" and items[1].category is None
    assert items[1].clean == tmp_path / "a.clean.png"
    assert skipped and "b.png" in skipped[0]


def test_chain_methods_turn_off_the_steps_they_name_and_turned_pages_are_the_same_each_run():
    import numpy as np
    import pytest

    from pagewash.bench.benchmark import chain_steps, turn

    assert chain_steps("ocr") == {"rotate": True, "deskew": True, "lines": True}
    assert chain_steps("ocr-lines-deskew") == {"rotate": True, "deskew": False, "lines": False}
    assert chain_steps("ocr-structure") == {"rotate": False, "deskew": False, "lines": False}
    assert chain_steps("default+verify") is None
    with pytest.raises(ValueError, match="steps to turn off"):
        chain_steps("ocr-colour")
    page = np.ones((300, 200), np.float32)
    first, again = turn(page, "form-7"), turn(page, "form-7")
    assert first[1:] == again[1:] and 0.5 <= abs(first[2]) <= 4.0
    quarters = [turn(page, f"p{i}")[1] for i in range(300)]
    assert 0.25 < np.mean([q != 0 for q in quarters]) < 0.42  # a third turned
    assert max(first[0].shape) > 300  # skewed on a canvas that holds all of it
