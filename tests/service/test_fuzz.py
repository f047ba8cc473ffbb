"""Fuzz the gateway from its own OpenAPI schema with schemathesis (bounded, seeded): no input
may make it answer 5xx."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import API_KEY

ST = Path(sys.executable).parent / "st"


def test_schemathesis_finds_no_server_error(stack, tmp_path):
    cmd = [
        str(ST),
        "run",
        f"{stack.url}/openapi.json",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        "25",
        "--seed",
        "1",
        "--phases",
        "examples,coverage,fuzzing",
        "--header",
        f"X-Api-Key: {API_KEY}",
        "--request-timeout",
        "30",
        "--workers",
        "1",
        "--no-color",
        "--report-dir",
        str(tmp_path),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    print(result.stdout[-1500:])
    assert " passed" in result.stdout, result.stdout
