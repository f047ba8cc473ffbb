"""The Celery tasks: thin wrappers that take a job id and call ``worker.pipeline``."""

from __future__ import annotations

import logging
import random

import worker.heartbeat  # noqa: F401  (connects the liveness beat to the worker's signals)
import worker.held  # noqa: F401  (records the jobs this worker holds, for the reaper)
import worker.shutdown  # noqa: F401  (the grace period of a warm shutdown)
from pagewash.errors import PagewashError
from pagewash.settings import get_settings
from worker import pipeline
from worker.celery_app import app
from worker.jobstore import jobs
from worker.jobstore.redisconn import get_redis
from worker.webhook import Retryable

log = logging.getLogger(__name__)


@app.task(name="pagewash.clean")
def clean(job_id: str) -> None:
    """Denoise one page (queue ``clean``)."""
    pipeline.run_clean(job_id)


@app.task(name="pagewash.ocr")
def ocr(job_id: str) -> None:
    """Tesseract on a cleaned page (queue ``ocr``)."""
    pipeline.run_ocr(job_id)


@app.task(name="pagewash.pdf")
def pdf(job_id: str) -> None:
    """A whole PDF, cleaned (and made searchable) by OCRmyPDF with the pagewash plugin (queue ``ocr``)."""
    pipeline.run_pdf(job_id)


@app.task(name="pagewash.callback", bind=True, max_retries=None)
def callback(self, job_id: str) -> None:
    """Webhook POST, retried with exponential backoff and jitter (2 s, 4 s, ... capped at 10 min)
    for errors a retry may fix; the outcome is kept on the job record."""
    try:
        pipeline.deliver_callback(job_id)
    except Retryable as e:
        limit = get_settings().callback_retries
        if self.request.retries >= limit:
            jobs.update(get_redis(), job_id, callback=f"failed after {limit + 1} attempts: {e}")
            log.warning("job %s: webhook gave up: %s", job_id, e)
            return
        delay = min(2.0 ** (self.request.retries + 1), 600.0) * random.uniform(0.75, 1.25)
        jobs.update(get_redis(), job_id, callback=f"retrying ({e})")
        raise self.retry(countdown=delay) from e
    except PagewashError as e:
        jobs.update(get_redis(), job_id, callback=f"failed: {e}")
        log.warning("job %s: webhook refused: %s", job_id, e)
