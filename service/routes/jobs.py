"""``/v1/jobs``: submit one page, read its status and results, delete it."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, HTTPException, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool

from pagewash.pdf import PdfFacts
from service.deps import BlobsDep, OptionsDep, RedisDep
from service.schemas import Error, Job, JobCreated
from service.submit import submit
from service.uploads import Refused, check_upload, display_name, read_capped
from worker.jobstore import jobs

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
RESULT_TYPES = {
    "text": ("text/plain; charset=utf-8", "txt"),
    "hocr": ("text/html; charset=utf-8", "hocr"),
    "tsv": ("text/tab-separated-values; charset=utf-8", "tsv"),
}
ERRORS = {s: {"model": Error} for s in (401, 404, 409, 413, 415, 422)}


def _job_or_404(r, job_id: str) -> dict[str, str]:
    job = jobs.get(r, job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id[:64]!r} (unknown, deleted or expired)")
    return job


def _disposition(job: dict[str, str], suffix: str) -> str:
    """inline; filename=ASCII fallback; filename*=the real (UTF-8) name: header values are latin-1."""
    stem = (job.get("filename") or "page").rsplit(".", 1)[0] + suffix
    ascii_name = stem.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(stem)}"


def _blob_or_404(blobs, job_id: str, name: str) -> bytes:
    data = blobs.get(f"{job_id}/{name}")
    if data is None:
        raise HTTPException(404, f"the {name} result has expired")
    return data


def _done_or_409(job: dict[str, str]) -> None:
    if job["status"] == "failed":
        raise HTTPException(409, f"job failed: {job.get('error') or 'no reason recorded'}")
    if job["status"] != "done":
        raise HTTPException(409, f"job is {job['status']}; results exist once it is done")


@router.post("", status_code=202, response_model=JobCreated, responses=ERRORS)
def create_job(
    request: Request,
    r: RedisDep,
    blobs: BlobsDep,
    file: Annotated[
        UploadFile,
        File(
            description="one page image (PNG, JPEG, TIFF, BMP, WebP, GIF, PNM), or a scanned PDF (one job, PDF result)"
        ),
    ],
    opts: OptionsDep,
) -> JobCreated:
    """Submit one page, or one PDF; answers at once with the job id (the work happens on a
    worker). A PDF's result is a PDF (``/pdf``) with the cleaned pages, searchable with
    ``ocr=true`` (and its text at ``/text``)."""
    name = display_name(file.filename)
    try:
        data = read_capped(file.file, name)
        info = check_upload(data, name)
    except Refused as e:
        raise HTTPException(e.status, e.error) from e
    pdf = info if isinstance(info, PdfFacts) else None
    if pdf is not None and opts.binarize:
        raise HTTPException(422, f"{name}: binarize applies to images; a PDF's pages are written grey")
    if pdf is None and info.frames > 1:
        raise HTTPException(422, f"{name}: {info.frames} pages in one file; send it to /v1/batches (one job per page)")
    job_id = jobs.new_id()
    blobs.put(f"{job_id}/input", data)
    submit(
        r,
        input_key=f"{job_id}/input",
        job_id=job_id,
        filename=name,
        page=0,
        width=0 if pdf else info.width,
        height=0 if pdf else info.height,
        opts=opts,
        pdf=pdf,
    )
    return JobCreated(id=job_id, status="queued", status_url=str(request.url_for("get_job", job_id=job_id)))


@router.get("/{job_id}", response_model=Job, responses=ERRORS)
def get_job(request: Request, r: RedisDep, job_id: str) -> dict:
    """The job's status, timings per stage, error and result links."""
    return jobs.describe(_job_or_404(r, job_id), str(request.base_url).rstrip("/"))


@router.get("/{job_id}/image", responses={200: {"content": {"image/png": {}}}, **ERRORS})
def get_image(r: RedisDep, blobs: BlobsDep, job_id: str) -> Response:
    """The clean page as PNG (409 until the job is done)."""
    job = _job_or_404(r, job_id)
    if job.get("kind") == "pdf":
        raise HTTPException(404, "this job is a PDF: its result is at /pdf")
    _done_or_409(job)
    png = _blob_or_404(blobs, job_id, "image")
    return Response(png, media_type="image/png", headers={"Content-Disposition": _disposition(job, ".clean.png")})


@router.get("/{job_id}/pdf", responses={200: {"content": {"application/pdf": {}}}, **ERRORS})
def get_pdf(r: RedisDep, blobs: BlobsDep, job_id: str) -> Response:
    """A PDF job's result: the cleaned pages, searchable where the job asked for OCR (PDF/A
    unless the job's ``note`` says otherwise). 409 until the job is done."""
    job = _job_or_404(r, job_id)
    if job.get("kind") != "pdf":
        raise HTTPException(404, "this job is an image page: its result is at /image (PDF results are for PDF uploads)")
    _done_or_409(job)
    pdf = _blob_or_404(blobs, job_id, "pdf")
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": _disposition(job, ".clean.pdf")})


@router.get("/{job_id}/{kind}", responses={200: {"content": {"text/plain": {}}}, **ERRORS})
def get_text(r: RedisDep, blobs: BlobsDep, job_id: str, kind: str) -> Response:
    """OCR results: ``text``, ``hocr`` or ``tsv`` (404 when OCR was not asked for)."""
    if kind not in RESULT_TYPES:
        raise HTTPException(404, f"no result {kind[:20]!r}: image, text, hocr or tsv")
    job = _job_or_404(r, job_id)
    if not jobs.options(job).get("ocr"):
        raise HTTPException(404, "OCR was not asked for on this job (submit with ocr=true)")
    if job.get("kind") == "pdf" and kind != "text":
        raise HTTPException(404, f"a PDF job has no {kind} result: its text is at /text, its text layer in /pdf")
    _done_or_409(job)
    body = _blob_or_404(blobs, job_id, kind)
    media, ext = RESULT_TYPES[kind]
    headers = {"Content-Disposition": _disposition(job, f".{ext}")}
    if kind == "hocr":  # HTML from our origin: let a browser show it, never run anything in it
        headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return Response(body, media_type=media, headers=headers)


@router.delete("/{job_id}", status_code=204, responses=ERRORS)
async def delete_job(r: RedisDep, blobs: BlobsDep, job_id: str) -> Response:
    """Forget a job and its results now (a worker that picks it up later finds nothing to do)."""
    job = await run_in_threadpool(jobs.delete, r, job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id[:64]!r}")
    keys = [f"{job_id}/{n}" for n in (*jobs.RESULTS, *jobs.WORK)]
    if job.get("input", "").startswith(job_id):
        keys.append(job["input"])
    await run_in_threadpool(blobs.delete, *keys)
    return Response(status_code=204)
