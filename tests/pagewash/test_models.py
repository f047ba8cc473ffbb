import pytest
import torch

from pagewash.models import PATCH, PageNet, build_model, model_hparams


@pytest.mark.parametrize("arch", ["dense", "deep-dense", "conv"])
def test_article_models_map_patches_to_patches(arch):
    net = build_model(arch)
    y = net(torch.rand(5, 1, PATCH, PATCH))
    assert y.shape == (5, 1, PATCH, PATCH)
    assert y.min() >= 0 and y.max() <= 1


def test_article_parameter_counts_match_the_article():
    # (a) 784*56+56 + 56*784+784 ; (b) the 784-196-48-196-784 stack
    assert sum(p.numel() for p in build_model("dense").parameters()) == 784 * 56 + 56 + 56 * 784 + 784
    deep = (784 * 196 + 196) + (196 * 48 + 48) + (48 * 196 + 196) + (196 * 784 + 784)
    assert sum(p.numel() for p in build_model("deep-dense").parameters()) == deep


@pytest.mark.parametrize("h,w", [(64, 64), (128, 192), (320, 64)])
def test_pagenet_keeps_shape(h, w):
    net = PageNet().eval()
    with torch.no_grad():
        y = net(torch.rand(2, 1, h, w))
    assert y.shape == (2, 1, h, w)


def test_pagenet_starts_as_identity():
    net = PageNet().eval()
    x = torch.rand(1, 1, 64, 128)
    with torch.no_grad():
        assert torch.allclose(net(x), x)


def test_rebuild_from_hparams():
    net = PageNet()
    again = build_model("pagenet", model_hparams(net))
    assert again.stride == net.stride == 64


def test_unknown_arch():
    with pytest.raises(ValueError, match="unknown architecture"):
        build_model("nope")


def test_widening_keeps_what_the_model_computes(default_model):
    import copy

    from pagewash.models import widen

    net = copy.deepcopy(default_model.net).float().eval()
    wide = widen(net, [w + 8 for w in net.cfg.widths]).eval()
    x = torch.rand(1, 1, 128, 192)
    with torch.no_grad():
        assert torch.allclose(net(x), wide(x), atol=1e-6)
    assert sum(p.numel() for p in wide.parameters()) > sum(p.numel() for p in net.parameters())
    with pytest.raises(ValueError, match="at least"):
        widen(net, [8] * len(net.cfg.widths))


def test_upscaler_starts_as_bicubic_then_the_cleaner():
    import torch.nn.functional as F

    from pagewash.models import PageNetConfig, upscaler

    torch.manual_seed(0)
    net = PageNet(PageNetConfig(widths=[8, 8], blocks=[1, 1]))
    for p in net.parameters():
        torch.nn.init.normal_(p, std=0.05)
    up = upscaler(net.eval(), 2).eval()
    x = torch.rand(2, 1, 64, 96)
    with torch.no_grad():
        expected = net(F.interpolate(x, scale_factor=2, mode="bicubic").clamp(0, 1))
        assert up(x).shape == (2, 1, 128, 192)
        torch.testing.assert_close(up(x), expected)
    assert build_model("pagenet", model_hparams(up)).cfg.scale == 2  # the scale travels in the artifact
    with pytest.raises(ValueError, match="scale-1"):
        upscaler(up, 2)
