"""``/v1/batches``: several files, a zip or a multi-page TIFF in one request; one job per image page
and one per PDF."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import redis
from fastapi import APIRouter, File, HTTPException, Request, UploadFile

from service.deps import BlobsDep, OptionsDep, RedisDep
from service.routes.jobs import ERRORS
from service.schemas import Batch, BatchCreated, BatchJob, Rejected
from service.submit import NotQueued, Options, submit
from service.uploads import Page, Refused, display_name, expand, read_capped
from worker.jobstore import jobs
from worker.jobstore.blobs import BlobStore

router = APIRouter(prefix="/v1/batches", tags=["batches"])


def accepted_pages(files: list[UploadFile], binarize: bool) -> tuple[list[Page], list[Refused]]:
    """Each file read under the byte cap and expanded into its pages (zip members, TIFF
    frames, a PDF as one page); what cannot be used is refused with the reason."""
    uploads, refused = [], []
    for f in files:
        name = display_name(f.filename)
        try:
            uploads.append((name, read_capped(f.file, name)))
        except Refused as e:
            refused.append(e)
    try:
        pages, more = expand(uploads)
    except Refused as e:
        raise HTTPException(e.status, e.error) from e
    refused += more
    if binarize:  # as for one job: a PDF's pages are written grey
        refused += [Refused(p.filename, 422, f"{p.filename}: binarize applies to images") for p in pages if p.pdf]
        pages = [p for p in pages if not p.pdf]
    if not pages:
        status = refused[0].status if len({e.status for e in refused}) == 1 else 422
        raise HTTPException(status, "no usable image in the batch: " + "; ".join(e.error for e in refused))
    return pages, refused


def queue_pages(
    request: Request, r: redis.Redis, blobs: BlobStore, batch_id: str, ids: list[str], pages: list[Page], opts: Options
) -> list[BatchJob]:
    """Store each page and queue its job. A multi-page file is stored once (each job reads its
    own frame); once the broker fails, the pages left are failed with the reason, untried."""
    frames = Counter(p.source for p in pages)
    created: list[BatchJob] = []
    stored: set[int] = set()
    broken = ""
    for job_id, page in zip(ids, pages):
        if frames[page.source] > 1:
            key = f"{batch_id}/s{page.source}"
            if page.source not in stored:
                blobs.put(key, page.data)
                stored.add(page.source)
        else:
            key = f"{job_id}/input"
            blobs.put(key, page.data)
        try:
            submit(
                r,
                input_key=key,
                job_id=job_id,
                filename=page.filename,
                page=page.index,
                width=page.info.width if page.info else 0,
                height=page.info.height if page.info else 0,
                opts=opts,
                batch=batch_id,
                pdf=page.pdf,
                unqueued=broken,
            )
            status = "failed" if broken else "queued"
        except NotQueued as e:
            broken, status = f"not queued: the broker failed for an earlier page of the batch ({e})", "failed"
        url = str(request.url_for("get_job", job_id=job_id))
        created.append(BatchJob(id=job_id, filename=page.filename, page=page.index + 1, status_url=url, status=status))
    return created


@router.post("", status_code=202, response_model=BatchCreated, responses=ERRORS)
def create_batch(
    request: Request,
    r: RedisDep,
    blobs: BlobsDep,
    files: Annotated[list[UploadFile], File(description="images, PDFs, zip archives of them, or multi-page TIFFs")],
    opts: OptionsDep,
) -> BatchCreated:
    """Submit many pages; files that are not usable images are listed under ``rejected`` and the
    rest go ahead (422 when none is usable)."""
    pages, refused = accepted_pages(files, opts.binarize)
    rejected = [Rejected(filename=e.filename, error=e.error, status=e.status) for e in refused]
    batch_id = jobs.new_id()
    ids = [jobs.new_id() for _ in pages]
    # The batch record first: whatever fails below, every page is listed in it, and each page
    # that could not be queued is a failed job with the reason (nothing is orphaned).
    jobs.create_batch(r, batch_id, ids, [x.model_dump() for x in rejected])
    created = queue_pages(request, r, blobs, batch_id, ids, pages, opts)
    return BatchCreated(
        id=batch_id, status_url=str(request.url_for("get_batch", batch_id=batch_id)), jobs=created, rejected=rejected
    )


@router.get("/{batch_id}", response_model=Batch, responses=ERRORS)
def get_batch(request: Request, r: RedisDep, batch_id: str) -> Batch:
    """Every job of the batch with its status, and counts by status."""
    batch = jobs.get_batch(r, batch_id)
    if batch is None:
        raise HTTPException(404, f"no batch {display_name(batch_id)[:64]!r} (unknown or expired)")
    base = str(request.base_url).rstrip("/")
    listed, counts = [], Counter()
    for job_id in batch["jobs"]:
        job = jobs.get(r, job_id)
        if job is None:
            counts["missing"] += 1
            listed.append({"id": job_id, "status": "missing"})
            continue
        counts[job["status"]] += 1
        d = jobs.describe(job, base)
        listed.append({k: d[k] for k in ("id", "status", "filename", "page", "error", "timings", "links")})
    summary = {
        "total": len(batch["jobs"]),
        **{s: counts[s] for s in ("queued", "running", "done", "failed", "missing")},
    }
    finished = summary["done"] + summary["failed"] + summary["missing"] == summary["total"]
    return Batch(
        id=batch["id"],
        status="done" if finished else "running",
        created=batch["created"],
        summary=summary,
        jobs=listed,
        rejected=[Rejected(**x) for x in batch["rejected"]],
    )
