"""Shared fixtures: a small untrained PageNet artifact for shape tests, and the shipped model."""

from __future__ import annotations

import shutil

import pytest
import torch

from pagewash.artifact import save_artifact
from pagewash.model_store import Model, get_model
from pagewash.models import PageNet, PageNetConfig

requires_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")


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
