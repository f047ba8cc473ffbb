import numpy as np
import pytest

from pagewash.engine import denoise


@pytest.mark.parametrize("shape", [(3, 5), (1, 1), (5, 3), (63, 65), (129, 257), (700, 517)])
def test_any_size_keeps_shape(tiny_model, shape):
    page = np.random.default_rng(0).random(shape, dtype=np.float32)
    out = denoise(tiny_model, page)
    assert out.shape == shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1


def test_tiles_match_whole_page_away_from_seams(tiny_model):
    page = np.random.default_rng(1).random((300, 400), dtype=np.float32)
    whole = denoise(tiny_model, page, tile=4096)
    tiled = denoise(tiny_model, page, tile=128, overlap=64)
    assert tiled.shape == whole.shape
    # the tiny net's receptive field is < 64 px, so cropped overlaps make tiling exact
    np.testing.assert_allclose(tiled, whole, atol=1e-4)


@pytest.mark.parametrize("name", ["dense1", "dense", "conv"])
def test_article_models_clean_odd_sizes(name):
    from pagewash.model_store import get_model

    model = get_model(name, "cpu")
    for shape in [(3, 5), (29, 57), (100, 31)]:
        out = denoise(model, np.ones(shape, np.float32))
        assert out.shape == shape


def test_default_model_huge_page(default_model):
    """Past the default tile (4096 px and 256 of context) both ways: three tiles down, the
    middle one seamed on all four sides, and two across."""
    page = np.ones((8500, 4700), np.float32)
    page[5000:5020, 100:4600] = 0.2  # across the seam at x = 4096, in the middle row of tiles
    out = denoise(default_model, page)
    assert out.shape == page.shape
    assert out[5010, 200:4500].mean() < 0.5  # the line survives across tile seams
    assert out[:4000].mean() > 0.97  # blank paper stays blank


def test_default_model_leaves_clean_page_alone(default_model):
    from training.synth import make_sample

    for seed in (0, 1, 2):
        s = make_sample(seed, "val", (600, 500))
        clean = s.clean.astype(np.float32) / 255
        out = denoise(default_model, clean)
        assert np.abs(out - clean).mean() < 0.02


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "LA", "P", "1", "I;16", "CMYK"])
def test_any_image_mode_through_loader_and_engine(default_model, mode):
    import io

    from PIL import Image

    from pagewash.imageio import load_page

    base = Image.fromarray(np.random.default_rng(2).integers(0, 256, (45, 67), dtype=np.uint8))
    if mode == "I;16":
        img = Image.fromarray(np.asarray(base).astype(np.uint16) * 257)
    else:
        img = base.convert(mode)
    buf = io.BytesIO()
    img.save(buf, format="TIFF" if mode == "CMYK" else "PNG")
    page = load_page(buf.getvalue())
    out = denoise(default_model, page)
    assert out.shape == (45, 67) and out.min() >= 0 and out.max() <= 1


def test_clean_page_comes_back_untouched(default_model):
    from training.synth import make_sample

    clean = make_sample(9, "val", (600, 500)).clean.astype(np.float32) / 255
    assert np.array_equal(denoise(default_model, clean), clean)


@pytest.fixture(scope="module")
def tiny_upscaler(tmp_path_factory):
    import torch

    from pagewash.artifact import save_artifact
    from pagewash.model_store import get_model
    from pagewash.models import PageNet, PageNetConfig

    torch.manual_seed(0)
    net = PageNet(PageNetConfig(widths=[8, 8], blocks=[1, 1], scale=2))
    for p in net.parameters():
        torch.nn.init.normal_(p, std=0.05)
    path = tmp_path_factory.mktemp("models") / "tiny-x2.pt"
    save_artifact(path, net, "pagenet", metrics="{}", generator_version="test")
    return get_model(str(path), "cpu", "fp32")


@pytest.mark.parametrize("shape", [(3, 5), (63, 65), (129, 257)])
def test_an_upscaler_doubles_any_size(tiny_upscaler, shape):
    page = np.random.default_rng(0).random(shape, dtype=np.float32)
    out = denoise(tiny_upscaler, page)
    assert out.shape == (shape[0] * 2, shape[1] * 2) and out.min() >= 0 and out.max() <= 1


def test_upscaler_tiles_match_the_whole_page(tiny_upscaler):
    page = np.random.default_rng(1).random((300, 400), dtype=np.float32)
    whole = denoise(tiny_upscaler, page, tile=4096)
    tiled = denoise(tiny_upscaler, page, tile=256, overlap=128)  # output pixels: 128 and 64 of the input
    np.testing.assert_allclose(tiled, whole, atol=1e-4)
