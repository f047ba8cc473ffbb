"""The import layers hold: import-linter's contracts in pyproject.toml pass, and they name
every package in the repository (a new package outside the contract would go unchecked)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_import_contracts_are_kept():
    r = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports")], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "0 broken" in r.stdout


def test_the_layers_cover_every_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py") if p.parent.name != "tests"}
    layers = next(c["layers"] for c in config["contracts"] if c["type"] == "layers")
    in_layers = {name.strip() for layer in layers for name in layer.split("|")}
    assert packages == set(config["root_packages"]) == in_layers
