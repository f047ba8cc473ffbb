"""Shared fixtures: a small untrained PageNet artifact for shape tests, the shipped model, and
one gateway-and-worker stack per test process.

``make test`` runs the tests in parallel processes (pytest-xdist). The first uses the Redis
on 127.0.0.1:6379; each other one starts a ``redis-server`` of its own on a free port, so
the Redis databases the tests flush are never shared between two processes."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest
import torch

from pagewash.artifact import save_artifact
from pagewash.model_store import Model, get_model
from pagewash.models import PageNet, PageNetConfig

requires_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
_own_redis: subprocess.Popen | None = None


def pytest_configure(config):
    """Under pytest-xdist: each test process (and what it starts) runs torch on one thread, and
    each but the first gets a Redis of its own (no persistence)."""
    global _own_redis
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is not None:  # two test processes share the cores: one torch thread each, no spinning waits
        os.environ.setdefault("PAGEWASH_THREADS", "1")
    if worker in (None, "gw0") or "PAGEWASH_TEST_REDIS" in os.environ:
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    _own_redis = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + 10
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    os.environ["PAGEWASH_TEST_REDIS"] = f"redis://127.0.0.1:{port}"


def pytest_unconfigure(config):
    if _own_redis is not None:
        _own_redis.terminate()
        _own_redis.wait(timeout=10)


@pytest.fixture(scope="session")
def tiny_artifact(tmp_path_factory):
    torch.manual_seed(0)
    net = PageNet(PageNetConfig(widths=[8, 8], blocks=[1, 1]))
    for p in net.parameters():  # non-zero head so outputs differ from inputs
        torch.nn.init.normal_(p, std=0.05)
    path = tmp_path_factory.mktemp("models") / "tiny.pt"
    save_artifact(path, net, "pagenet", metrics="{}", generator_version="test")
    return path


@pytest.fixture(scope="session")
def tiny_model(tiny_artifact) -> Model:
    return get_model(str(tiny_artifact), "cpu", "fp32")


@pytest.fixture(scope="session")
def default_model() -> Model:
    return get_model("default", "cpu")


API_KEY = "test-key-7f3a"
UPLOAD_CAP = 8_000_000
UPLOAD_CAP = 8_000_000


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """One gateway and one worker (2 prefork children, both queues) for the whole session, with
    API keys on and private webhook targets allowed (the test receiver is on loopback)."""
    from tests.stack import make_stack

    s = make_stack(
        tmp_path_factory.mktemp("stack"),
        9,
        api_keys=f"other-key,{API_KEY}",
        allow_private_callbacks="true",
        max_upload_bytes=str(UPLOAD_CAP),
    )
    s.start_gateway()
    s.start_worker("worker", "--concurrency", "2")
    try:
        s.wait_ready()
        yield s
    finally:
        s.close()


@pytest.fixture
def api(stack):
    import httpx

    with httpx.Client(base_url=stack.url, headers={"X-Api-Key": API_KEY}, timeout=60) as client:
        yield client
