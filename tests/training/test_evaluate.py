import json

from tests.conftest import requires_tesseract
from training.evaluate import run


@requires_tesseract
def test_evaluate_writes_a_report(tmp_path):
    results = run(2, ["raw", "bgnorm", "default"], tmp_path, jobs=2, speed=False)
    assert set(results["quality"]) == {"raw", "bgnorm", "default", "clean_render"}
    saved = json.loads((tmp_path / "evaluate.json").read_text())
    assert 0 <= saved["quality"]["default"]["cer"] <= 1
    assert "| default |" in (tmp_path / "evaluate.md").read_text()
    assert (tmp_path / "evaluate.png").stat().st_size > 1000
