"""Response bodies, as the OpenAPI schema at ``/docs`` shows them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Error(BaseModel):
    detail: str = Field(description="what is wrong, in words")


class JobCreated(BaseModel):
    id: str
    status: str
    status_url: str


class JobOptions(BaseModel):
    ocr: bool = False
    lang: str = "eng"
    binarize: bool = False
    model: str = "default"
    callback_url: str | None = None
    upscale: str | None = None
    upscale_image: bool | None = None
    rotate: bool | None = None
    deskew: bool | None = None
    lines: bool | None = None
    remove_lines: bool | None = None


class Job(BaseModel):
    id: str
    status: str = Field(description="queued, running, done or failed")
    created: float | None = Field(description="Unix time")
    started: float | None
    finished: float | None
    filename: str | None = Field(description="the uploaded file's name, for display only")
    page: int = Field(description="page of the uploaded file, from 1")
    batch: str | None
    options: JobOptions
    width: int | None
    height: int | None
    attempts: int = Field(description="deliveries to a worker (more than 1 after a worker crash)")
    timings: dict[str, float] = Field(
        description="seconds per stage: queue, fetch, decode, denoise, encode, ocr_queue, ocr, total"
    )
    error: str | None
    ocr_confidence: float | None = Field(description="mean Tesseract word confidence, 0-100")
    ocr_source: str | None = Field(
        None,
        description="which page the OCR text (and then the image result) comes from: clean, or raw where "
        "Tesseract read the raw page more surely (PAGEWASH_VERIFY)",
    )
    ocr_scale: int | None = Field(
        None, description="how many times the page Tesseract read was upscaled (1: not); boxes are in upload pixels"
    )
    image_scale: int | None = Field(None, description="the image result's size against the upload's (1 or 2 or 4)")
    quarter: int | None = Field(
        None,
        description="quarter turns (counter-clockwise) the upload had and was turned back by (0-3; PAGEWASH_ROTATE)",
    )
    angle: float | None = Field(
        None, description="degrees of skew (counter-clockwise) undone (0: within 0.1 of level; PAGEWASH_DESKEW)"
    )
    lines_removed: bool | None = Field(
        None, description="OCR read the page without its ruling lines (PAGEWASH_LINES), or the image lost them"
    )
    callback: str | None = Field(description="webhook delivery state")
    kind: str = Field("page", description="page (an image page), or pdf (a whole PDF: its result is a PDF)")
    pages: int | None = Field(None, description="a PDF's page count")
    skipped_pages: list[int] = Field(
        [], description="a PDF's pages (from 1) that already had text: kept as they were, not cleaned or read"
    )
    note: str | None = Field(None, description="what the result should be read with (a PDF that is not PDF/A, ...)")
    links: dict[str, str]


class Rejected(BaseModel):
    filename: str
    error: str
    status: int = Field(description="the HTTP status this file alone would have got")


class BatchJob(BaseModel):
    id: str
    filename: str | None
    page: int
    status_url: str
    status: str = Field("queued", description="queued, or failed when the page could not be queued")


class BatchCreated(BaseModel):
    id: str
    status_url: str
    jobs: list[BatchJob]
    rejected: list[Rejected]


class Batch(BaseModel):
    id: str
    status: str = Field(description="running until every job is done or failed, then done")
    created: float
    summary: dict[str, int]
    jobs: list[dict[str, Any]]
    rejected: list[Rejected]


class Ready(BaseModel):
    redis: str
    workers: list[dict[str, Any]]
