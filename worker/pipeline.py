"""What a worker does with a job id: each step a plain function, composed in ``run_clean``
(queue ``clean``: fetch, decode, ``pagewash.chain.clean``, store), ``run_ocr`` (queue ``ocr``:
``pagewash.chain.read`` on the stored pages) and ``run_pdf`` (queue ``ocr``: a whole PDF
through OCRmyPDF and the plugin); the Celery tasks in ``worker.tasks`` only call these, and
the next task is queued by name (``send``), as the gateway queues the first.

Idempotent by construction: a job that is gone (deleted, expired) or final (done, failed)
is left alone; a job found ``running`` was cut off by a crash and is redone from its input,
its result blobs overwritten under the same keys. Each delivery counts an attempt, and a
job that has crashed its worker ``max_attempts`` times is failed instead of looping forever.

Redis going away mid-job (a restart, a failover) is nobody's fault but the store's: the job
neither fails nor ends quietly. Its task waits for Redis, for up to the job's deadline, and
then runs the job again from its input within the same delivery (no attempt counted), so
that its result, or its failure, is written once Redis takes writes (``run_claimed``).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from kombu.exceptions import OperationalError

from pagewash.errors import BadImage, JobTimeout, PagewashError
from pagewash.imageio import encode_png, image_dpi, load_page, to_u8
from pagewash.settings import get_settings, structure_choice, upscale_choice
from worker.deadline import deadline
from worker.jobstore import jobs
from worker.jobstore.blobs import get_blobs
from worker.jobstore.redisconn import DOWN, get_redis, patiently

if TYPE_CHECKING:
    from pagewash.geometry import Geometry

log = logging.getLogger(__name__)
T = TypeVar("T")
HOST = socket.gethostname()


def timed(stages: dict[str, float], stage: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    t0 = time.perf_counter()
    try:
        return fn(*args, **kwargs)
    finally:
        stages[stage] = time.perf_counter() - t0


STORE_DOWN = (*DOWN, OperationalError)  # Redis away, as the job store or as the broker (kombu's error)


def claim(job_id: str, counter: str, count: bool = True) -> dict[str, str] | None:
    """The job's record if this delivery should work on it, else None (gone, final, or out of
    attempts, in which case it is failed here). ``count`` False: the same delivery again,
    after Redis came back, which counts no attempt."""
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
    if not count:
        return job
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
    log.info("job %s: %s in %.2f s%s", job_id, status, total, f" ({error})" if error else "")
    done = jobs.get(r, job_id) or job
    jobs.observe(r, {**jobs.timings(done), "total": total})
    if hook:
        _send_callback(job_id)


def _send_callback(job_id: str) -> None:
    send("pagewash.callback", job_id)


def send(task: str, job_id: str) -> None:
    """Queue a task by its name, as the gateway does (this module sits below the tasks). The
    Celery app is imported on first use, so the broker is the one the settings name then."""
    from worker.celery_app import OCR_QUEUE, app

    app.send_task(task, args=[job_id], queue=OCR_QUEUE)


@dataclass
class CleanPage:
    image: bytes  # the image result (PNG)
    ocr_page: bytes | None  # what OCR reads where it differs from the image: the page upscaled for OCR only
    ocr_scale: int  # the OCR page's scale against the input
    image_scale: int  # the image's scale against the input
    geometry: dict[str, str]  # how both were set upright and straight, for the record (``geometry_of``)


def clean_page(job: dict[str, str], stages: dict[str, float]) -> CleanPage:
    """Fetch, decode, clean (and upscale, where asked or where OCR needs it), encode: the
    input blob -> the clean page as PNG bytes, and the page OCR reads where that differs
    (``pagewash.chain.clean``)."""
    from pagewash import chain
    from pagewash.geometry import Geometry
    from pagewash.imageio import scale_dpi
    from pagewash.model_store import get_model
    from worker.batcher import runner_for

    opts = jobs.options(job)
    data = timed(stages, "fetch", get_blobs().get, job["input"])
    if data is None:
        raise BadImage("the upload expired before a worker reached it")
    page = timed(stages, "decode", load_page, data, int(job.get("page", 0)))
    model = get_model(opts.get("model"))  # once per process; not denoise time
    # the client's upscale also upscales the image (unless upscale_image is false); unset, only OCR follows the setting
    upscale, upscale_image = upscale_choice(opts.get("upscale"), bool(opts.get("ocr")), opts.get("upscale_image"))
    cleaned = timed(
        stages,
        "denoise",
        chain.clean,
        model,
        page,
        upscale=upscale,
        upscale_image=upscale_image,
        binarize=bool(opts.get("binarize")),
        run_for=runner_for,
        structure=structure_of(opts),
    )
    dpi = scale_dpi(image_dpi(data), cleaned.image_factor)
    image = timed(stages, "encode", encode_png, cleaned.picture, dpi=dpi)
    ocr_page = encode_png(cleaned.ocr_page) if opts.get("ocr") and cleaned.ocr_page is not None else None
    g = cleaned.geometry or Geometry(page.shape[:2])
    record = {"quarter": str(g.quarter), "angle": f"{g.angle:g}", "page_shape": f"{g.shape[0]},{g.shape[1]}"}
    record["lines_removed"] = "1" if cleaned.lines_removed else "0"
    return CleanPage(image, ocr_page, cleaned.factor, cleaned.image_factor, record)


def structure_of(opts: dict[str, Any]):
    """The job's structure steps: its options, else the worker's settings."""
    return structure_choice(opts.get("rotate"), opts.get("deskew"), opts.get("lines"), opts.get("remove_lines"))


def geometry_of(job: dict[str, str]) -> Geometry | None:
    """The geometry the clean step recorded (None for a record written before it did)."""
    from pagewash.geometry import Geometry

    if not job.get("page_shape"):
        return None
    h, w = (int(v) for v in job["page_shape"].split(","))
    return Geometry((h, w), int(job.get("quarter") or 0), float(job.get("angle") or 0))


def run_clean(job_id: str) -> None:
    run_claimed(job_id, "attempts", clean_steps, "")


def run_claimed(job_id: str, counter: str, steps: Callable[..., None], what: str) -> None:
    """Claim the job and run its steps (``run_steps``). When Redis fails them, wait for it
    (at most ``PAGEWASH_JOB_TIMEOUT`` seconds) and run them again: a job must not end with a
    result nobody could record. Past that wait the error is raised, the task ends, and the
    job, held by nobody and in no queue, is the sweep's (``worker.sweep``) once Redis is back."""
    first = [True]

    def once() -> None:
        count, first[0] = first[0], False
        if not count:
            log.warning("job %s: Redis answers again; running the job again", job_id)
        run_steps(job_id, counter, steps, what, count)

    wait = get_settings().job_timeout
    try:
        patiently(f"job {job_id}", once, wait=wait, errors=STORE_DOWN)
    except STORE_DOWN:
        log.error("job %s: Redis still away after %g s; the sweep will send it again", job_id, wait)
        raise


def run_steps(job_id: str, counter: str, steps: Callable[..., None], what: str, count: bool) -> None:
    """Claim the job, run ``steps(job_id, job, stages)``, and end the job failed with a reason
    for whatever they raise: a bug must fail the job, not kill the worker or loop. Redis
    errors are raised: they are not the job's."""
    job = claim(job_id, counter, count)
    if job is None:
        return
    stages: dict[str, float] = {}
    try:
        steps(job_id, job, stages)
    except STORE_DOWN:
        raise
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
    scales = {"ocr_scale": cleaned.ocr_scale, "image_scale": cleaned.image_scale, **cleaned.geometry}
    if jobs.options(job).get("ocr"):
        jobs.update(r, job_id, results="image", cleaned_at=time.time(), **timing, **scales)
        send("pagewash.ocr", job_id)
    else:
        finish(job_id, "done", results="image", **timing, **scales)


def read_text(job: dict[str, str], image: bytes, ocr_page: bytes | None) -> dict[str, Any]:
    """Tesseract on the clean page (all three formats from one run), upscaled where the
    clean step upscaled it, with boxes in the input's pixels; with ``verify`` on, on the
    raw page too, keeping the read Tesseract is surer of (``pagewash.chain.read``)."""
    from pagewash import chain
    from pagewash.imageio import scale_dpi

    opts = jobs.options(job)
    factor, image_scale = int(job.get("ocr_scale") or 1), int(job.get("image_scale") or 1)
    upscaled = to_u8(load_page(ocr_page)) if ocr_page is not None else None
    cleaned = chain.Cleaned(to_u8(load_page(image)), upscaled, factor, image_scale, geometry_of(job))
    verify = get_settings().verify
    data = get_blobs().get(job["input"]) if verify else None
    raw = chain.raw_for_verify(load_page(data, int(job.get("page", 0))), verify, True) if data is not None else None
    done = chain.read(cleaned, raw, lang=opts.get("lang"), psm=None, unrule=structure_of(opts).lines)
    raw_png = None
    if done.source == "raw" and raw is not None and data is not None:
        raw_png = encode_png(done.picture, dpi=scale_dpi(image_dpi(data), image_scale))
    return {
        "text": done.result.text,
        "hocr": done.result.hocr or "",
        "tsv": done.result.tsv or "",
        "confidence": done.result.mean_confidence,
        "source": done.source,
        "raw_png": raw_png,
        "quarter": str(done.geometry.quarter),
        "angle": f"{done.geometry.angle:g}",
        "lines_removed": "1" if done.lines_removed or job.get("lines_removed") == "1" else "0",
    }


def run_ocr(job_id: str) -> None:
    run_claimed(job_id, "ocr_attempts", ocr_steps, "OCR")


def ocr_steps(job_id: str, job: dict[str, str], stages: dict[str, float]) -> None:
    t0 = time.time()
    stages["ocr_queue"] = t0 - float(job.get("cleaned_at", t0))
    with deadline(get_settings().job_timeout):
        separate = int(job.get("ocr_scale") or 1) != int(job.get("image_scale") or 1)  # upscaled for OCR only
        image = get_blobs().get(f"{job_id}/image")
        ocr_page = get_blobs().get(f"{job_id}/ocr_page") if separate else None
        if image is None or (separate and ocr_page is None):
            raise BadImage("the clean page expired before OCR reached it")
        out = timed(stages, "ocr", read_text, job, image, ocr_page)
        blobs = get_blobs()
        for name in jobs.OCR_RESULTS:
            blobs.put(f"{job_id}/{name}", out[name].encode())
        if out["raw_png"] is not None:  # the raw page read better: the image result follows the text
            blobs.put(f"{job_id}/image", out["raw_png"])
    extra = {"ocr_source": out["source"], **{k: out[k] for k in ("quarter", "angle", "lines_removed")}}
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
    pdf_job = PdfJob(
        ocr=ocr,
        lang=opts.get("lang") or settings.tesseract_lang,
        model=opts.get("model"),
        upscale=upscale_choice(opts.get("upscale"), ocr)[0],
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

    settings = get_settings()
    job = patiently("webhook", jobs.get, get_redis(), job_id, wait=settings.job_timeout)
    if job is None:
        return "gone"
    url = jobs.options(job).get("callback_url")
    if not url:
        return "none"
    code = webhook.post(url, jobs.describe(job), settings.allow_private_callbacks)
    patiently("webhook", jobs.update, get_redis(), job_id, callback=f"delivered ({code})", wait=settings.job_timeout)
    return "delivered"
