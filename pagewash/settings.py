"""The one settings object, and the one place an option left unset gets its default.

Every knob is an environment variable ``PAGEWASH_<NAME>``; command-line flags, API arguments
and job options override it for one call. ``model_name``, ``device_name`` and
``upscale_choice`` turn "not given" into what the settings say, for every caller alike (the
CLI, the Python API, the worker, the plugin): one rule, not one per caller."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def parse_upscale(value: str | int | None) -> str:
    """An ``upscale`` choice ('auto', 'off', 1, 2, 4, '2x'...) in one spelling: auto, off, 2 or 4."""
    text = "off" if value is None else str(value).strip().lower().removesuffix("x")
    text = {"1": "off", "none": "off", "false": "off", "0": "off", "no": "off"}.get(text, text)
    if text not in ("auto", "off", "2", "4"):
        raise ValueError(f"upscale must be auto, off, 2 or 4, not {value!r}")
    return text


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAGEWASH_", protected_namespaces=())

    # --- engine
    model: str = "default"  # shipped model name (default, pagenet, dense1, dense, conv) or artifact path
    device: str = "auto"  # auto, cpu, cuda, cuda:N
    threads: int = 0  # torch intra-op threads per process; 0 = every core (divided among prefork children)
    precision: str = "auto"  # auto (int8 on a CPU, bf16/fp16 on a GPU), fp32, bf16, fp16, int8 (CPU only)
    tile: int = 4096  # pages larger than tile x tile (plus margins) are cleaned in overlapping tiles
    tile_overlap: int = 256  # pixels of context cropped off each tile edge
    fix_polarity: bool = True  # turn white-on-dark text (slides, bands) dark-on-light before cleaning
    despeckle: bool = True  # paint over the specks the cleaner left: ink narrower than the print's dots
    upscale: str = "auto"  # OCR reads small text upscaled: auto (2x where the x-height is under 12 px), off, 2, 4
    upscale_model: str = "upscale"  # the clean-and-upscale (2x) model: shipped name or artifact path
    upscale_max_pixels: int = 40_000_000  # upscaling stops short of pages larger than this (4x becomes 2x or none)
    keep_clean_below: float = 0.01  # mean |change| under which a page counts as already clean and is returned as is
    batch: str = "auto"  # batch pages of concurrent jobs on one device: auto (on for CUDA), on, off
    max_batch: int = 8  # pages per batch when batching
    batch_window_ms: float = 5.0  # how long the device waits to fill a batch
    gpu_threads: int = 8  # Celery task threads feeding one GPU worker's batches (decode/encode run in them)
    max_pixels: int = 120_000_000  # larger images are refused (decompression-bomb guard)
    pdf_max_pages: int = 50  # pages per PDF (a PDF is one job: keep its run under pdf_timeout)
    pdf_max_page_pixels: int = 60_000_000  # a PDF page rendered past this is refused (huge page boxes, tiny images)
    pdf_timeout: float = 780.0  # s for OCRmyPDF on one PDF (with the probe and transfers, under visibility_timeout)
    pdf_memory_mb: int = 12_000  # address space for OCRmyPDF and its workers on one PDF (not applied on CUDA)
    pdf_workers: int = 2  # OCRmyPDF processes per PDF job on a worker (its pages run in parallel)
    pdf_probe_timeout: float = 20.0  # s to parse an uploaded PDF before it is refused as a possible bomb
    pdf_probe_memory_mb: int = 2048  # address space for that parse
    tesseract_lang: str = "eng"
    tesseract_psm: int = 3
    tesseract_timeout: float = 120.0  # seconds per page
    verify: bool = True  # OCR re-reads its unsure lines from the raw page, keeps the surer words (never worse than raw)
    rotate: bool = True  # turn pages fed sideways or upside down upright (the returned page and the one OCR reads)
    deskew: bool = True  # straighten pages skewed by up to 10 degrees (the returned page and the one OCR reads)
    lines: bool = True  # OCR also reads the page with its ruling lines removed, keeps the surer read
    remove_lines: bool = False  # the returned page loses its ruling lines too

    # --- service
    redis_url: str = "redis://127.0.0.1:6379/0"  # job records, blobs (by default) and the Celery broker
    host: str = "127.0.0.1"  # `pagewash serve` address
    port: int = 8000
    api_keys: str = ""  # comma-separated; when set, every /v1 call needs X-Api-Key

    # --- clients of a service (pagewash.Client, clean --server, watch --server, loadtest)
    server: str = ""  # the gateway `clean` and `watch` send pages to instead of cleaning here (--server)
    api_key: str = ""  # the X-Api-Key clients send (one of the gateway's api_keys)
    blob_dir: str = ""  # shared directory for image blobs instead of Redis (every gateway and worker must see it)
    job_ttl: int = 86_400  # seconds a job's record and results are kept after its last change
    max_upload_bytes: int = 50_000_000  # one upload (a file, or a whole batch request)
    max_upload_pixels: int = 60_000_000  # per page at the gateway (a 600-DPI A3 page is ~70 MP: raise it if needed)
    max_batch_files: int = 500  # pages per batch (files, zip members or TIFF frames)
    job_timeout: float = 300.0  # seconds a job may run on a worker before it is failed as timed out
    max_attempts: int = 3  # deliveries of one job (worker crashes) before it is failed as poison
    visibility_timeout: int = 900  # s before an unacknowledged job of a vanished worker is redelivered (> job_timeout)
    callback_retries: int = 6  # webhook POST attempts after the first, with exponential backoff
    allow_private_callbacks: bool = False  # let callback_url point at loopback/private/link-local addresses
    shutdown_grace: float = 60.0  # s a SIGTERMed worker lets its jobs finish before handing them back
    worker_heartbeat: float = 5.0  # seconds between a worker's liveness beats (readyz needs one within 3 beats)
    heartbeat_file: str = ""  # also touch this file on each beat (container health checks read its age)
    sweep_interval: float = 10.0  # s between sweeps for unfinished jobs that no worker holds and no queue carries
    orphan_grace: float = 30.0  # s such a job must stay so, over two sweeps or more, before it is sent again
    task_events: bool = False  # send Celery task events (for Flower's task views)

    @field_validator("upscale")
    @classmethod
    def _upscale(cls, value: str) -> str:
        return parse_upscale(value)

    def api_key_list(self) -> list[str]:
        return [k.strip() for k in self.api_keys.split(",") if k.strip()]


@functools.cache
def get_settings() -> Settings:
    return Settings()


def model_name(name: str | None) -> str:
    """The model a caller means: unset or ``default`` is ``PAGEWASH_MODEL`` (itself ``default``,
    the shipped cleaner, unless set), anything else is a shipped name or an artifact path."""
    return get_settings().model if name in (None, "", "default") else name


def device_name(want: str | None) -> str:
    """``cpu``, ``cuda`` or ``cuda:N``: unset is ``PAGEWASH_DEVICE``, and ``auto`` a GPU where
    there is one. Asking does not initialise CUDA, so a parent process may ask before a fork."""
    want = want or get_settings().device
    if want != "auto":
        return want
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@dataclass(frozen=True)
class Structure:
    """What the chain does to a page's structure before OCR (``pagewash.geometry``,
    ``pagewash.lines``)."""

    rotate: bool = True
    deskew: bool = True
    lines: bool = True  # from the page Tesseract reads
    remove_lines: bool = False  # from the page the caller gets


NO_STRUCTURE = Structure(rotate=False, deskew=False, lines=False, remove_lines=False)


def structure_choice(
    rotate: bool | None = None,
    deskew: bool | None = None,
    lines: bool | None = None,
    remove_lines: bool | None = None,
) -> Structure:
    """The structure steps a call asks for: each unset one as ``PAGEWASH_ROTATE``,
    ``PAGEWASH_DESKEW``, ``PAGEWASH_LINES`` and ``PAGEWASH_REMOVE_LINES`` say (the first three
    on, the last off)."""
    s = get_settings()
    pick = lambda asked, default: default if asked is None else bool(asked)  # noqa: E731
    return Structure(
        pick(rotate, s.rotate), pick(deskew, s.deskew), pick(lines, s.lines), pick(remove_lines, s.remove_lines)
    )


def upscale_choice(asked: str | None, ocr: bool, upscale_image: bool | None = None) -> tuple[str, bool]:
    """(the scale of the page OCR reads: auto, off, 2 or 4; whether the returned image has it too).

    An upscale the caller asked for applies to both, unless ``upscale_image`` says otherwise.
    Unset, OCR reads small text upscaled as ``PAGEWASH_UPSCALE`` says (auto) and the image
    keeps its size; without OCR nothing is upscaled."""
    image = asked is not None if upscale_image is None else upscale_image
    if asked is not None:
        return parse_upscale(asked), image
    return (get_settings().upscale if ocr else "off"), image
