"""The import layers hold: import-linter's contracts in pyproject.toml pass, and they name
every package and library module in the repository (a new one outside the contracts would
go unchecked)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def contract(kind: str, name_starts: str = "") -> dict:
    return next(c for c in CONFIG["contracts"] if c["type"] == kind and c["name"].startswith(name_starts))


def test_import_contracts_are_kept():
    r = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports")], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "0 broken" in r.stdout and "5 kept" in r.stdout


def test_the_contracts_cover_every_package():
    top = {p.parent.name for p in ROOT.glob("*/__init__.py") if p.parent.name != "tests"}
    assert top == set(CONFIG["root_packages"]) == {"pagewash", "training", "worker", "service"}
    layers = {name.strip() for layer in contract("layers")["layers"] for name in layer.split("|")}
    apps = {f"pagewash.{p.parent.name}" for p in (ROOT / "pagewash").glob("*/__init__.py")}
    assert apps == {"pagewash.cli", "pagewash.bench"}
    assert layers == apps | top - {"pagewash"}
    acyclic = contract("acyclic_siblings")
    assert set(acyclic["ancestors"]) == top


def test_the_library_contract_lists_every_library_module():
    """pagewash minus its two application subpackages is the library: each of its modules is
    a source of the library's contract, so none may import the layers above."""
    library = contract("forbidden", "The library")
    modules = {"pagewash"} | {f"pagewash.{p.stem}" for p in (ROOT / "pagewash").glob("*.py") if p.stem != "__init__"}
    assert set(library["source_modules"]) == modules
    assert library["as_packages"] is False
    forbidden = set(library["forbidden_modules"])
    for above in ("pagewash.cli", "pagewash.bench", "service", "worker", "training"):
        assert {above, above + ".**"} <= forbidden
