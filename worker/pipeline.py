"""What a worker does with a job id: each step a plain function, composed in ``run_clean``
and ``run_ocr``; the Celery tasks in ``worker.tasks`` only call these.

Idempotent by construction: a job that is gone (deleted, expired) or final (done, failed)
is left alone; a job found ``running`` was cut off by a crash and is redone from its input,
its result blobs overwritten under the same keys. Each delivery counts an attempt, and a
job that has crashed its worker ``max_attempts`` times is failed instead of looping forever.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from jobstore import jobs
from jobstore.blobs import get_blobs
from jobstore.redisconn import get_redis
from pagewash.errors import BadImage, JobTimeout, PagewashError
from pagewash.imageio import encode_png, image_dpi, load_page, to_u8
from pagewash.settings import get_settings
from worker.deadline import deadline

log = logging.getLogger(__name__)
T = TypeVar("T")
HOST = socket.gethostname()


def timed(stages: dict[str, float], stage: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    t0 = time.perf_counter()
    try:
        return fn(*args, **kwargs)
    finally:
        stages[stage] = time.perf_counter() - t0


def claim(job_id: str, counter: str) -> dict[str, str] | None:
    """The job's record if this delivery should work on it, else None (gone, final, or out of
    attempts, in which case it is failed here)."""
    r = get_redis()
    job = jobs.get(r, job_id)
    if job is None:
        log.info("job %s: no record (deleted or expired), nothing to do", job_id)
        return None
    if job["status"] in jobs.FINAL:
        log.info("job %s: already %s, redelivery ignored", job_id, job["status"])
        if job.get("callback") == "pending":  # the worker died between finishing and the webhook
            _send_callback(job_id)
        return None
    attempt = jobs.incr(r, job_id, counter)
    if attempt < 0:  # deleted or finished since we looked
        return None
    limit = get_settings().max_attempts
    if attempt > limit:
        finish(job_id, "failed", error=f"gave up after {limit} attempts: the job crashed or lost its worker each time")
        return None
    return job


def finish(job_id: str, status: str, error: str = "", **fields: Any) -> None:
    """Final transition, stage histograms, and the webhook; a job that was already final
    (a duplicate delivery racing this one) is left as it was."""
    r = get_redis()
    now = time.time()
    job = jobs.get(r, job_id)
    if job is None:
        return
    total = now - float(job["created"])
    hook = bool(jobs.options(job).get("callback_url"))
    if hook:
        fields["callback"] = "pending"  # set with the final status: a crash before the send is seen
    if jobs.transition(r, job_id, status, finished=now, t_total=total, error=error, **fields) != 1:
        return
    done = jobs.get(r, job_id) or job
    jobs.observe(r, {**jobs.timings(done), "total": total})
    log.info("job %s: %s in %.2f s%s", job_id, status, total, f" ({error})" if error else "")
    if hook:
        _send_callback(job_id)


def _send_callback(job_id: str) -> None:
    from worker.tasks import callback

    callback.delay(job_id)


@dataclass
class CleanPage:
    image: bytes  # the image result (PNG)
    ocr_page: bytes | None  # what OCR reads where it differs from the image: the page upscaled for OCR only
    ocr_scale: int  # the OCR page's scale against the input
    image_scale: int  # the image's scale against the input


def clean_page(job: dict[str, str], stages: dict[str, float]) -> CleanPage:
    """Fetch, decode, clean (and upscale, where asked or where OCR needs it), encode: the
    input blob -> the clean page as PNG bytes, and the page OCR reads where that differs."""
    from pagewash.engine import binarize
    from pagewash.imageio import scale_dpi
    from pagewash.model_store import get_model
    from pagewash.upscale import prepare
    from worker.batcher import runner_for

    opts = jobs.options(job)
    data = timed(stages, "fetch", get_blobs().get, job["input"])
    if data is None:
        raise BadImage("the upload expired before a worker reached it")
    page = timed(stages, "decode", load_page, data, int(job.get("page", 0)))
    name = opts.get("model")
    model = get_model(None if name in (None, "default") else name)  # once per process; not denoise time
    asked = opts.get("upscale")  # the client's choice also upscales the image; unset, only OCR follows the setting
    upscale = asked or (get_settings().upscale if opts.get("ocr") else "off")
    upscale_image = opts.get("upscale_image")  # false: OCR at the asked size, the image at the upload's
    upscale_image = asked is not None if upscale_image is None else upscale_image
    ready = timed(stages, "denoise", prepare, model, page, upscale, upscale_image, runner_for)
    dpi = image_dpi(data)
    out = binarize(ready.image) if opts.get("binarize") else to_u8(ready.image)
    image = timed(stages, "encode", encode_png, out, dpi=scale_dpi(dpi, ready.image_factor))
    ocr_page = encode_png(ready.ocr) if opts.get("ocr") and ready.factor != ready.image_factor else None
    return CleanPage(image, ocr_page, ready.factor, ready.image_factor)


def run_clean(job_id: str) -> None:
    run_claimed(job_id, "attempts", clean_steps, "")


def run_claimed(job_id: str, counter: str, steps: Callable[..., None], what: str) -> None:
    """Claim the job, run ``steps(job_id, job, stages)``, and end the job failed with a reason
    for whatever they raise: a bug must fail the job, not kill the worker or loop."""
    job = claim(job_id, counter)
    if job is None:
        return
    stages: dict[str, float] = {}
    try:
        steps(job_id, job, stages)
    except PagewashError as e:
        finish(job_id, "failed", error=f"{what}: {e}" if what else str(e), **{"t_" + k: v for k, v in stages.items()})
    except Exception as e:
        log.exception("job %s: unexpected %serror", job_id, f"{what} " if what else "")
        label = f"internal {what} error" if what else "internal error"
        finish(job_id, "failed", error=f"{label}: {type(e).__name__}: {e}")


def mark_running(r, job_id: str, job: dict[str, str]) -> float:
    """queued -> running, with the queue time and where it runs (the reaper and the poison
    test read the pid); the start time."""
    started = time.time()
    jobs.transition(
        r, job_id, "running", started=started, t_queue=started - float(job["created"]), worker=HOST, pid=os.getpid()
    )
    return started


def clean_steps(job_id: str, job: dict[str, str], stages: dict[str, float]) -> None:
    r, settings = get_redis(), get_settings()
    started = mark_running(r, job_id, job)
    with deadline(settings.job_timeout):
        cleaned = clean_page(job, stages)
        if time.time() - started > settings.job_timeout:  # threads pool (GPU): no timer, check here
            raise JobTimeout(f"the job ran past its deadline of {settings.job_timeout:g} s")
        get_blobs().put(f"{job_id}/image", cleaned.image)
        if cleaned.ocr_page is not None:
            get_blobs().put(f"{job_id}/ocr_page", cleaned.ocr_page)
    timing = {"t_" + k: v for k, v in stages.items()}
    scales = {"ocr_scale": cleaned.ocr_scale, "image_scale": cleaned.image_scale}
    if jobs.options(job).get("ocr"):
        jobs.update(r, job_id, results="image", cleaned_at=time.time(), **timing, **scales)
        from worker.tasks import ocr

        ocr.delay(job_id)
    else:
        finish(job_id, "done", results="image", **timing, **scales)


def read_text(job: dict[str, str], png: bytes) -> dict[str, Any]:
    """Tesseract on the clean page (all three formats from one run), upscaled where the
    clean step upscaled it, with boxes in the input's pixels; with ``verify`` on, on the
    raw page too, keeping the read Tesseract is surer of (``pagewash.verify``)."""
    from pagewash.imageio import at_scale, scale_dpi
    from pagewash.verify import read

    opts = jobs.options(job)
    cleaned, formats = load_page(png), ("txt", "hocr", "tsv")
    factor, image_scale = int(job.get("ocr_scale") or 1), int(job.get("image_scale") or 1)
    data = get_blobs().get(job["input"]) if get_settings().verify else None
    raw = load_page(data, int(job.get("page", 0))) if data is not None else None
    also = ()
    if raw is not None and factor != image_scale:  # upscaled for OCR only: the image at its size competes too
        image = get_blobs().get(f"{job['id']}/image")
        also = (load_page(image),) if image is not None else ()
    result, source = read(raw, cleaned, factor, lang=opts.get("lang"), psm=None, formats=formats, also=also)
    raw_png = None
    if source == "raw" and raw is not None and data is not None:
        raw_png = encode_png(to_u8(at_scale(raw, image_scale)), dpi=scale_dpi(image_dpi(data), image_scale))
    return {
        "text": result.text,
        "hocr": result.hocr or "",
        "tsv": result.tsv or "",
        "confidence": result.mean_confidence,
        "source": source,
        "raw_png": raw_png,
    }


def run_ocr(job_id: str) -> None:
    run_claimed(job_id, "ocr_attempts", ocr_steps, "OCR")


def ocr_steps(job_id: str, job: dict[str, str], stages: dict[str, float]) -> None:
    t0 = time.time()
    stages["ocr_queue"] = t0 - float(job.get("cleaned_at", t0))
    with deadline(get_settings().job_timeout):
        separate = int(job.get("ocr_scale") or 1) != int(job.get("image_scale") or 1)  # upscaled for OCR only
        png = get_blobs().get(f"{job_id}/ocr_page" if separate else f"{job_id}/image")
        if png is None:
            raise BadImage("the clean page expired before OCR reached it")
        out = timed(stages, "ocr", read_text, job, png)
        blobs = get_blobs()
        for name in jobs.OCR_RESULTS:
            blobs.put(f"{job_id}/{name}", out[name].encode())
        if out["raw_png"] is not None:  # the raw page read better: the image result follows the text
            blobs.put(f"{job_id}/image", out["raw_png"])
    extra = {"ocr_source": out["source"]}
    if out["confidence"] is not None:
        extra["ocr_confidence"] = out["confidence"]
    results = ",".join(("image", *jobs.OCR_RESULTS))
    finish(job_id, "done", results=results, **{"t_" + k: v for k, v in stages.items()}, **extra)


def run_pdf(job_id: str) -> None:
    run_claimed(job_id, "attempts", pdf_steps, "")


def pdf_steps(job_id: str, job: dict[str, str], stages: dict[str, float]) -> None:
    """A whole PDF through OCRmyPDF and the pagewash plugin (``pagewash.pdf.process_pdf``, in a
    child process with its own deadline, ``PAGEWASH_PDF_TIMEOUT``): the PDF, and its text."""
    import tempfile
    from pathlib import Path

    from pagewash.pdf import PdfJob, process_pdf

    r, settings = get_redis(), get_settings()
    mark_running(r, job_id, job)
    opts = jobs.options(job)
    data = timed(stages, "fetch", get_blobs().get, job["input"])
    if data is None:
        raise BadImage("the upload expired before a worker reached it")
    ocr = bool(opts.get("ocr"))
    name = opts.get("model")
    pdf_job = PdfJob(
        ocr=ocr,
        lang=opts.get("lang") or settings.tesseract_lang,
        model=None if name in (None, "default") else name,
        upscale=opts.get("upscale") or (settings.upscale if ocr else "off"),
        jobs=settings.pdf_workers,
    )
    with tempfile.TemporaryDirectory(prefix="pagewash-pdf-") as tmp:
        src, dst, txt = Path(tmp) / "in.pdf", Path(tmp) / "out.pdf", Path(tmp) / "out.txt"
        src.write_bytes(data)
        result = timed(stages, "pdf", process_pdf, src, dst, pdf_job, txt if ocr else None)
        if jobs.get(r, job_id) is None:  # deleted while it ran: store nothing
            return
        get_blobs().put(f"{job_id}/pdf", dst.read_bytes())
        if ocr:
            get_blobs().put(f"{job_id}/text", txt.read_bytes())
    finish(
        job_id,
        "done",
        results="pdf,text" if ocr else "pdf",
        pages=result.pages,
        skipped_pages=",".join(map(str, result.skipped)),
        note=result.describe(),
        **{"t_" + k: v for k, v in stages.items()},
    )


def deliver_callback(job_id: str) -> str:
    """POST the finished job's JSON to its callback_url once (the task retries)."""
    from worker import webhook

    job = jobs.get(get_redis(), job_id)
    if job is None:
        return "gone"
    url = jobs.options(job).get("callback_url")
    if not url:
        return "none"
    code = webhook.post(url, jobs.describe(job), get_settings().allow_private_callbacks)
    jobs.update(get_redis(), job_id, callback=f"delivered ({code})")
    return "delivered"
