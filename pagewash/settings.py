"""The one settings object. Every knob is an environment variable ``PAGEWASH_<NAME>``;
command-line flags override it for one run."""

from __future__ import annotations

import functools

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAGEWASH_", protected_namespaces=())

    model: str = "default"  # shipped model name (default, pagenet, dense1, dense, conv) or artifact path
    device: str = "auto"  # auto, cpu, cuda, cuda:N
    threads: int = 0  # torch intra-op threads; 0 = every core
    precision: str = "auto"  # auto (bf16 where the CPU/GPU does it fast), fp32, bf16, fp16
    tile: int = 4096  # pages larger than tile x tile (plus margins) are cleaned in overlapping tiles
    tile_overlap: int = 256  # pixels of context cropped off each tile edge
    keep_clean_below: float = 0.005  # mean |change| under which a page counts as already clean and is returned as is
    max_pixels: int = 120_000_000  # larger images are refused (decompression-bomb guard)
    tesseract_lang: str = "eng"
    tesseract_psm: int = 3
    tesseract_timeout: float = 120.0  # seconds per page


@functools.cache
def get_settings() -> Settings:
    return Settings()
