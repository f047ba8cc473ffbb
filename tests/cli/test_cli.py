import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent / "pagewash"


def test_top_level_help_lists_commands():
    r = subprocess.run([str(BIN), "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0
    for command in ("clean", "demo", "evaluate", "train"):
        assert command in r.stdout


def test_train_help_documents_options():
    r = subprocess.run([str(BIN), "train", "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "--pairs" in r.stdout and "--init" in r.stdout


def test_missing_input_is_reported(tmp_path):
    r = subprocess.run(
        [str(BIN), "clean", str(tmp_path / "nope.png"), "-o", str(tmp_path / "o"), "-q"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1 and "no such file" in r.stderr


def test_version_is_the_packages():
    from importlib.metadata import version

    r = subprocess.run([str(BIN), "--version"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == f"pagewash {version('pagewash')}"
