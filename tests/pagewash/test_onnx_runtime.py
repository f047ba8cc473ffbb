"""The int8 road: the shipped graphs belong to the shipped weights, clean like them, and are
taken where they should be (``auto`` or ``int8`` on a CPU) and nowhere else."""

import hashlib
import shutil

import numpy as np
import pytest
import torch

from pagewash import onnx_runtime
from pagewash.engine import denoise
from pagewash.errors import BadRequest, ModelNotFound
from pagewash.model_store import WEIGHTS_DIR, get_model, int8_graph
from pagewash.upscale import clean_upscaled
from training.lowres import make_lowres_sample
from training.synth import make_sample

CLEANERS = ["pagenet.pt", "pagenet-x2.pt"]


@pytest.mark.parametrize("name", CLEANERS)
def test_each_shipped_graph_was_made_from_the_shipped_weights(name):
    """Retrained weights without `make quantize` would leave int8 cleaning with the old model."""
    pt = WEIGHTS_DIR / name
    graph = onnx_runtime.quantized_path(pt)
    assert graph.name == name.replace(".pt", ".int8.onnx")
    assert onnx_runtime.source_sha256(graph) == hashlib.sha256(pt.read_bytes()).hexdigest()


def test_int8_cleans_a_page_as_fp32_does():
    s = make_sample(700_301, "val", (704, 896))
    page = s.noisy.astype(np.float32) / 255
    fp32 = denoise(get_model("default", "cpu", "fp32"), page)
    int8 = denoise(get_model("default", "cpu", "int8"), page)
    assert int8.shape == page.shape and int8.dtype == np.float32
    assert float(np.abs(int8 - fp32).mean()) < 0.008  # grey levels, 1 = white: about 2 of 255
    assert float(np.abs(int8 - fp32).max()) > 0  # it did run another network
    clean = s.clean.astype(np.float32) / 255
    rmse = {k: float(np.sqrt(((v - clean) ** 2).mean())) for k, v in {"fp32": fp32, "int8": int8}.items()}
    assert rmse["int8"] < rmse["fp32"] * 1.05


def test_int8_upscales_as_fp32_does():
    page = make_lowres_sample(700_302, "val").noisy.astype(np.float32) / 255
    fp32 = clean_upscaled(get_model("upscale", "cpu", "fp32"), page, 2)
    int8 = clean_upscaled(get_model("upscale", "cpu", "int8"), page, 2)
    assert int8.shape == (page.shape[0] * 2, page.shape[1] * 2)
    assert float(np.abs(int8 - fp32).mean()) < 0.008


def test_precision_names_the_road_taken():
    assert get_model("default", "cpu", "int8").precision == "int8"
    assert get_model("default", "cpu", "fp32").precision == "fp32"


def test_auto_takes_int8_on_the_cpu_and_torch_where_asked():
    pt, cpu = WEIGHTS_DIR / "pagenet.pt", torch.device("cpu")
    assert int8_graph(pt, cpu, "auto") == onnx_runtime.quantized_path(pt)
    assert int8_graph(pt, cpu, "int8") == onnx_runtime.quantized_path(pt)
    for precision in ("fp32", "bf16"):
        assert int8_graph(pt, cpu, precision) is None
    assert get_model("default", "cpu", "auto").precision == "int8"
    assert get_model("conv", "cpu", "auto").onnx is None  # an article model has no graph: torch as before


def test_int8_is_for_the_cpu():
    with pytest.raises(BadRequest, match="CPU only"):
        int8_graph(WEIGHTS_DIR / "pagenet.pt", torch.device("cuda"), "int8")
    assert int8_graph(WEIGHTS_DIR / "pagenet.pt", torch.device("cuda"), "auto") is None


def test_a_graph_from_other_weights_is_never_run(tmp_path):
    """A user who replaces the weights but keeps the old graph gets torch with a warning, and
    a clear error where int8 was asked for."""
    pt = tmp_path / "mine.pt"
    pt.write_bytes((WEIGHTS_DIR / "pagenet.pt").read_bytes() + b"\0")  # other bytes, same graph beside it
    shutil.copy(onnx_runtime.quantized_path(WEIGHTS_DIR / "pagenet.pt"), onnx_runtime.quantized_path(pt))
    with pytest.warns(UserWarning, match="made from other weights"):
        assert int8_graph(pt, torch.device("cpu"), "auto") is None
    with pytest.raises(ModelNotFound, match="other weights"):
        int8_graph(pt, torch.device("cpu"), "int8")
    onnx_runtime.quantized_path(pt).unlink()
    with pytest.raises(ModelNotFound, match="missing"):
        int8_graph(pt, torch.device("cpu"), "int8")
    assert int8_graph(pt, torch.device("cpu"), "auto") is None  # no graph: torch, nothing to warn of
