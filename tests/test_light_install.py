"""``pip install pagewash`` with no extras, as a library user does it: the wheel built from this
tree, installed with its base dependencies into a fresh virtual environment, cleans and reads
a page, runs OCRmyPDF with the plugin, and brings none of the server or training stack.

The fresh environment installs torch and OpenCV again (about 40 s of unpacking); it is the
one test that proves what a user who never asked for the server gets."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pagewash.metrics import cer
from pagewash.pdf import text_layer
from tests.conftest import requires_tesseract
from tests.scanned_pdf import EXAMPLES, scanned_pdf

pytestmark = pytest.mark.slow  # make test-slow: a second venv built from scratch (over a minute)
ROOT = Path(__file__).parents[1]
LEFT_OUT = {"celery", "kombu", "fastapi", "starlette", "redis", "uvicorn", "prometheus-client", "matplotlib", "faker"}
EXAMPLE = EXAMPLES / "01_stains_show_through"

USE = """
import json, sys
import numpy as np
import pagewash
from pagewash import Client  # the service client needs nothing of the server either
from pagewash.model_store import get_model
page = pagewash.clean(sys.argv[1])
read = pagewash.read(sys.argv[1])
print(json.dumps({"file": pagewash.__file__, "shape": list(page.shape), "dtype": str(page.dtype),
                  "changed": float(np.abs(page.astype(float) - read.clean.astype(float)).mean()),
                  "text": read.text, "words": len(read.words), "client": Client.__name__,
                  "precision": get_model("default", "cpu").precision,
                  "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


@pytest.fixture(scope="module")
def light(tmp_path_factory) -> Path:
    """A fresh venv holding the built wheel and its base dependencies only -> its bin folder."""
    tmp = tmp_path_factory.mktemp("light")
    run = {"capture_output": True, "text": True, "timeout": 600}
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp, ROOT], **run)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = tmp.glob("pagewash-*.whl")
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist() if ".dist-info/" not in name}
    assert tops == {"pagewash", "service", "worker", "training"}  # no cli, jobstore or benchmarks at the top
    subprocess.run([sys.executable, "-m", "venv", tmp / "venv"], check=True, timeout=120)
    pip = subprocess.run([tmp / "venv" / "bin" / "pip", "install", "-q", "--no-compile", wheel], **run)
    assert pip.returncode == 0, pip.stderr[-3000:]
    return tmp / "venv" / "bin"


def test_the_base_install_leaves_the_server_and_training_stack_out(light):
    listed = subprocess.run([light / "pip", "list", "--format", "json"], capture_output=True, text=True, timeout=60)
    installed = {p["name"].lower() for p in json.loads(listed.stdout)}
    assert {"torch", "numpy", "pillow", "httpx", "ocrmypdf", "pytesseract"} <= installed
    assert not LEFT_OUT & installed
    version = subprocess.run([light / "pagewash", "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("pagewash ")
    serve = subprocess.run([light / "pagewash", "serve"], capture_output=True, text=True, timeout=60)
    assert serve.returncode == 2 and "pip install 'pagewash[server]'" in serve.stderr  # said, not a traceback


@requires_tesseract
def test_the_base_install_cleans_and_reads_a_page(light, tmp_path):
    r = subprocess.run(
        [light / "python", "-c", USE, EXAMPLE.with_suffix(".png")],
        cwd=tmp_path,  # not the repository: the installed wheel is what is imported
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert Path(got["file"]).is_relative_to(light.parent) and got["dtype"] == "uint8"
    assert got["shape"] == [760, 1000] and got["words"] > 50
    assert cer(EXAMPLE.with_suffix(".gt.txt").read_text(), got["text"]) < 0.1
    assert not {"celery", "fastapi", "redis", "matplotlib", "faker"} & set(got["modules"])
    assert got["precision"] == "int8"  # the wheel carries the int8 graphs, the base install ONNX Runtime


@requires_tesseract
def test_the_base_install_runs_the_ocrmypdf_plugin(light, tmp_path):
    truths = scanned_pdf(tmp_path / "scan.pdf")
    r = subprocess.run(
        [light / "ocrmypdf", "--plugin", "pagewash.ocrmypdf_plugin", tmp_path / "scan.pdf", tmp_path / "out.pdf"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    layer = text_layer(tmp_path / "out.pdf")
    assert len(layer) == len(truths)
    errors = [cer(t, x) for t, x in zip(truths, layer)]
    assert sum(errors) / len(errors) < 0.2, errors  # plain OCRmyPDF reads these pages at about 0.57
