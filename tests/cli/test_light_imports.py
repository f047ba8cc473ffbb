"""``pagewash clean`` on an image loads none of the service stack: a user who cleans pages
locally pays neither the import time nor the dependencies of Celery, FastAPI or Redis."""

from __future__ import annotations

import json
import subprocess
import sys

from PIL import Image

from training.synth import make_sample

SERVICE_STACK = {"celery", "kombu", "fastapi", "starlette", "redis", "uvicorn"}

PROBE = """
import json, sys
from pagewash.cli.main import main
rc = main(sys.argv[1:])
print(json.dumps({"rc": rc, "top": sorted({m.split('.')[0] for m in sys.modules})}))
"""


def loaded_by(*argv: str) -> dict:
    r = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_clean_imports_no_service_stack(tmp_path):
    Image.fromarray(make_sample(3, "val", (400, 300)).noisy).save(tmp_path / "p.png")
    result = loaded_by("clean", str(tmp_path / "p.png"), "-o", str(tmp_path / "out"), "-q")
    assert result["rc"] == 0 and (tmp_path / "out" / "p.png").exists()
    assert "torch" in result["top"]  # it really cleaned
    assert not SERVICE_STACK & set(result["top"])


def test_help_imports_nothing_heavy():
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pagewash.cli.main import main\ntry: main(['--help'])\nexcept SystemExit: pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'cv2', 'celery', 'fastapi'}))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0 and "clean" in r.stdout
    assert r.stdout.strip().splitlines()[-1] == "[]"
