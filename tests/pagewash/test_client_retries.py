"""The client's retry and error rules, as pure logic: a scripted transport answers (httpx's
``MockTransport``), so the cases a live service gives only by bad luck are each pinned."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

import pagewash
from pagewash import errors
from pagewash.client import Call, Pause, send


def scripted(*answers):
    """A transport that gives ``answers`` in turn (a status, (status, headers), or an exception)
    and records each request."""
    seen: list[httpx.Request] = []
    todo = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = todo.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, headers = answer if isinstance(answer, tuple) else (answer, {})
        body = {"id": "j1", "status": "done"} if status < 300 else {"detail": f"said {status}"}
        return httpx.Response(status, json=body, headers=headers)

    return httpx.MockTransport(handle), seen


def client_with(transport: httpx.MockTransport, retries: int = 3) -> pagewash.Client:
    return pagewash.Client("http://pagewash.test", "k", retries=retries, transport=transport)


def test_busy_answers_are_retried_with_the_servers_retry_after():
    transport, seen = scripted((503, {"Retry-After": "0"}), (429, {"Retry-After": "0"}), 202)
    assert client_with(transport).submit(b"png bytes") == "j1"
    assert [r.method for r in seen] == ["POST"] * 3 and seen[0].headers["X-Api-Key"] == "k"
    flow = send(Call("POST", "/v1/jobs"), retries=1)
    next(flow)
    assert flow.send(httpx.Response(503, headers={"Retry-After": "0"})) == Pause(0.0)  # zero means now


def test_a_batch_upload_is_not_sent_again_after_a_503():
    """A 503 may come after part of a batch was queued: sending it again would queue those
    pages twice (and call their webhooks twice)."""
    transport, seen = scripted(503, 202)
    with pytest.raises(errors.Busy):
        client_with(transport).submit_batch([__file__])
    assert len(seen) == 1
    transport, seen = scripted((429, {"Retry-After": "0"}), 202)  # 429: refused before any work
    assert client_with(transport).submit_batch([__file__])["id"] == "j1" and len(seen) == 2


def test_backoff_doubles_and_retry_after_wins():
    flow = send(Call("GET", "/v1/jobs/j"), retries=3)
    assert next(flow) == Call("GET", "/v1/jobs/j")
    assert flow.send(httpx.Response(503)) == Pause(0.5)
    next(flow)
    assert flow.send(httpx.Response(502)) == Pause(1.0)  # any 5xx, for a read
    next(flow)
    assert flow.send(httpx.Response(429, headers={"Retry-After": "7"})) == Pause(7.0)
    next(flow)
    with pytest.raises(StopIteration) as done:
        flow.send(httpx.Response(200))
    assert done.value.value.status_code == 200


def test_still_busy_after_every_retry_is_busy():
    transport, seen = scripted(*[(429, {"Retry-After": "0"})] * 3)
    with pytest.raises(errors.Busy) as e:
        client_with(transport, retries=2).submit(b"x")
    assert len(seen) == 3 and e.value.status == 429 and e.value.detail == "said 429"


def test_an_upload_that_may_have_arrived_is_never_sent_twice():
    transport, seen = scripted(httpx.ReadTimeout("slow"), 202)
    with pytest.raises(errors.Unreachable, match="ReadTimeout"):
        client_with(transport).submit(b"x")
    assert len(seen) == 1
    transport, seen = scripted(httpx.ConnectError("refused"), 202)  # nothing went out: safe to send
    assert client_with(transport).submit(b"x") == "j1" and len(seen) == 2
    transport, seen = scripted(500, 202)  # a 500 on POST may have made a job: not retried
    with pytest.raises(errors.ServiceError) as e:
        client_with(transport).submit(b"x")
    assert e.value.status == 500 and len(seen) == 1


def test_reads_are_retried_through_dropped_connections():
    transport, seen = scripted(httpx.ReadError("reset"), 500, 200)
    c = client_with(transport)
    assert c.job("j1")["status"] == "done" and len(seen) == 3


@pytest.mark.parametrize(
    "status,cls",
    [
        (401, errors.Unauthorized),
        (403, errors.Unauthorized),
        (404, errors.NotFound),
        (413, errors.RemoteTooLarge),
        (415, errors.Refused),
        (422, errors.Refused),
        (409, errors.Refused),
    ],
)
def test_each_refusal_has_its_class(status, cls):
    transport, _ = scripted(status)
    with pytest.raises(cls) as e:
        client_with(transport).submit(b"x")
    assert e.value.status == status and isinstance(e.value, errors.PagewashError)
    assert isinstance(e.value, errors.ImageTooLarge) == (status == 413)


def test_a_failed_job_raises_job_failed_with_its_record():
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "j1", "status": "failed", "error": "corrupt page 2"})

    c = client_with(httpx.MockTransport(handle))
    with pytest.raises(errors.JobFailed, match="corrupt page 2") as e:
        c.wait("j1")
    assert e.value.job["status"] == "failed" and e.value.detail == "corrupt page 2"


def test_the_async_client_runs_the_same_rules():
    transport, seen = scripted(httpx.ConnectError("refused"), (503, {"Retry-After": "0"}), 202)

    async def main():
        async with pagewash.AsyncClient("http://pagewash.test", "k", transport=transport) as c:
            return await c.submit(b"x", ocr=True)

    assert asyncio.run(main()) == "j1" and len(seen) == 3
    assert b'name="ocr"' in seen[2].content and b"true" in seen[2].content

    transport, seen = scripted(httpx.ReadTimeout("slow"))

    async def cut_off():
        async with pagewash.AsyncClient("http://pagewash.test", transport=transport) as c:
            await c.submit(b"x")

    with pytest.raises(errors.Unreachable):
        asyncio.run(cut_off())
    assert len(seen) == 1


def test_delete_is_idempotent_and_wait_keeps_its_deadline():
    transport, _ = scripted(404)
    client_with(transport).delete("gone")  # already gone: nothing to do, no error

    def running(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "j1", "status": "running"})

    c = pagewash.Client("http://pagewash.test", poll=(0.05, 0.05), transport=httpx.MockTransport(running))
    t0 = time.monotonic()
    with pytest.raises(errors.WaitTimeout):
        c.wait("j1", timeout=0.3)
    assert 0.3 <= time.monotonic() - t0 < 1.0
