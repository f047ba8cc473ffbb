"""The denoising autoencoders: the source article's three, and the production network.

Every model maps a (B, 1, H, W) float page in [0, 1] (0 = ink, 1 = paper) to a page of the
same shape. The article's models are patch models: they see a 28x28 patch and nothing else,
so ``denoise_patches`` runs them over a page. The production model is fully convolutional
and takes any size divisible by its ``stride``; the engine pads to that.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

PATCH = 28  # side of the article models' square input


# ---------------------------------------------------------------- the article's three


class DenseAE(nn.Module):
    """Article model (a): 784 -> 56 (sigmoid) -> 784 (sigmoid)."""

    stride = PATCH

    def __init__(self, code: int = 56) -> None:
        super().__init__()
        self.encode = nn.Linear(PATCH * PATCH, code)
        self.decode = nn.Linear(code, PATCH * PATCH)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, 1, 28, 28)
        z = torch.sigmoid(self.encode(x.flatten(1)))  # (B, 56)
        return torch.sigmoid(self.decode(z)).view_as(x)


class DeepDenseAE(nn.Module):
    """Article model (b): 784 -> 196 (relu) -> 48 (sigmoid) -> 196 (relu) -> 784 (sigmoid)."""

    stride = PATCH

    def __init__(self, hidden: int = 196, code: int = 48) -> None:
        super().__init__()
        n = PATCH * PATCH
        self.encode = nn.Sequential(nn.Linear(n, hidden), nn.ReLU(), nn.Linear(hidden, code), nn.Sigmoid())
        self.decode = nn.Sequential(nn.Linear(code, hidden), nn.ReLU(), nn.Linear(hidden, n), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, 1, 28, 28)
        return self.decode(self.encode(x.flatten(1))).view_as(x)


class ConvAE(nn.Module):
    """Article model (c), with Keras' 'same' padding reproduced for the even 4x4 kernels.

    The article's last layer is a relu; a sigmoid keeps the output a valid intensity and
    is the only change.
    """

    stride = PATCH

    def __init__(self, code: int = 48) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 4)
        self.conv2 = nn.Conv2d(16, 8, 4)
        self.code = nn.Linear(8 * 14 * 14, code)
        self.expand = nn.Linear(code, 196)
        self.dconv1 = nn.Conv2d(4, 8, 4)
        self.dconv2 = nn.Conv2d(8, 4, 4)
        self.dconv3 = nn.Conv2d(4, 1, 4)

    @staticmethod
    def _same(x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, (1, 2, 1, 2))  # Keras 'same' for an even kernel pads 1 before, 2 after

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, 1, 28, 28)
        e = F.relu(self.conv1(self._same(x)))  # (B, 16, 28, 28)
        e = F.max_pool2d(e, 2)  # (B, 16, 14, 14)
        e = F.relu(self.conv2(self._same(e)))  # (B, 8, 14, 14)
        z = torch.sigmoid(self.code(e.flatten(1)))  # (B, 48)
        d = F.relu(self.expand(z)).view(-1, 4, 7, 7)  # (B, 4, 7, 7)
        d = F.interpolate(F.relu(self.dconv1(self._same(d))), scale_factor=2)  # (B, 8, 14, 14)
        d = F.interpolate(F.relu(self.dconv2(self._same(d))), scale_factor=2)  # (B, 4, 28, 28)
        return torch.sigmoid(self.dconv3(self._same(d)))  # (B, 1, 28, 28)


# ---------------------------------------------------------------- the production network


@dataclass
class PageNetConfig:
    unshuffle: int = 4  # full-res pixels folded into channels before any conv (speed)
    widths: list[int] = field(default_factory=lambda: [24, 32, 48, 64, 64])  # channels per level
    blocks: list[int] = field(default_factory=lambda: [1, 1, 1, 2, 2])  # residual blocks per level
    scale: int = 1  # output pixels per input pixel along each side (2: clean and upscale a low-resolution page)


class ResBlock(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.relu(self.conv1(x)))


class PageNet(nn.Module):
    """Multi-scale encoder-decoder that predicts a correction to add to the page.

    Pixel-unshuffle folds each 4x4 block into channels, so the finest level already works
    at a sixteenth of the pixels and the stroke detail travels in the channels. Each further
    level halves the resolution; at the deepest (1/64) a 3x3 conv spans about 200 page
    pixels, which is what stains, shadows and lighting gradients need. The global residual
    (output = input + correction) means an untouched page is the easy answer.

    With ``scale`` > 1 the page is upscaled (bicubic) first and the network corrects that:
    it learns what bicubic gets wrong, the blurred edges and lost strokes of small letters,
    together with the dirt. Started from a trained cleaner (``upscaler``) it computes at step
    0 exactly what "bicubic, then the cleaner" does, so training starts from that baseline.
    """

    def __init__(self, cfg: PageNetConfig | None = None) -> None:
        super().__init__()
        self.cfg = cfg = cfg or PageNetConfig()
        r, w = cfg.unshuffle, cfg.widths
        self.stride = r * 2 ** (len(w) - 1)
        self.stem = nn.Conv2d(r * r, w[0], 3, padding=1)
        self.down = nn.ModuleList(nn.Conv2d(a, b, 3, stride=2, padding=1) for a, b in zip(w, w[1:]))
        self.enc = nn.ModuleList(nn.Sequential(*[ResBlock(c) for _ in range(n)]) for c, n in zip(w, cfg.blocks))
        self.lateral = nn.ModuleList(nn.Conv2d(b, a, 1) for a, b in zip(w, w[1:]))
        self.dec = nn.ModuleList(nn.Conv2d(a, a, 3, padding=1) for a in w[:-1])
        self.head = nn.Conv2d(w[0], r * r, 3, padding=1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """The correction to add to ``x`` = ``base(page)``, at the output's size (unclamped)."""
        r = self.cfg.unshuffle
        h = F.relu(self.stem(F.pixel_unshuffle(x - 0.5, r)))  # (B, w0, H/4, W/4)
        skips = []
        for i, enc in enumerate(self.enc):
            if i:
                h = F.relu(self.down[i - 1](h))  # halve the resolution
            h = enc(h)
            skips.append(h)
        for i in reversed(range(len(self.dec))):
            up = F.interpolate(self.lateral[i](h), scale_factor=2, mode="nearest")
            h = F.relu(self.dec[i](skips[i] + up))
        return F.pixel_shuffle(self.head(h), r)  # (B, 1, H, W)

    def base(self, page: torch.Tensor) -> torch.Tensor:
        """What the network corrects: the page, or its bicubic upscaling (B, 1, H * s, W * s)."""
        s = self.cfg.scale
        return page if s == 1 else F.interpolate(page, scale_factor=s, mode="bicubic", align_corners=False).clamp(0, 1)

    def forward(self, page: torch.Tensor) -> torch.Tensor:  # (B, 1, H, W), H and W multiples of stride
        x = self.base(page)
        return x + self.residual(x)  # (B, 1, H * scale, W * scale)


@torch.no_grad()
def widen(net: PageNet, widths: list[int]) -> PageNet:
    """A PageNet with more channels per level that computes exactly what ``net`` does.

    Every old weight is copied; weights from a new channel into an old one start at zero, so
    the new channels change nothing until training gives them a say, and weights into new
    channels keep their random init, so they have something to learn from. This lets a
    trained model grow into its speed budget without starting over."""
    old = net.cfg.widths
    if len(widths) != len(old) or any(n < o for n, o in zip(widths, old)):
        raise ValueError(f"widths {widths} must have {len(old)} levels, each at least {old}")
    wide = PageNet(PageNetConfig(net.cfg.unshuffle, list(widths), list(net.cfg.blocks), net.cfg.scale))
    wide.head.weight.normal_(0, 1e-3)  # into the head from new channels is zeroed below anyway
    for small, big in zip(net.state_dict().values(), wide.state_dict().values()):
        if small.shape == big.shape:
            big.copy_(small)
            continue
        index = tuple(slice(0, n) for n in small.shape)
        big[index] = small
        if big.dim() == 4 and big.shape[1] > small.shape[1]:
            big[: small.shape[0], small.shape[1] :] = 0  # new inputs say nothing to old outputs
    return wide


@torch.no_grad()
def upscaler(net: PageNet, scale: int) -> PageNet:
    """A clean-and-upscale PageNet that starts as "bicubic, then ``net``" (a scale-1 cleaner,
    every weight copied): the baseline it is trained to beat, on low-resolution pages."""
    if net.cfg.scale != 1:
        raise ValueError("upscaler() starts from a scale-1 model")
    up = PageNet(PageNetConfig(net.cfg.unshuffle, list(net.cfg.widths), list(net.cfg.blocks), scale))
    up.load_state_dict(net.state_dict())
    return up


ARCHITECTURES: dict[str, type[nn.Module]] = {
    "dense": DenseAE,
    "deep-dense": DeepDenseAE,
    "conv": ConvAE,
    "pagenet": PageNet,
}


def build_model(arch: str, hparams: dict | None = None) -> nn.Module:
    """Rebuild a model from its architecture name and constructor arguments (as stored in an artifact)."""
    if arch not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {arch!r}; choose one of {', '.join(ARCHITECTURES)}")
    hparams = dict(hparams or {})
    if arch == "pagenet":
        return PageNet(PageNetConfig(**hparams))
    return ARCHITECTURES[arch](**hparams)


def model_hparams(model: nn.Module) -> dict:
    """The constructor arguments that ``build_model`` needs to rebuild ``model``."""
    if isinstance(model, PageNet):
        return asdict(model.cfg)
    return {}
