"""``pagewash.Client`` and ``pagewash.AsyncClient``: a pagewash service from Python, and the one
HTTP client in pagewash (``pagewash clean --server`` and ``watch --server`` use it too).

Each call is written once, as a plain generator (a "flow") that yields the HTTP requests and
pauses it needs (``Call``, ``Pause``) and returns the answer. ``Client`` runs flows on httpx's
blocking client, ``AsyncClient`` on its async one; retries, polling and error mapping are
in the flows, so the two clients cannot drift apart.

Retries: 429 (busy) is asked again with backoff, honouring ``Retry-After``; so is 503 (the
service's Redis is down) for everything but a batch upload, and so are a refused connection
and, for reads (GET, DELETE), any 5xx and a dropped connection. A 503 on ``/v1/jobs`` means
no job was queued (the gateway removes a job it could not queue), but a batch may be half
queued when Redis fails under it, so a batch's 503 is raised (``Busy``) rather than sent
again as a second batch. Likewise an upload whose request may have reached the service is
never sent twice: that failure is raised, as ``Unreachable``. Every error is a
``pagewash.errors.ServiceError`` subclass.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import numpy as np

from pagewash import errors
from pagewash.imageio import PageSource, load_page, picture_png, resize_to, to_u8
from pagewash.result import Result
from pagewash.settings import get_settings

T = TypeVar("T")
ERRORS = {
    401: errors.Unauthorized,
    403: errors.Unauthorized,
    404: errors.NotFound,
    413: errors.RemoteTooLarge,
    429: errors.Busy,
    503: errors.Busy,
}


@dataclass
class Call:
    """One HTTP request a flow wants made (bodies are bytes, so a retry can send them again)."""

    method: str
    url: str
    data: dict[str, str] | None = None
    files: list[tuple[str, tuple[str, bytes]]] | None = None
    retry_503: bool = True  # False where a 503 may come after part of the work was done (a batch)


@dataclass
class Pause:
    seconds: float


Flow = Generator[Call | Pause, Any, T]


@dataclass
class Page:
    """One page of ``Client.batch``: its result, or why there is none."""

    source: str  # the file, as given
    page: int  # page of that file, from 1
    job_id: str | None = None  # None when the service refused the file
    error: str | None = None  # why this page has no result (refused, failed on a worker, ...)
    image: np.ndarray | None = None  # the clean page, uint8 grey (image pages)
    result: Result | None = None  # with ocr=True (image pages)
    pdf: bytes | None = None  # a PDF's result: the cleaned PDF, searchable with ocr=True
    text: str | None = None  # a PDF's text, with ocr=True
    job: dict[str, Any] = field(default_factory=dict, repr=False)  # the job's record

    @property
    def ok(self) -> bool:
        return self.error is None


# --- the flows: what each call does, as requests and pauses


def send(call: Call, retries: int) -> Flow[httpx.Response]:
    """One request, asked again with backoff (0.5 s doubling to 10 s, or the service's
    ``Retry-After``) while the answer says "later"; see the module's docstring for what is
    retried. -> the response, whatever its status (``check`` judges it)."""
    safe = call.method in ("GET", "HEAD", "DELETE")
    delay = 0.5
    for attempt in range(retries + 1):
        wait = delay
        try:
            response = yield call
        except (httpx.ConnectError, httpx.ConnectTimeout) as e:  # nothing of the request went out
            problem: errors.ServiceError = errors.Unreachable(f"{call.method} {call.url}: {e}")
        except httpx.TransportError as e:
            problem = errors.Unreachable(f"{call.method} {call.url}: {type(e).__name__}: {e}")
            if not safe:
                raise problem from e
        else:
            status = response.status_code
            busy = status == 429 or (status == 503 and call.retry_503)
            if not busy and not (safe and status >= 500):
                return response
            problem = error_for(response, f"{call.method} {call.url}")
            after = retry_after(response)
            wait = delay if after is None else after
        if attempt == retries:
            raise problem
        yield Pause(min(wait, 30.0))
        delay = min(delay * 2, 10.0)
    raise AssertionError("unreachable")


def retry_after(response: httpx.Response) -> float | None:
    try:
        return max(float(response.headers.get("Retry-After", "")), 0.0)
    except ValueError:
        return None


def detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))
    except (ValueError, AttributeError):
        return response.text[:300]


def error_for(response: httpx.Response, what: str) -> errors.ServiceError:
    status = response.status_code
    cls = ERRORS.get(status) or (errors.Refused if 400 <= status < 500 else errors.ServiceError)
    words = detail(response)
    return cls(f"{what}: {status} {words}", status, words)


def check(response: httpx.Response, what: str) -> httpx.Response:
    if response.is_success:
        return response
    raise error_for(response, what)


def form(**options: Any) -> dict[str, str]:
    """Job options as the gateway's form fields (unset ones left to the service's defaults)."""
    out = {}
    for key, value in options.items():
        if value is not None:
            out[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


def clean_options(model: str | None, upscale: str | None, binarize: bool) -> dict[str, str]:
    """``clean``'s job: the page at the upload's size unless an upscale is asked for."""
    return form(model=model, upscale=upscale or "off", binarize=binarize)


def read_options(lang: str | None, model: str | None, upscale: str | None) -> dict[str, str]:
    """``read``'s job: OCR at the asked scale, the page returned at the upload's size."""
    return form(ocr=True, lang=lang, model=model, upscale=upscale, upscale_image=False if upscale else None)


def upload(image: PageSource | Path, filename: str | None = None) -> tuple[str, bytes]:
    """(name, bytes) to upload: a file as it is (its format and DPI travel with it), bytes as
    they are, an array or PIL image as a PNG that decodes to the same page."""
    if isinstance(image, str | os.PathLike):
        path = Path(image)
        try:
            return filename or path.name, path.read_bytes()
        except OSError as e:
            raise errors.BadImage(f"{path}: {e.strerror or e}") from e
    if isinstance(image, bytes | bytearray | memoryview):
        return filename or "page", bytes(image)
    return filename or "page.png", picture_png(image)


def submit_flow(image: PageSource, options: dict[str, str], filename: str | None, retries: int) -> Flow[str]:
    name, data = upload(image, filename)
    call = Call("POST", "/v1/jobs", data=options, files=[("file", (name, data))])
    response = check((yield from send(call, retries)), f"upload {name}")
    return response.json()["id"]


def batch_submit_flow(files: list[tuple[str, bytes]], options: dict[str, str], retries: int) -> Flow[dict[str, Any]]:
    call = Call("POST", "/v1/batches", data=options, files=[("files", f) for f in files], retry_503=False)
    response = check((yield from send(call, retries)), f"upload {', '.join(n for n, _ in files)[:200]}")
    return response.json()


def get_flow(url: str, retries: int) -> Flow[httpx.Response]:
    return check((yield from send(Call("GET", url), retries)), f"GET {url}")


@dataclass(frozen=True)
class Options:
    """How a client behaves, the same for every call: ``retries`` for "later" answers, and
    polling from ``poll[0]`` seconds growing to ``poll[1]`` while a job runs."""

    retries: int = 8
    poll: tuple[float, float] = (0.2, 2.0)


def wait_flow(job_id: str, timeout: float | None, how: Options) -> Flow[dict[str, Any]]:
    """Poll the job until it is done -> its record; ``JobFailed`` when it failed,
    ``WaitTimeout`` past ``timeout`` seconds."""
    retries = how.retries
    start, poll = time.monotonic(), how.poll[0]
    while True:
        record = (yield from get_flow(f"/v1/jobs/{job_id}", retries)).json()
        if record["status"] == "done":
            return record
        if record["status"] == "failed":
            raise errors.JobFailed(f"job {job_id} failed: {record.get('error') or 'no reason recorded'}", record)
        left = None if timeout is None else timeout - (time.monotonic() - start)
        if left is not None and left <= 0:
            raise errors.WaitTimeout(f"job {job_id} is still {record['status']} after {timeout:g} s")
        yield Pause(poll if left is None else min(poll, left))
        poll = min(poll * 1.5, how.poll[1])


def delete_flow(job_id: str, retries: int) -> Flow[None]:
    response = yield from send(Call("DELETE", f"/v1/jobs/{job_id}"), retries)
    if response.status_code != 404:
        check(response, f"DELETE job {job_id}")


def ready_flow() -> Flow[bool]:
    """Whether the service takes jobs now (``/readyz``: its Redis answers), asked once."""
    try:
        response = yield from send(Call("GET", "/readyz"), 0)
    except errors.ServiceError:
        return False
    return response.status_code == 200


def decode(png: bytes) -> np.ndarray:
    return to_u8(load_page(png))


def read_result(job_id: str, record: dict[str, Any], retries: int, png: bytes | None = None) -> Flow[Result]:
    """A finished OCR job's results as a ``Result``, the page at the upload's size (``read``
    asks for that; a page upscaled all the same, by a service that predates
    ``upscale_image``, is brought back to it)."""
    got = {"image": png} if png is not None else {}
    for kind in ("text", "hocr", "tsv", "image"):
        if kind not in got:
            got[kind] = (yield from get_flow(f"/v1/jobs/{job_id}/{kind}", retries)).content
    text, hocr, tsv = (got[k].decode() for k in ("text", "hocr", "tsv"))
    page = decode(got["image"])
    scale = int(record.get("image_scale") or 1)
    if scale > 1:
        page = resize_to(page, (page.shape[0] // scale, page.shape[1] // scale))
    source = record.get("ocr_source") or "clean"
    done = {"quarter": record.get("quarter") or 0, "angle": record.get("angle") or 0.0}
    return Result(
        text,
        hocr,
        tsv,
        record.get("ocr_confidence"),
        page,
        source,
        **done,
        lines_removed=bool(record.get("lines_removed")),
    )


def clean_flow(image: PageSource, options: dict[str, str], timeout: float | None, how: Options) -> Flow[np.ndarray]:
    job_id = yield from submit_flow(image, options, None, how.retries)
    yield from wait_flow(job_id, timeout, how)
    return decode((yield from get_flow(f"/v1/jobs/{job_id}/image", how.retries)).content)


def read_flow(image: PageSource, options: dict[str, str], timeout: float | None, how: Options) -> Flow[Result]:
    job_id = yield from submit_flow(image, options, None, how.retries)
    record = yield from wait_flow(job_id, timeout, how)
    return (yield from read_result(job_id, record, how.retries))


def collect_flow(page: Page, ocr: bool, deadline: float | None, how: Options) -> Flow[Page]:
    """Wait for one page of a batch (until ``deadline``, a ``time.monotonic()``) and fetch its
    results into it. What goes wrong with this page alone becomes its ``error``; a wrong API
    key is raised (it is wrong for every page)."""
    retries = how.retries
    try:
        timeout = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        page.job = yield from wait_flow(page.job_id, timeout, how)
        if page.job.get("kind") == "pdf":
            page.pdf = (yield from get_flow(f"/v1/jobs/{page.job_id}/pdf", retries)).content
            if ocr:
                page.text = (yield from get_flow(f"/v1/jobs/{page.job_id}/text", retries)).content.decode()
            return page
        png = (yield from get_flow(f"/v1/jobs/{page.job_id}/image", retries)).content
        page.image = decode(png)  # as ``clean`` returns it: upscaled where the options asked
        if ocr:
            page.result = yield from read_result(page.job_id, page.job, retries, png)
    except errors.JobFailed as e:
        page.job, page.error = e.job, e.detail
    except errors.Unauthorized:
        raise
    except errors.ServiceError as e:  # expired, still running at the deadline, the service gone...
        page.error = str(e)
    return page


def batch_flow(
    paths: Iterable[str | os.PathLike], options: dict[str, str], timeout: float | None, how: Options
) -> Flow[list[Page]]:
    """Each file is its own batch upload (one refused file cannot sink the rest, and no request
    grows with the list); all are submitted before any is waited for, so the service works
    on them in parallel. ``timeout`` bounds the whole wait, not each page's."""
    deadline = None if timeout is None else time.monotonic() + timeout
    pages: list[Page] = []
    for path in paths:
        try:
            name, data = upload(path)
            body = yield from batch_submit_flow([(name, data)], options, how.retries)
        except errors.Unauthorized:
            raise
        except errors.PagewashError as e:  # refused, unreadable, or the service busy or gone
            pages.append(Page(str(path), 1, error=getattr(e, "detail", None) or str(e)))
            continue
        pages += [Page(str(path), int(j.get("page") or 1), j["id"]) for j in body["jobs"]]
        pages += [Page(str(path), 1, error=r["error"]) for r in body["rejected"]]
    ocr = options.get("ocr") == "true"
    for page in pages:
        if page.job_id is not None:
            yield from collect_flow(page, ocr, deadline, how)
    return pages


# --- the two clients: the same calls, run blocking or async


def key_header(api_key: str | None) -> dict[str, str]:
    """``X-Api-Key``: the key given, else ``PAGEWASH_API_KEY``; none when both are empty."""
    key = api_key if api_key is not None else get_settings().api_key
    return {"X-Api-Key": key} if key else {}


class Connection:
    """What both clients hold: the service's URL, how they behave, and an httpx client of the
    kind ``http_class`` names (blocking or async)."""

    http_class: type = httpx.Client

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        timeout: float = 60.0,
        *,
        retries: int = 8,
        poll: tuple[float, float] = (0.2, 2.0),
        **http: Any,
    ):
        self.url, self.how = url.rstrip("/"), Options(retries, poll)
        self.http = self.http_class(base_url=self.url, headers=key_header(api_key), timeout=timeout, **http)


class Client(Connection):
    """A pagewash service (gateway URL; ``api_key`` defaults to ``PAGEWASH_API_KEY``).

    ``timeout`` is each HTTP request's; ``wait`` (and the calls that wait) take their own.
    ``retries``: how often a "later" answer is asked again (see the module's docstring);
    ``poll``: the first and the longest pause between looks at a running job. Other keywords
    go to the ``httpx.Client`` underneath (``verify=`` for TLS, ``limits=``, ``transport=``).
    One client may be shared by threads; close it, or use it as a context manager."""

    def run(self, flow: Flow[T]) -> T:
        try:
            step = next(flow)
            while True:
                if isinstance(step, Pause):
                    time.sleep(step.seconds)
                    step = flow.send(None)
                    continue
                try:
                    response = self.http.request(step.method, step.url, data=step.data, files=step.files)
                except httpx.TransportError as e:
                    step = flow.throw(e)
                else:
                    step = flow.send(response)
        except StopIteration as done:
            return done.value

    def clean(
        self,
        image: PageSource,
        *,
        model: str | None = None,
        upscale: str | None = None,
        binarize: bool = False,
        timeout: float | None = None,
    ) -> np.ndarray:
        """Clean one page on the service -> uint8 grey, as ``pagewash.clean`` gives here
        (within a grey level: the service may run another precision or device)."""
        options = clean_options(model, upscale, binarize)
        return self.run(clean_flow(image, options, timeout, self.how))

    def read(
        self,
        image: PageSource,
        *,
        lang: str | None = None,
        upscale: str | None = None,
        model: str | None = None,
        timeout: float | None = None,
    ) -> Result:
        """Clean and read one page on the service -> ``Result``, as ``pagewash.read`` gives
        here. ``upscale`` (auto, off, 2, 4) is what Tesseract reads, the page comes back at its
        size; None leaves it to the service (``PAGEWASH_UPSCALE``, auto). ``lang`` None is
        the service's default (eng)."""
        options = read_options(lang, model, upscale)
        return self.run(read_flow(image, options, timeout, self.how))

    def submit(
        self,
        image: PageSource,
        *,
        ocr: bool = False,
        lang: str | None = None,
        binarize: bool = False,
        model: str | None = None,
        upscale: str | None = None,
        callback_url: str | None = None,
        filename: str | None = None,
    ) -> str:
        """Upload one page (or one PDF) as a job -> its id, at once; ``wait`` and ``result`` follow."""
        options = form(ocr=ocr, lang=lang, binarize=binarize, model=model, upscale=upscale, callback_url=callback_url)
        return self.run(submit_flow(image, options, filename, self.how.retries))

    def submit_batch(self, files: list[str | os.PathLike], **options: Any) -> dict[str, Any]:
        """Upload files (images, PDFs, zips, multi-page TIFFs) as one batch -> the gateway's
        answer: its ``id``, a job per page under ``jobs``, and ``rejected`` files. Options as
        for ``submit``."""
        return self.run(batch_submit_flow([upload(f) for f in files], form(**options), self.how.retries))

    def job(self, job_id: str) -> dict[str, Any]:
        """The job's record now: status, timings, error, options (``docs/api.md``)."""
        return self.run(get_flow(f"/v1/jobs/{job_id}", self.how.retries)).json()

    def get_batch(self, batch_id: str) -> dict[str, Any]:
        """A batch's record: each of its jobs with its status, and counts by status."""
        return self.run(get_flow(f"/v1/batches/{batch_id}", self.how.retries)).json()

    def wait(self, job_id: str, timeout: float | None = None) -> dict[str, Any]:
        """Until the job is done -> its record. Raises ``JobFailed`` or ``WaitTimeout``."""
        return self.run(wait_flow(job_id, timeout, self.how))

    def result(self, job_id: str, kind: str = "image") -> bytes:
        """A done job's result: ``image`` (PNG), ``text``, ``hocr``, ``tsv``, or ``pdf``."""
        return self.run(get_flow(f"/v1/jobs/{job_id}/{kind}", self.how.retries)).content

    def delete(self, job_id: str) -> None:
        """Forget a job and its results now. Idempotent: a job that is already gone (or a retried
        DELETE whose first try went through) is not an error."""
        self.run(delete_flow(job_id, self.how.retries))

    def batch(self, paths: Iterable[str | os.PathLike], *, timeout: float | None = None, **options: Any) -> list[Page]:
        """Clean (``ocr=True``: and read) files on the service -> a ``Page`` per page, in order:
        its image (or PDF), or its ``error``. A bad file is reported in its ``Page``, never raised."""
        return self.run(batch_flow(paths, form(**options), timeout, self.how))

    def ready(self) -> bool:
        """Whether the service takes jobs now (its Redis answers); asked once, no retries."""
        return self.run(ready_flow())

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(Connection):
    """``Client`` for asyncio: the same calls, awaited (``await client.clean(page)``)."""

    http_class = httpx.AsyncClient

    async def run(self, flow: Flow[T]) -> T:
        try:
            step = next(flow)
            while True:
                if isinstance(step, Pause):
                    await asyncio.sleep(step.seconds)
                    step = flow.send(None)
                    continue
                try:
                    response = await self.http.request(step.method, step.url, data=step.data, files=step.files)
                except httpx.TransportError as e:
                    step = flow.throw(e)
                else:
                    step = flow.send(response)
        except StopIteration as done:
            return done.value

    async def clean(
        self,
        image: PageSource,
        *,
        model: str | None = None,
        upscale: str | None = None,
        binarize: bool = False,
        timeout: float | None = None,
    ) -> np.ndarray:
        """As ``Client.clean``."""
        options = clean_options(model, upscale, binarize)
        return await self.run(clean_flow(image, options, timeout, self.how))

    async def read(
        self,
        image: PageSource,
        *,
        lang: str | None = None,
        upscale: str | None = None,
        model: str | None = None,
        timeout: float | None = None,
    ) -> Result:
        """As ``Client.read``."""
        options = read_options(lang, model, upscale)
        return await self.run(read_flow(image, options, timeout, self.how))

    async def submit(
        self,
        image: PageSource,
        *,
        ocr: bool = False,
        lang: str | None = None,
        binarize: bool = False,
        model: str | None = None,
        upscale: str | None = None,
        callback_url: str | None = None,
        filename: str | None = None,
    ) -> str:
        """As ``Client.submit``."""
        options = form(ocr=ocr, lang=lang, binarize=binarize, model=model, upscale=upscale, callback_url=callback_url)
        return await self.run(submit_flow(image, options, filename, self.how.retries))

    async def submit_batch(self, files: list[str | os.PathLike], **options: Any) -> dict[str, Any]:
        """As ``Client.submit_batch``."""
        return await self.run(batch_submit_flow([upload(f) for f in files], form(**options), self.how.retries))

    async def job(self, job_id: str) -> dict[str, Any]:
        """As ``Client.job``."""
        return (await self.run(get_flow(f"/v1/jobs/{job_id}", self.how.retries))).json()

    async def get_batch(self, batch_id: str) -> dict[str, Any]:
        """As ``Client.get_batch``."""
        return (await self.run(get_flow(f"/v1/batches/{batch_id}", self.how.retries))).json()

    async def wait(self, job_id: str, timeout: float | None = None) -> dict[str, Any]:
        """As ``Client.wait``."""
        return await self.run(wait_flow(job_id, timeout, self.how))

    async def result(self, job_id: str, kind: str = "image") -> bytes:
        """As ``Client.result``."""
        return (await self.run(get_flow(f"/v1/jobs/{job_id}/{kind}", self.how.retries))).content

    async def delete(self, job_id: str) -> None:
        """As ``Client.delete``."""
        await self.run(delete_flow(job_id, self.how.retries))

    async def batch(
        self, paths: Iterable[str | os.PathLike], *, timeout: float | None = None, **options: Any
    ) -> list[Page]:
        """As ``Client.batch``."""
        return await self.run(batch_flow(paths, form(**options), timeout, self.how))

    async def ready(self) -> bool:
        """As ``Client.ready``."""
        return await self.run(ready_flow())

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
