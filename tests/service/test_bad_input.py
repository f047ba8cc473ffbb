"""The bad-input corpus (tests/data/bad) and odd-but-valid images (tests/data/odd) through the
real gateway and worker: every bad file is a 4xx with a JSON reason, nothing lands outside the
store, and the service keeps serving; every odd file is accepted and cleaned."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.conftest import UPLOAD_CAP
from tests.stack import wait_job

DATA = Path(__file__).parents[1] / "data"
EXPECTED = {  # file -> (status, words the reason must contain)
    "empty.png": (422, "empty"),
    "truncated.png": (422, "truncated"),
    "truncated.jpg": (422, "truncated"),
    "text.png": (415, "not an image"),
    "page.html.png": (415, "html"),
    "document.pdf.jpg": (422, "pdf"),  # a PDF (by content, whatever its name) with no pages
    "random.png": (415, "not an image"),
    "signature-only.png": (422, "png"),
    "bomb-header-60000.png": (413, "pixels"),
    "bomb-real-30000.png": (413, "pixels"),
    "zero-size.png": (422, ""),
    "absurd-size.png": (413, "pixels"),
    "traversal.zip": (422, "unsafe member name"),
    "zip-bomb.zip": (413, "cap"),
    "too-many-members.zip": (413, "members"),
}


def test_corpus_is_complete():
    assert {p.name for p in (DATA / "bad").iterdir()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_upload_is_4xx_with_a_reason(api, name):
    status, needle = EXPECTED[name]
    data = (DATA / "bad" / name).read_bytes()
    route, field = ("/v1/batches", "files") if name.endswith(".zip") else ("/v1/jobs", "file")
    response = api.post(route, files={field: (name, data)})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    detail = response.json()["detail"]
    assert isinstance(detail, str) and needle in detail.lower()
    if route == "/v1/jobs":  # the same file inside a batch is refused the same way
        response = api.post("/v1/batches", files={"files": (name, data)})
        assert response.status_code == status


def test_upload_over_the_cap_is_413_with_and_without_content_length(api):
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (UPLOAD_CAP + 100_000)
    response = api.post("/v1/jobs", files={"file": ("big.png", big)})
    assert response.status_code == 413 and "cap" in response.json()["detail"]

    def chunks():  # no Content-Length: the cap is enforced while the body streams
        yield b'--xx\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'
        for _ in range(UPLOAD_CAP // 1_000_000 + 2):
            yield b"\0" * 1_000_000

    response = api.post("/v1/jobs", content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=xx"})
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data; boundary=xx", b"--yy\r\nnot the boundary\r\n--yy--\r\n"),
        ("multipart/form-data", b'--xx\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc'),
        ("multipart/form-data; boundary=xx", b'--xx\r\nContent-Disposition: form-data; name="file"; filename="a'),
        ("application/json", b'{"file": "aGVsbG8="}'),
    ],
)
def test_malformed_multipart_is_4xx(api, content_type, body):
    response = api.post("/v1/jobs", content=body, headers={"Content-Type": content_type})
    assert 400 <= response.status_code < 500 and "detail" in response.json()


def test_service_still_serves_and_wrote_nothing_outside_the_store(api, stack):
    for name in EXPECTED:  # once more, all of them, then a good job
        api.post("/v1/batches", files={"files": (name, (DATA / "bad" / name).read_bytes())})
    good = (DATA / "odd" / "page.webp").read_bytes()
    assert wait_job(api, api.post("/v1/jobs", files={"file": ("ok.webp", good)}).json()["id"])["status"] == "done"
    assert httpx.get(stack.url + "/readyz").status_code == 200
    assert all(p.poll() is None for p in stack.procs.values())
    assert not Path("/tmp/pagewash-evil.png").exists()
    assert sorted(p.name for p in stack.logs.iterdir()) == ["gateway.log", "worker.log"]


@pytest.mark.parametrize("name", sorted(p.name for p in (DATA / "odd").iterdir()))
def test_odd_but_valid_images_are_cleaned(api, name):
    data = (DATA / "odd" / name).read_bytes()
    response = api.post("/v1/jobs", files={"file": (name, data)})
    assert response.status_code == 202, response.text
    record = wait_job(api, response.json()["id"])
    assert record["status"] == "done", record
    out = Image.open(io.BytesIO(api.get(f"/v1/jobs/{record['id']}/image").content))
    assert out.mode == "L" and out.size == Image.open(io.BytesIO(data)).size
