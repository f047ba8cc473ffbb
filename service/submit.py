"""Turning an accepted page into a job: options checked, bytes stored, record written, task
sent (carrying only the job id). One function for single jobs and batches alike."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import asdict, dataclass

import redis

from pagewash import tesseract
from pagewash.errors import BadRequest, TesseractMissing
from pagewash.pdf import PdfFacts
from pagewash.settings import get_settings, parse_upscale
from pagewash.shipped import NAMES
from worker.celery_app import CLEAN_QUEUE, OCR_QUEUE, app
from worker.jobstore import jobs
from worker.webhook import check_url

log = logging.getLogger(__name__)


class NotQueued(Exception):
    """A batch page's task could not be sent; its record says failed, with the reason."""


LANG = re.compile(r"^[A-Za-z_]{2,20}(\+[A-Za-z_]{2,20}){0,4}$")


@dataclass
class Options:
    ocr: bool = False
    lang: str = "eng"
    binarize: bool = False
    model: str = "default"
    callback_url: str | None = None
    upscale: str | None = None  # auto, off, 2, 4; unset: OCR follows PAGEWASH_UPSCALE and the image keeps its size
    upscale_image: bool | None = None  # return the upscaled page too; unset: when ``upscale`` is given
    rotate: bool | None = None  # structure steps; unset: the server's settings (PAGEWASH_ROTATE, ...)
    deskew: bool | None = None
    lines: bool | None = None
    remove_lines: bool | None = None


def check_options(opts: Options) -> Options:
    """Refuse what a worker could only fail on later; the model is a shipped name (the server's
    own ``PAGEWASH_MODEL`` is what ``default`` means), never a client-chosen path."""
    if opts.model not in NAMES:
        raise BadRequest(f"unknown model {opts.model!r}: use one of {', '.join(NAMES)}")
    if not LANG.match(opts.lang):
        raise BadRequest(f"bad lang {opts.lang!r}: Tesseract codes such as eng or eng+deu")
    if opts.ocr and tesseract.available():
        try:
            tesseract.check(opts.lang)
        except TesseractMissing as e:  # a language this server lacks: the client's choice, so 422
            raise BadRequest(str(e)) from e
    if opts.callback_url:
        check_url(opts.callback_url, get_settings().allow_private_callbacks)
    if opts.upscale is not None:
        try:
            opts.upscale = parse_upscale(opts.upscale)
        except ValueError as e:
            raise BadRequest(str(e)) from e
    return opts


def submit(
    r: redis.Redis,
    *,
    input_key: str,
    job_id: str,
    filename: str,
    page: int,
    width: int,
    height: int,
    opts: Options,
    batch: str = "",
    pdf: PdfFacts | None = None,
    unqueued: str = "",
) -> str:
    """Write the record and send the task; the input blob must already be stored. A PDF is one
    job (task ``pagewash.pdf``) whose result is a PDF. When the task cannot be sent, a single
    job's record is removed (the client gets the error and nothing is left); a batch's page
    is kept and failed with the reason (its batch lists it), and ``unqueued`` fails it
    without trying (the broker already failed for an earlier page of the batch)."""
    record = {
        "filename": filename,
        "page": page,
        "input": input_key,
        "batch": batch,
        "width": width,
        "height": height,
        "options": asdict(opts),
    }
    if pdf is not None:
        record |= {"kind": "pdf", "pages": pdf.pages, "text_pages": ",".join(map(str, pdf.text_pages))}
    jobs.create(r, job_id, record)
    if unqueued:
        jobs.transition(r, job_id, "failed", finished=time.time(), error=unqueued)
        return job_id
    try:
        if pdf is not None:
            app.send_task("pagewash.pdf", args=[job_id], queue=OCR_QUEUE)
        else:
            app.send_task("pagewash.clean", args=[job_id], queue=CLEAN_QUEUE)
    except Exception as e:
        if not batch:
            jobs.delete(r, job_id)
            raise
        log.warning("job %s of batch %s could not be queued: %s", job_id, batch, e)
        jobs.transition(
            r, job_id, "failed", finished=time.time(), error=f"could not be queued: {type(e).__name__}: {e}"
        )
        raise NotQueued(str(e)) from e
    return job_id
