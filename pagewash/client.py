"""``pagewash clean --server URL``: the batch-folder mode, with the work done by a pagewash
service instead of this machine. Same inputs, same output layout, same skip-what-exists rule
as the local mode; each file is one batch (one job per page), several files in flight.

Resuming: submitted batch ids are kept in ``OUT/.pagewash-server.json``; after an
interruption a file whose batch the server still has is collected instead of sent again.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from pagewash.batch import Job, OcrOptions, Summary, is_pdf_file, n_frames, output_paths, pdf_outputs

STATE = ".pagewash-server.json"
OCR_RESULT = {"txt": "text", "hocr": "hocr", "tsv": "tsv"}


class ServerError(Exception):
    pass


class Client:
    """A thin, retrying wrapper over the HTTP API (thread-safe: one httpx client, a lock for state)."""

    def __init__(self, server: str, api_key: str | None, out: Path, timeout: float = 60.0):
        headers = {"X-Api-Key": api_key} if api_key else {}
        self.http = httpx.Client(base_url=server.rstrip("/"), headers=headers, timeout=timeout)
        self.state_path = out / STATE
        self.lock = threading.Lock()
        try:
            self.state: dict[str, Any] = json.loads(self.state_path.read_text())
        except (FileNotFoundError, ValueError):
            self.state = {}

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        """Retry with backoff what is safe to retry: a restarting gateway is not a failure, but a
        POST whose request went out is never sent twice (that would make a second batch); only
        refusals before any work (connection refused, 429) are retried for it."""
        delay = 0.5
        idempotent = method in ("GET", "HEAD", "DELETE")
        for attempt in range(8):
            try:
                response = self.http.request(method, url, **kw)
                if response.status_code == 429 or (idempotent and response.status_code >= 500):
                    problem = f"{response.status_code} {detail(response)}"
                else:
                    return response
            except httpx.ConnectError as e:
                problem = f"{type(e).__name__}: {e}"
            except httpx.TransportError as e:
                if not idempotent:
                    raise ServerError(f"{method} {url}: {type(e).__name__}: {e}") from e
                problem = f"{type(e).__name__}: {e}"
            if attempt == 7:
                break
            time.sleep(delay)
            delay = min(delay * 2, 10.0)
        raise ServerError(f"{method} {url}: {problem}")

    def remember(self, key: str, batch: dict[str, Any] | None) -> None:
        with self.lock:
            if batch is None:
                self.state.pop(key, None)
            else:
                self.state[key] = batch
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.state_path.with_name(STATE + ".part")
            tmp.write_text(json.dumps(self.state, indent=1))
            tmp.replace(self.state_path)


def detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))
    except ValueError:
        return response.text[:200]


def submit(client: Client, job: Job, form: dict[str, str]) -> list[str]:
    """Job ids of the file's pages, in page order: from an earlier run's batch when the server
    still knows it, else from a new upload."""
    key = str(job.src.resolve())
    known = client.state.get(key)
    if known:
        response = client.request("GET", f"/v1/batches/{known['batch']}")
        if response.status_code == 200 and response.json()["summary"]["missing"] == 0:
            return known["jobs"]
    with job.src.open("rb") as fp:
        response = client.request("POST", "/v1/batches", files=[("files", (job.src.name, fp))], data=form)
    if response.status_code != 202:
        raise ServerError(detail(response))
    body = response.json()
    if not body["jobs"]:
        raise ServerError("; ".join(r["error"] for r in body["rejected"]) or "rejected")
    ids = [j["id"] for j in body["jobs"]]
    client.remember(key, {"batch": body["id"], "jobs": ids})
    return ids


def wait(client: Client, job_id: str, poll: float = 0.2) -> dict[str, Any]:
    while True:
        response = client.request("GET", f"/v1/jobs/{job_id}")
        if response.status_code != 200:
            raise ServerError(detail(response))
        record = response.json()
        if record["status"] in ("done", "failed"):
            return record
        time.sleep(poll)
        poll = min(poll * 1.5, 2.0)


def download(client: Client, url: str, path: Path) -> None:
    response = client.request("GET", url)
    if response.status_code != 200:
        raise ServerError(f"{url}: {detail(response)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(response.content)
    tmp.replace(path)


def process(client: Client, job: Job, out: Path, form: dict[str, str], ocr: OcrOptions | None) -> tuple[int, str]:
    """One file through the service -> (pages written, failures as text, empty when none)."""
    if is_pdf_file(job.src):
        return process_pdf(client, job, out, form, ocr)
    ids = submit(client, job, form)
    paths = output_paths(out, job.rel, len(ids))
    errors = []
    for i, (job_id, path) in enumerate(zip(ids, paths), 1):
        record = wait(client, job_id)
        if record["status"] == "failed":
            errors.append(f"page {i}: {record['error']}" if len(ids) > 1 else record["error"])
            continue
        download(client, f"/v1/jobs/{job_id}/image", path)
        for fmt in ocr.formats if ocr else ():
            download(client, f"/v1/jobs/{job_id}/{OCR_RESULT[fmt]}", path.with_suffix(f".{fmt}"))
    if not errors:
        client.remember(str(job.src.resolve()), None)
    return len(ids) - len(errors), "; ".join(errors)


def process_pdf(client: Client, job: Job, out: Path, form: dict[str, str], ocr: OcrOptions | None) -> tuple[int, str]:
    """A PDF is one job on the server; its result is the PDF (and, with OCR, its text)."""
    (job_id,) = submit(client, job, {**form, "binarize": "false"})  # a PDF's pages stay grey
    record = wait(client, job_id)
    if record["status"] == "failed":
        return 0, record["error"]
    paths = pdf_outputs(out, job.rel, ocr)
    download(client, f"/v1/jobs/{job_id}/pdf", paths[0])
    if ocr is not None:
        download(client, f"/v1/jobs/{job_id}/text", paths[1])
    client.remember(str(job.src.resolve()), None)
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
    client = Client(server, api_key, out)
    form = {"binarize": str(binarize).lower(), "ocr": str(ocr is not None).lower(), "model": model or "default"}
    if ocr:
        form["lang"] = ocr.lang
    if upscale:
        form["upscale"] = upscale
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
            pages, error = process(client, job, out, form, ocr)
            with client.lock:
                summary.pages += pages
                summary.files += 1
                if error:
                    summary.failed.append((job.src, error))
        except (ServerError, OSError) as e:
            with client.lock:
                summary.failed.append((job.src, str(e)))
        if progress:
            progress(job)

    with ThreadPoolExecutor(max(concurrency, 1)) as pool:
        list(pool.map(one, todo))
    client.http.close()
    return summary
