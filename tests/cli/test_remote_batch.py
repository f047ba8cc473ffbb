"""``pagewash clean --server``: the folder mode through the real service."""

from __future__ import annotations

import subprocess

import numpy as np
from PIL import Image

from pagewash.cli.batch import find_inputs
from pagewash.cli.remote_batch import STATE, submit
from pagewash.cli.statefile import StateFile
from pagewash.client import Client
from tests.cli.test_cli_clean import BIN, make_folder
from tests.conftest import API_KEY, requires_tesseract


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=300)


@requires_tesseract
def test_folder_through_the_service_matches_the_local_layout(tmp_path, stack):
    src, out, local = tmp_path / "in", tmp_path / "out", tmp_path / "local"
    make_folder(src)
    r = run("clean", str(src), "-o", str(out), "--server", stack.url, "--api-key", API_KEY, "--ocr", "-q")
    assert r.returncode == 1, r.stderr  # corrupt.png fails, and is named
    assert "corrupt.png" in r.stderr and "truncated" in r.stderr.lower()
    produced = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != STATE)
    assert produced == [
        "a.png",
        "a.txt",
        "multi.p001.png",
        "multi.p001.txt",
        "multi.p002.png",
        "multi.p002.txt",
        "sub/b.png",
        "sub/b.txt",
    ]
    assert run("clean", str(src), "-o", str(local), "--ocr", "-q").returncode == 1  # the same chain, here
    served, here = np.asarray(Image.open(out / "a.png")), np.asarray(Image.open(local / "a.png"))
    assert np.abs(served.astype(int) - here.astype(int)).max() <= 1
    (out / "a.png").unlink()
    again = run("clean", str(src), "-o", str(out), "--server", stack.url, "--api-key", API_KEY, "--ocr", "-q")
    assert "cleaned 1 page(s) from 1 file(s)" in again.stdout and "skipped 2 already done" in again.stdout
    assert (out / "a.png").exists()


def test_wrong_api_key_is_reported_per_file(tmp_path, stack):
    src = tmp_path / "in"
    make_folder(src)
    r = run("clean", str(src / "a.png"), "-o", str(tmp_path / "out"), "--server", stack.url, "--api-key", "nope")
    assert r.returncode == 1 and "X-Api-Key" in r.stderr


def test_an_interrupted_run_collects_its_batch_instead_of_resubmitting(tmp_path, stack):
    src, out = tmp_path / "in", tmp_path / "out"
    make_folder(src)
    job = next(j for j in find_inputs([src]) if j.src.name == "multi.tif")
    with Client(stack.url, API_KEY) as client:
        first = submit(client, StateFile(out / STATE), job, {})
        assert len(first) == 2 and (out / STATE).exists()
        # A new process (the rerun after Ctrl-C) reads the state file and finds the batch on the server.
        assert submit(client, StateFile(out / STATE), job, {}) == first


@requires_tesseract
def test_pdfs_in_a_folder_go_through_the_service_as_pdf_jobs(tmp_path, stack):
    import shutil
    from pathlib import Path

    from pagewash.pdf import text_layer

    corpus = Path(__file__).parents[1] / "data" / "pdf"
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    shutil.copy(corpus / "javascript-form-attachment.pdf", src / "scan.pdf")
    shutil.copy(corpus / "encrypted.pdf", src / "locked.pdf")
    r = run("ocr", str(src), "-o", str(out), "--server", stack.url, "--api-key", API_KEY, "-q", "--binarize")
    assert r.returncode == 1 and "locked.pdf" in r.stderr and "password" in r.stderr, r.stderr
    produced = sorted(p.name for p in out.iterdir() if p.name != STATE)
    assert produced == ["scan.pdf", "scan.txt"]
    assert len(text_layer(out / "scan.pdf")) == 2


def test_a_batch_with_a_failed_page_is_sent_again_not_collected(tmp_path):
    """Pure logic, on a scripted transport: a rerun after a page failed on a worker must not
    keep collecting the same failure until the batch expires."""
    import json

    import httpx

    seen = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path))
        if request.method == "GET":
            return httpx.Response(200, json={"summary": {"missing": 0, "failed": 1}})
        return httpx.Response(202, json={"id": "b2", "jobs": [{"id": "j2"}], "rejected": []})

    src = tmp_path / "a.png"
    src.write_bytes(b"png")
    (tmp_path / STATE).write_text(json.dumps({str(src.resolve()): {"batch": "b1", "jobs": ["j1"]}}))
    with Client("http://pagewash.test", transport=httpx.MockTransport(handle)) as client:
        assert submit(client, StateFile(tmp_path / STATE), find_inputs([src])[0], {}) == ["j2"]
    assert seen == [("GET", "/v1/batches/b1"), ("POST", "/v1/batches")]
