"""Every example in docs/python.md runs, in order, as one script: against a copy of a
built-in example (``scan.png``) and, where it says ``http://localhost:8000``, the session's
real gateway and worker. What they print is checked where it is known."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import API_KEY, requires_tesseract

DOC = Path(__file__).parents[1] / "docs" / "python.md"
EXAMPLE = Path(__file__).parents[1] / "pagewash" / "examples" / "01_stains_show_through.png"


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)


@requires_tesseract
def test_every_example_in_the_python_docs_runs(stack, tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "scan.png")
    shutil.copy(EXAMPLE, tmp_path / "scan-copy.png")
    script = "\n\n".join(blocks()).replace("http://localhost:8000", stack.url)
    assert len(blocks()) >= 7 and stack.url in script
    env = {**os.environ, "PAGEWASH_API_KEY": API_KEY}
    r = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert r.returncode == 0, r.stderr[-3000:]
    out = r.stdout
    assert "WHEN TABLE IMPORTANT" in out  # the example's first line, read through the API and the client
    assert "uint8 (760, 1000) (1520, 2000) [  0 255]" in out
    assert "True clean" in out and "4 pagenet" in out
    assert "scan.png 1 True" in out and "not-there.png 1 False" in out
    assert "refused: not an image" in out and "401" in out
    assert (tmp_path / "clean.png").exists() and (tmp_path / "scan.hocr").read_text().startswith("<?xml")
