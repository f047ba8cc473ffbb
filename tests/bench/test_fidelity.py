"""The fidelity benchmark on one page a set, with no cleaning at all: a known answer."""

import json
import sys

from pagewash.bench import fidelity


def test_the_input_as_it_is_keeps_every_speck_and_every_dot(tmp_path, monkeypatch):
    results = fidelity.measure(("raw",), pages=1)
    assert set(results) == {"generator", "paper", "dust"}
    dust = results["dust"]["raw"]
    assert dust["specks_in"] > 100 and dust["specks_gone"] == 0.0 and dust["marks_kept"] == 1.0
    assert results["paper"]["raw"]["background_rmse"] > 0.02  # the paper's damage is all there
    monkeypatch.setattr(sys, "argv", ["fidelity", "-o", str(tmp_path), "--methods", "raw", "--pages", "1"])
    fidelity.main()
    assert json.loads((tmp_path / "fidelity.json").read_text())["dust"]["raw"]["pages"] == 1
    assert "| dust (1) | raw |" in (tmp_path / "fidelity.md").read_text()
    assert (tmp_path / "fidelity.png").stat().st_size > 10_000
