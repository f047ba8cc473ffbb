"""The training loop: synthetic pages (or a user's pairs) -> a model artifact.

    pagewash train --arch pagenet --steps 6000 --out runs/pagenet
    pagewash train --config my.toml --init default --pairs my_pairs/   # fine-tune

Defaults live in ``TrainConfig``; a TOML file overrides them and flags override the file.
Every ``val_every`` steps the model cleans the held-out split (fonts training never sees)
and is scored by PSNR and Tesseract CER; the best model so far is exported as an artifact.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import random
import time
import tomllib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from pagewash import onnx_runtime, tesseract
from pagewash.artifact import load_artifact, save_artifact
from pagewash.engine import denoise
from pagewash.imageio import resize_to, to_u8
from pagewash.metrics import fidelity, rmse, set_dark_change
from pagewash.model_store import Model, pick_dtype, resolve
from pagewash.models import PATCH, build_model, upscaler, widen
from pagewash.settings import device_name
from training.dataset import Mix, PagePool, fixed_pages, jitter, load_pairs, random_crops, split_pairs
from training.evaluate import ocr_cer
from training.synth import GENERATOR_VERSION, make_paper_sample

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    arch: str = "pagenet"  # dense1 | dense | conv | pagenet
    out: str = "runs/pagenet"  # run folder: checkpoint, history, curve, model.pt
    steps: int = 6000  # optimiser steps
    batch: int = 16  # crops per step
    crop: int = 256  # crop side in pixels (the article models always use 28)
    lr: float = 2e-3  # peak learning rate (cosine decay after warm-up)
    warmup: int = 200  # linear warm-up steps
    weight_decay: float = 1e-4
    ink_weight: float = 2.0  # extra loss weight on pixels that are ink in the clean page
    ink_margin: int = 0  # pixels around the ink that share its weight (0: the ink only, which makes edges bolder)
    ink_bias: float = 0.5  # share of crops taken at the inkiest of three spots (the rest uniform)
    pool_pages: int = 400  # synthetic pages held in memory for cropping
    show_through: float = 0.3  # base chance of show-through in training pages (the generator's own is 0.3)
    dust: float = 0.0  # base chance of dust (specks below a dot's size) in training pages (the generator's own is 0)
    paper_share: float = 0.0  # share of training pages whose print is fine and paper is not (``make_paper_sample``)
    val_paper: int = 0  # held-out paper pages scored by RMSE and dark-pixel change; their RMSE joins the selection
    gen_workers: int = 1  # processes generating fresh pages during training
    val_every: int = 500  # steps between validations
    val_pages: int = 24  # held-out pages scored by PSNR
    val_ocr_pages: int = 12  # of those, pages also read by Tesseract for CER
    seed: int = 1  # seeds crops, init and the synthetic page stream
    device: str = "auto"  # auto | cpu | cuda
    amp: str = "auto"  # auto | fp32 | bf16 | fp16 mixed precision
    threads: int = 0  # torch threads; 0 = all cores
    init: str = ""  # artifact path or shipped name to start from (fine-tuning)
    scale: int = 1  # pagenet output scale: 2 learns to clean and upscale low-resolution pages (training/lowres.py)
    widths: str = ""  # pagenet channels per level, e.g. "32,48,64,96,96"; with init, the init model grown to them
    pairs: str = ""  # folder with noisy/ and clean/ aligned pairs to train on instead of synthetic pages
    bank: str = ""  # folder of extra pairs (e.g. training/bank.py's Augraphy pages) mixed into synthetic batches
    bank_share: float = 0.25  # share of each batch's crops taken from the bank
    val_fraction: float = 0.15  # with pairs: share of them held out for validation and picking the best model
    patience: int = 0  # validations without improvement before stopping early (0 = run every step)
    minutes: float = 0.0  # wall-clock budget: the schedule ends with it, wherever the steps are (0 = none)
    resume: bool = False  # continue from out/ckpt.pt
    export: str = ""  # also copy the best artifact here (e.g. pagewash/weights/pagenet.pt)
    quantize: bool = True  # a PageNet's int8 graph beside the artifact, for CPUs without native bf16 (~10 s)

    @property
    def is_patch_model(self) -> bool:
        return self.arch != "pagenet"


ARCH_ALIASES = {"dense1": "dense", "dense": "deep-dense", "conv": "conv", "pagenet": "pagenet"}

# Fine-tuning on a user's pairs (`--init default --pairs DIR`) with no other flags: a short
# run, validated often on pairs held out from the folder, flips for variety, the loss fair
# to stroke edges (``ink_margin``); it anneals within a 9-minute budget whatever the CPU
# (``minutes``: on a slow one the steps run out of time before they run out), and stops
# early once it no longer improves.
PAIRS_DEFAULTS = {
    "steps": 4000,
    "minutes": 9.0,
    "batch": 8,
    "crop": 256,
    "lr": 5e-4,
    "warmup": 50,
    "ink_weight": 0.5,
    "ink_margin": 1,
    "ink_bias": 0.3,
    "val_every": 150,
    "val_ocr_pages": 0,
    "patience": 10,
}


def load_config(path: str | None, overrides: dict) -> TrainConfig:
    values = {}
    if path:
        with open(path, "rb") as f:
            values.update(tomllib.load(f))
    values.update({k: v for k, v in overrides.items() if v is not None})
    if values.get("pairs"):  # the fine-tuning recipe, under whatever the file or flags set
        values = {**PAIRS_DEFAULTS, **values}
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = set(values) - names
    if unknown:
        raise ValueError(f"unknown training option(s): {', '.join(sorted(unknown))}")
    return TrainConfig(**values)


def loss_fn(pred: torch.Tensor, clean: torch.Tensor, cfg: TrainConfig) -> torch.Tensor:
    """MSE for the article models (as the article); L1 + MSE with extra weight on ink for
    PageNet (and, with ``ink_margin``, on the paper right beside it: weighting the ink alone
    makes a pixel on a stroke's edge cheaper to get wrong dark than light, and the strokes
    come out bolder). Errors past white (or black) on pixels that are white (black) cost
    nothing, since the output is clamped to [0, 1] anyway."""
    err = pred - clean
    if cfg.is_patch_model:
        return (err**2).mean()
    err = torch.where(((clean >= 1) & (err > 0)) | ((clean <= 0) & (err < 0)), torch.zeros_like(err), err)
    ink = (clean < 0.5).float()
    if cfg.ink_margin:  # the paper beside a stroke weighs as much as the stroke: no gain in erring darker
        k = 2 * cfg.ink_margin + 1
        ink = torch.nn.functional.max_pool2d(ink, k, stride=1, padding=cfg.ink_margin)
    weight = 1 + cfg.ink_weight * ink
    return ((err.abs() + 4 * err**2) * weight).mean()


def lr_at(step: int, cfg: TrainConfig, spent: float = 0.0) -> float:
    """Linear warm-up, then cosine decay to 2% of the peak. ``spent``: the share of the
    wall-clock budget (``minutes``) used; the decay follows whichever of the steps and the
    clock is further along, so a run with a budget anneals and ends on time on any CPU."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    t = max((step - cfg.warmup) / max(1, cfg.steps - cfg.warmup), spent)
    return cfg.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(t, 1.0))))


def pixel_metrics(pages: list[np.ndarray], val: list) -> dict:
    """Mean RMSE, and PSNR of the mean squared error (a per-page mean would let one
    untouched clean page, at infinite PSNR, swamp the rest)."""
    errors = [rmse(p, s.clean) for p, s in zip(pages, val)]
    return {"rmse": float(np.mean(errors)), "psnr": float(-10 * np.log10(max(np.mean(np.square(errors)), 1e-12)))}


def validate(model: Model, val: list, ocr_pages: int, pool: ProcessPoolExecutor | None) -> dict:
    """PSNR on every held-out page; Tesseract CER on the first ``ocr_pages`` (if installed)."""
    model.net.eval()
    cleaned = [denoise(model, s.noisy.astype(np.float32) / 255) for s in val]
    model.net.train()
    out = pixel_metrics(cleaned, val)
    if ocr_pages and tesseract.available():
        jobs = [(to_u8(c), s.text) for c, s in zip(cleaned[:ocr_pages], val)]
        results = pool.map(ocr_cer, jobs) if pool else map(ocr_cer, jobs)
        out["cer"] = float(np.mean([c for c, _ in results]))
    return out


def paper_metrics(model: Model, pages: list) -> dict:
    """On fine print over damaged paper: RMSE, and the change in dark pixels over all the
    pages (+0.1: strokes 10% bolder than printed), the ink-fidelity half of the selection."""
    model.net.eval()
    found = [fidelity(s.clean, denoise(model, s.noisy.astype(np.float32) / 255)) for s in pages]
    model.net.train()
    return {"paper_rmse": float(np.mean([f["rmse"] for f in found])), "paper_dark": set_dark_change(found)}


def raw_metrics(val: list, ocr_pages: int, pool: ProcessPoolExecutor | None) -> dict:
    """The held-out inputs as they are: the line to beat (bicubic-upscaled for an upscaler,
    so they match the clean pages' size)."""
    inputs = [s.noisy if s.noisy.shape == s.clean.shape else resize_to(s.noisy, s.clean.shape) for s in val]
    out = pixel_metrics(inputs, val)
    if ocr_pages and tesseract.available():
        jobs = [(page, s.text) for page, s in zip(inputs, val[:ocr_pages])]
        results = pool.map(ocr_cer, jobs) if pool else map(ocr_cer, jobs)
        out["cer"] = float(np.mean([c for c, _ in results]))
    return out


def plot_curve(history: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    steps, losses = zip(*history["loss"]) if history["loss"] else ((), ())
    axes[0].plot(steps, losses, lw=0.8)
    axes[0].set(title="training loss", xlabel="step", yscale="log")
    for ax, key in ((axes[1], "psnr"), (axes[2], "cer")):
        pts = [(v["step"], v[key]) for v in history["val"] if key in v]
        if pts:
            ax.plot(*zip(*pts), marker="o", label="cleaned")
        if key in history.get("raw", {}):
            ax.axhline(history["raw"][key], color="grey", ls="--", label="raw input")
        ax.set(title=f"held-out {key.upper()}", xlabel="step")
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def build_net(cfg: TrainConfig, arch: str) -> tuple[torch.nn.Module, dict]:
    """The network to train and what its starting artifact said: a fresh one, or (``init``) a
    trained one, grown to ``widths`` and given an upscaling head where asked."""
    widths = [int(w) for w in cfg.widths.split(",")] if cfg.widths else None
    if not cfg.init:
        hparams = {"widths": widths} if widths else {}
        return build_model(arch, {**hparams, "scale": cfg.scale} if cfg.scale != 1 else hparams or None), {}
    net, info = load_artifact(resolve(cfg.init))
    if info["arch"] != arch:
        raise ValueError(f"--init is a {info['arch']} model but --arch is {arch}")
    if widths:
        net = widen(net, widths)
    if arch == "pagenet" and cfg.scale != net.cfg.scale:
        net = upscaler(net, cfg.scale)  # a trained cleaner grows an upscaling head
    return net, info


@dataclass
class Data:
    """What training draws from: the user's pairs, or a pool of synthetic pages refreshed as
    it goes (with a bank of other pairs mixed in); and the held-out pages it is judged on."""

    val: list
    paper: list = dataclasses.field(default_factory=list)  # held-out paper pages (``val_paper``)
    pairs: list | None = None
    pool: PagePool | None = None
    bank: list | None = None

    def pages(self) -> list:
        return self.pairs if self.pairs is not None else self.pool.pages


def load_data(cfg: TrainConfig) -> Data:
    if cfg.scale != 1 and cfg.bank:
        raise ValueError("--bank pairs are same-size pages; they cannot train an upscaling model (--scale)")
    pairs = load_pairs(cfg.pairs, cfg.scale) if cfg.pairs else None
    bank = load_pairs(cfg.bank) if cfg.bank and pairs is None else None
    if pairs is not None:
        pairs, val = split_pairs(pairs, cfg.val_fraction, cfg.seed)
        log.info("%d pairs to train on, %d held out for validation", len(pairs), len(val))
        return Data(val, pairs=pairs)
    val = fixed_pages("val", range(cfg.val_pages), size=None, scale=cfg.scale)
    mix = Mix(show_through_p=cfg.show_through, dust_p=cfg.dust, paper_share=cfg.paper_share)
    pool = PagePool(cfg.pool_pages, cfg.gen_workers, cfg.seed * 1_000_003, mix=mix, scale=cfg.scale)
    with tqdm(total=cfg.pool_pages, desc="generating pages", unit="page") as bar:
        pool.fill(bar)
    paper = [make_paper_sample(s, "val") for s in range(cfg.val_paper)]
    return Data(val, paper, pool=pool, bank=bank)


def next_batch(cfg: TrainConfig, data: Data, rng: random.Random) -> tuple[torch.Tensor, torch.Tensor]:
    """(noisy, clean) crops for one step: from the pages, a share from the bank, jittered."""
    crop = PATCH if cfg.is_patch_model else cfg.crop
    batch = cfg.batch * 16 if cfg.is_patch_model else cfg.batch
    from_bank = round(batch * cfg.bank_share) if data.bank else 0
    noisy, clean = random_crops(
        data.pages(), rng, batch - from_bank, crop, cfg.ink_bias, flips=data.pairs is not None, scale=cfg.scale
    )
    if from_bank:
        extra = random_crops(data.bank, rng, from_bank, crop, cfg.ink_bias)
        noisy, clean = torch.cat([noisy, extra[0]]), torch.cat([clean, extra[1]])
    return jitter(noisy, rng), clean


def save_checkpoint(path: Path, net: torch.nn.Module, opt: torch.optim.Optimizer, step: int, history: dict) -> None:
    tmp = path.with_name(path.name + ".part")
    torch.save({"model": net.state_dict(), "opt": opt.state_dict(), "step": step, "history": json.dumps(history)}, tmp)
    tmp.replace(path)


def resume(path: Path, net: torch.nn.Module, opt: torch.optim.Optimizer, device: torch.device) -> tuple[dict, int]:
    """(history, step) of the checkpoint at ``path``, its weights and optimiser state loaded."""
    state = torch.load(path, map_location=device, weights_only=True)
    net.load_state_dict(state["model"])
    opt.load_state_dict(state["opt"])
    log.info("resumed from %s at step %d", path, state["step"])
    return json.loads(state["history"]), state["step"]


def optimise(net, opt, cfg: TrainConfig, lr: float, noisy, clean, amp_dtype: torch.dtype | None) -> torch.Tensor:
    """One optimiser step on a batch (at learning rate ``lr``, gradients clipped) -> its loss."""
    for g in opt.param_groups:
        g["lr"] = lr
    with torch.autocast(noisy.device.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None):
        pred = net(noisy)
    loss = loss_fn(pred.float(), clean, cfg)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
    opt.step()
    return loss


def score_of(metrics: dict) -> float:
    """What selection minimises (see ``Best``)."""
    return metrics.get("cer", -metrics["psnr"]) + metrics.get("paper_rmse", 0.0)


@dataclass
class Best:
    """The best validation so far, by CER where Tesseract reads the pages (else by PSNR), plus
    the RMSE on paper pages where there are any (OCR and ink fidelity both count: the two are
    on a like scale, 0.05 of either is a lot), and the validations since it (for ``patience``)."""

    score: float = math.inf
    stale: int = 0

    def update(self, metrics: dict) -> bool:
        """Whether ``metrics`` are the best yet (a tie counts: the later model is kept)."""
        score = score_of(metrics)
        better = score <= self.score
        self.score, self.stale = (score, 0) if better else (self.score, self.stale + 1)
        return better


def train(cfg: TrainConfig) -> Path:
    """Run training; returns the path of the best exported artifact."""
    started = time.time()  # the budget (``minutes``) counts from here: loading and validating are part of the wait
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(dataclasses.asdict(cfg), indent=2))
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device = torch.device(device_name(cfg.device))
    amp_dtype = pick_dtype(device, cfg.amp)
    arch = ARCH_ALIASES.get(cfg.arch, cfg.arch)
    net, info = build_net(cfg, arch)
    net = net.to(device).train()
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    history: dict = {"loss": [], "val": []}
    step = 0
    ckpt = out / "ckpt.pt"
    if cfg.resume and ckpt.exists():
        history, step = resume(ckpt, net, opt, device)

    data = load_data(cfg)
    ocr_pool = ProcessPoolExecutor(max_workers=2) if tesseract.available() and cfg.val_ocr_pages else None
    if "raw" not in history:
        history["raw"] = raw_metrics(data.val, cfg.val_ocr_pages, ocr_pool)
        log.info("raw held-out pages: %s", history["raw"])
    loaded = Model(net, {"arch": arch}, device, amp_dtype)
    best = Best(min((score_of(v) for v in history["val"]), default=math.inf))
    artifact = out / "model.pt"

    def judge(step: int, minutes: float) -> dict:
        """Validate; export the model where it is the best so far. -> the metrics."""
        metrics = validate(loaded, data.val, cfg.val_ocr_pages, ocr_pool)
        if data.paper:
            metrics.update(paper_metrics(loaded, data.paper))
        metrics.update(step=step, minutes=minutes)
        history["val"].append(metrics)
        if best.update(metrics):
            save_artifact(
                artifact,
                net,
                arch,
                train_config=json.dumps(dataclasses.asdict(cfg)),
                metrics=json.dumps({"val": metrics, "raw": history["raw"]}),
                generator_version=GENERATOR_VERSION,
                steps=step,
                parent=str(info.get("path", cfg.init)),
            )
        return metrics

    if cfg.init and step == 0:  # the starting model is the one to beat (and kept if nothing does)
        best.score = math.inf
        log.info("starting model on the held-out pages: %s", judge(0, 0.0))
    bar = tqdm(total=cfg.steps, initial=step, desc=f"training {cfg.arch}", unit="step")
    t0 = time.time()

    def spent() -> float:
        return (time.time() - started) / (60 * cfg.minutes) if cfg.minutes else 0.0

    try:
        while step < cfg.steps:
            noisy, clean = (t.to(device) for t in next_batch(cfg, data, rng))
            loss = optimise(net, opt, cfg, lr_at(step, cfg, spent()), noisy, clean, amp_dtype)
            step += 1
            over = spent() >= 1
            if data.pool is not None:
                data.pool.refresh()
            if step % 10 == 0 or step == 1:
                history["loss"].append((step, loss.item()))
                bar.set_postfix(loss=f"{loss.item():.4f}", lr=f"{lr_at(step, cfg, spent()):.1e}")
            bar.update(1)
            if step % cfg.val_every == 0 or step == cfg.steps or over:
                metrics = judge(step, round((time.time() - t0) / 60, 1))
                bar.write(f"step {step}: " + ", ".join(f"{k}={v:.4f}" for k, v in metrics.items() if k != "step"))
                save_checkpoint(ckpt, net, opt, step, history)
                (out / "history.json").write_text(json.dumps(history, indent=1))
                plot_curve(history, out / "curve.png")
                if cfg.patience and best.stale >= cfg.patience:
                    bar.write(f"step {step}: no better for {best.stale} validations, stopping (best kept)")
                    break
                if over:
                    bar.write(f"step {step}: the {cfg.minutes:g}-minute budget is spent, stopping (best kept)")
                    break
    finally:
        bar.close()
        if data.pool is not None:
            data.pool.close()
        if ocr_pool is not None:
            ocr_pool.shutdown()
    graph = onnx_runtime.quantized_path(artifact)
    if cfg.quantize and not cfg.is_patch_model and artifact.exists():
        from training.quantize import quantize

        log.info("int8 graph %s: %s", graph, quantize(artifact))
    if cfg.export and artifact.exists():
        Path(cfg.export).parent.mkdir(parents=True, exist_ok=True)
        Path(cfg.export).write_bytes(artifact.read_bytes())
        if graph.is_file():  # made from these very bytes, so it belongs beside the copy too
            onnx_runtime.quantized_path(Path(cfg.export)).write_bytes(graph.read_bytes())
    return artifact
