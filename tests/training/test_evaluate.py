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


def test_upscaling_method_names():
    import numpy as np
    import pytest

    from training.evaluate import method

    page = np.random.default_rng(0).random((60, 80)).astype(np.float32)
    assert method("raw@2x")(page).shape == (120, 160)
    assert method("default@4x")(page).shape == (240, 320)  # bicubic 4x, then the cleaner
    assert method("upscale")(page).shape == (120, 160)  # the shipped upscaler
    assert method("auto")(np.ones((60, 80), np.float32)).shape == (60, 80)  # no text: left at its size
    with pytest.raises(ValueError, match="@2x"):
        method("nonsense")
