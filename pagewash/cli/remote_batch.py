"""``pagewash clean --server URL``: the batch-folder mode, with the work done by a pagewash
service instead of this machine, through ``pagewash.Client``. Same inputs, same output
layout, same skip-what-exists rule as the local mode; each file is one batch (one job per
page), several files in flight.

Resuming: submitted batch ids are kept in ``OUT/.pagewash-server.json``; after an
interruption a file whose batch the server still has is collected instead of sent again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pagewash.cli.batch import Job, OcrOptions, Summary, already_done, is_pdf_file, output_paths, pdf_outputs
from pagewash.cli.statefile import StateFile
from pagewash.client import Client
from pagewash.errors import BadImage, Busy, JobFailed, NotFound, ServiceError, Unreachable

STATE = ".pagewash-server.json"
OCR_RESULT = {"txt": "text", "hocr": "hocr", "tsv": "tsv"}


def submit(client: Client, state: StateFile, job: Job, options: dict[str, Any]) -> list[str]:
    """Job ids of the file's pages, in page order: from an earlier run's batch when the server
    still has all of it and none of it failed (a page that failed is sent again, in a new
    batch), else from a new upload."""
    key = str(job.src.resolve())
    known = state.get(key)
    if known:
        try:
            summary = client.get_batch(known["batch"])["summary"]
            if summary["missing"] == 0 and summary["failed"] == 0:
                return known["jobs"]
        except NotFound:
            pass
    body = client.submit_batch([job.src], **options)
    if not body["jobs"]:
        raise ServiceError("; ".join(r["error"] for r in body["rejected"]) or "rejected")
    ids = [j["id"] for j in body["jobs"]]
    state.set(key, {"batch": body["id"], "jobs": ids})
    return ids


def download(client: Client, job_id: str, kind: str, path: Path) -> None:
    data = client.result(job_id, kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)


def process(
    client: Client, state: StateFile, job: Job, out: Path, options: dict[str, Any], ocr: OcrOptions | None
) -> tuple[int, str]:
    """One file through the service -> (pages written, failures as text, empty when none)."""
    if is_pdf_file(job.src):
        return process_pdf(client, state, job, out, options, ocr)
    ids = submit(client, state, job, options)
    paths = output_paths(out, job.rel, len(ids))
    errors = []
    for i, (job_id, path) in enumerate(zip(ids, paths), 1):
        try:
            client.wait(job_id)
        except JobFailed as e:
            errors.append(f"page {i}: {e.detail}" if len(ids) > 1 else e.detail)
            continue
        download(client, job_id, "image", path)
        for fmt in ocr.formats if ocr else ():
            download(client, job_id, OCR_RESULT[fmt], path.with_suffix(f".{fmt}"))
    if not errors:
        state.set(str(job.src.resolve()), None)
    return len(ids) - len(errors), "; ".join(errors)


def process_pdf(
    client: Client, state: StateFile, job: Job, out: Path, options: dict[str, Any], ocr: OcrOptions | None
) -> tuple[int, str]:
    """A PDF is one job on the server; its result is the PDF (and, with OCR, its text)."""
    (job_id,) = submit(client, state, job, {**options, "binarize": False})  # a PDF's pages stay grey
    try:
        record = client.wait(job_id)
    except JobFailed as e:
        return 0, e.detail
    paths = pdf_outputs(out, job.rel, ocr)
    download(client, job_id, "pdf", paths[0])
    if ocr is not None:
        download(client, job_id, "text", paths[1])
    state.set(str(job.src.resolve()), None)
    return int(record.get("pages") or 1), ""


def clean_via_server(
    jobs: list[Job],
    out: Path,
    server: str,
    *,
    api_key: str | None = None,
    concurrency: int = 4,
    binarize: bool = False,
    overwrite: bool = False,
    model: str | None = None,
    ocr: OcrOptions | None = None,
    upscale: str | None = None,
    progress: Callable[[Job], None] | None = None,
) -> Summary:
    """Clean (and OCR) ``jobs`` through a pagewash service into the same layout as
    ``clean_inputs``; ``upscale`` upscales the returned pages (the server decides OCR's)."""
    summary, counting = Summary(), threading.Lock()
    state = StateFile(out / STATE)
    options = {"binarize": binarize, "ocr": ocr is not None, "model": model, "upscale": upscale}
    if ocr:
        options["lang"] = ocr.lang
    todo = []
    for job in jobs:
        if already_done(job, out, ocr, overwrite):
            summary.skipped += 1
            if progress:
                progress(job)
        else:
            todo.append(job)

    def one(job: Job) -> None:
        try:
            pages, error = process(client, state, job, out, options, ocr)
            with counting:
                summary.pages += pages
                summary.files += 1
                if error:
                    summary.failed.append((job.src, error))
        except (Busy, Unreachable) as e:  # the service, not the file: kept for the next run
            with counting:
                summary.away.append((job.src, str(e)))
        except (ServiceError, BadImage, OSError) as e:
            with counting:
                summary.failed.append((job.src, str(e)))
        if progress:
            progress(job)

    with Client(server, api_key) as client, ThreadPoolExecutor(max(concurrency, 1)) as pool:
        list(pool.map(one, todo))
    return summary
