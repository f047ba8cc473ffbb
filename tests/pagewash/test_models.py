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
