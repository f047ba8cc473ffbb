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
def test_the_demo_command_runs_end_to_end_and_makes_the_examples_a_searchable_pdf(tmp_path, capsys):
    """``make demo`` is ``pagewash demo -o demo-out``: the command itself, as a user runs it
    (its imports once broke it while the functions under it still passed their tests)."""
    import re

    from pagewash.cli.main import main

    assert main(["demo", "-o", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert (tmp_path / "summary.md").read_text().count("\n") >= 2 + 4  # header, rule, four examples
    cer = float(re.search(r"4 pages, text-layer CER ([\d.]+)", printed).group(1))
    assert cer < 0.3  # raw Tesseract on these pages: 0.46 mean (the table above)
    assert (tmp_path / "examples.searchable.txt").read_text().count("\f") >= 3
    assert (tmp_path / "examples.searchable.pdf").exists()
