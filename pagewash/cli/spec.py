"""How a command is declared: a name, its help, a function to run, and a function that lists
its flags. The flag list is a function so that building ``pagewash --help`` imports nothing,
and a command whose flags come from a heavy module (``train`` reads ``TrainConfig``) pays for
that import only when it is the command being run."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Arg:
    flags: tuple[str, ...]  # positional name, or "-o", "--output"
    options: dict[str, Any]  # keyword arguments of argparse's add_argument


def arg(*flags: str, **options: Any) -> Arg:
    return Arg(flags, options)


@dataclass(frozen=True)
class Command:
    name: str
    help: str  # one line in `pagewash --help`
    description: str  # the command's own --help
    run: Callable[[argparse.Namespace], int]  # exit code
    args: Callable[[], list[Arg]] = field(default=list)


def api_key(what: str = "") -> Arg:
    """``--api-key``; unset, the client sends ``PAGEWASH_API_KEY`` (``pagewash.Client``)."""
    suffix = f" {what}" if what else ""
    return arg("--api-key", default=None, help=f"X-Api-Key{suffix} (env PAGEWASH_API_KEY)")


LOG_LEVEL = arg("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])


def size(text: str) -> tuple[int, int]:
    """'WxH' -> (W, H)."""
    w, h = (int(v) for v in text.lower().split("x"))
    return w, h
