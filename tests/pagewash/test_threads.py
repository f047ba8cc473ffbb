"""``pagewash.threads.share``: a process that shares the cores runs torch and OpenCV on its
share, and so does each of the readers ``pagewash ocr`` starts."""

from __future__ import annotations

import subprocess
import sys


def run(code: str) -> str:
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_share_sets_torch_and_opencv_threads():
    out = run(
        "import cv2, torch; from pagewash.threads import share; "
        "share(1); a = (torch.get_num_threads(), cv2.getNumThreads()); "
        "share(3); b = (torch.get_num_threads(), cv2.getNumThreads()); "
        "share(0); print(a, b, (torch.get_num_threads(), cv2.getNumThreads()))"
    )
    assert out == "(1, 1) (3, 3) (1, 1)"  # and never fewer than one


def test_the_model_loads_with_the_settings_share():
    code = (
        "import os; os.environ['PAGEWASH_THREADS'] = '1'; import cv2; "
        "from pagewash.model_store import get_model; get_model('default', 'cpu'); print(cv2.getNumThreads())"
    )
    assert run(code) == "1"


def test_the_ocr_readers_get_their_share_of_the_cores():
    code = (
        "import cv2, os; from pagewash.cli.batch import reader_pool\n"
        "with reader_pool(os.cpu_count()) as p:\n"
        "    print(p.submit(cv2.getNumThreads).result())"
    )
    assert run(code) == "1"  # as many readers as cores: one thread each
