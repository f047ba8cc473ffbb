from pathlib import Path

from pagewash.cli.demo import EXAMPLES, run_demo
from tests.conftest import requires_tesseract


@requires_tesseract
def test_demo_cleans_examples_and_ocr_improves(tmp_path, default_model):
    rows = run_demo(default_model, tmp_path)
    assert len(rows) == len([p for p in EXAMPLES.glob("*.png") if not p.name.endswith(".clean.png")]) >= 3
    for row in rows:
        assert (tmp_path / f"{row['example']}.before-after.png").exists()
        assert Path(tmp_path / f"{row['example']}.after.txt").read_text().strip()
    before = sum(r["cer_before"] for r in rows)
    after = sum(r["cer_after"] for r in rows)
    assert after < before


@requires_tesseract
def test_demo_makes_the_examples_a_searchable_pdf(tmp_path):
    from pagewash.cli.demo import run_pdf_demo

    result = run_pdf_demo(tmp_path)
    assert result["pages"] == 4
    assert result["cer"] < 0.3  # raw Tesseract on these pages: 0.46 mean (the table above)
    assert (tmp_path / "examples.searchable.txt").read_text().count("\f") >= 3
