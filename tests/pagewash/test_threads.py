"""``pagewash.threads``: a process that shares the cores runs torch and OpenCV on its share,
and so do the readers ``pagewash ocr`` forks; OpenCV is never resized in a forked child
(that hangs it when its parent had started OpenCV's thread pool)."""

from __future__ import annotations

import subprocess
import sys


def run(code: str) -> str:
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_share_sets_torch_and_opencv_before_opencv_runs():
    out = run(
        "import cv2, torch; from pagewash.threads import share; "
        "share(1); print(torch.get_num_threads(), cv2.getNumThreads())"
    )
    assert out == "1 1"


def test_the_ocr_readers_and_their_parent_get_their_share_even_after_opencv_ran():
    # the parent has run OpenCV in parallel before it forks its readers (it cleans the first
    # page first): resizing OpenCV's pool in a reader would hang it, so the share is set
    # before that, and a pool made later must still work
    code = (
        "import os, cv2, numpy as np\n"
        "from pagewash.cli.batch import reader_pool\n"
        "def labels():\n"
        "    cv2.connectedComponentsWithStats(np.ones((2000, 2000), np.uint8)); return cv2.getNumThreads()\n"
        "first = reader_pool(os.cpu_count())\n"  # as clean_inputs: before the first page
        "here = labels()\n"
        "with first as p:\n"
        "    print(here, p.submit(labels).result(timeout=60))\n"
        "with reader_pool(os.cpu_count()) as p:\n"  # OpenCV already started here: no change, no hang
        "    print(p.submit(labels).result(timeout=60))"
    )
    assert run(code).split() == ["1", "1", "1"]
