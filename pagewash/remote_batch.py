"""``pagewash clean --server URL``: the batch-folder mode, with the work done by a pagewash
service instead of this machine, through ``pagewash.Client``. Same inputs, same output
layout, same skip-what-exists rule as the local mode; each file is one batch (one job per
page), several files in flight.

Resuming: submitted batch ids are kept in ``OUT/.pagewash-server.json``; after an
interruption a file whose batch the server still has is collected instead of sent again.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pagewash.batch import Job, OcrOptions, Summary, is_pdf_file, n_frames, output_paths, pdf_outputs
from pagewash.client import Client
from pagewash.errors import BadImage, JobFailed, NotFound, ServiceError

STATE = ".pagewash-server.json"
OCR_RESULT = {"txt": "text", "hocr": "hocr", "tsv": "tsv"}


class State:
    """What was submitted, by source path: written atomically after each change (thread-safe)."""

    def __init__(self, out: Path):
        self.path = out / STATE
        self.lock = threading.Lock()
        try:
            self.known: dict[str, Any] = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            self.known = {}

    def remember(self, key: str, batch: dict[str, Any] | None) -> None:
        with self.lock:
            if batch is None:
                self.known.pop(key, None)
            else:
                self.known[key] = batch
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(STATE + ".part")
            tmp.write_text(json.dumps(self.known, indent=1))
            tmp.replace(self.path)


def submit(client: Client, state: State, job: Job, options: dict[str, Any]) -> list[str]:
    """Job ids of the file's pages, in page order: from an earlier run's batch when the server
    still has all of it and none of it failed (a page that failed is sent again, in a new
    batch), else from a new upload."""
    key = str(job.src.resolve())
    known = state.known.get(key)
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
    state.remember(key, {"batch": body["id"], "jobs": ids})
    return ids


def download(client: Client, job_id: str, kind: str, path: Path) -> None:
    data = client.result(job_id, kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)


def process(
    client: Client, state: State, job: Job, out: Path, options: dict[str, Any], ocr: OcrOptions | None
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
        state.remember(str(job.src.resolve()), None)
    return len(ids) - len(errors), "; ".join(errors)


def process_pdf(
    client: Client, state: State, job: Job, out: Path, options: dict[str, Any], ocr: OcrOptions | None
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
    state.remember(str(job.src.resolve()), None)
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
    summary = Summary()
    state = State(out)
    options = {"binarize": binarize, "ocr": ocr is not None, "model": model, "upscale": upscale}
    if ocr:
        options["lang"] = ocr.lang
    todo = []
    for job in jobs:
        if is_pdf_file(job.src):
            wanted = pdf_outputs(out, job.rel, ocr)
        else:
            wanted = output_paths(out, job.rel, n_frames(job.src))
            wanted += [p.with_suffix(f".{f}") for p in list(wanted) for f in (ocr.formats if ocr else ())]
        if not overwrite and all(p.exists() for p in wanted):
            summary.skipped += 1
            if progress:
                progress(job)
        else:
            todo.append(job)

    def one(job: Job) -> None:
        try:
            pages, error = process(client, state, job, out, options, ocr)
            with state.lock:
                summary.pages += pages
                summary.files += 1
                if error:
                    summary.failed.append((job.src, error))
        except (ServiceError, BadImage, OSError) as e:
            with state.lock:
                summary.failed.append((job.src, str(e)))
        if progress:
            progress(job)

    with Client(server, api_key) as client, ThreadPoolExecutor(max(concurrency, 1)) as pool:
        list(pool.map(one, todo))
    return summary
