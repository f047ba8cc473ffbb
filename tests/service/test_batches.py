"""``/v1/batches``: several files, a zip, a multi-page TIFF; bad members reported, the rest done."""

from __future__ import annotations

import io
import zipfile

import numpy as np
from PIL import Image

from tests.service.test_jobs import crops
from tests.stack import wait_job


def tiff(pages: list[bytes]) -> bytes:
    frames = [Image.open(io.BytesIO(p)) for p in pages]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:])
    return buf.getvalue()


def test_batch_of_files_zip_and_tiff(api):
    a, b, c, d = crops(4)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("scans/one.png", b)
        z.writestr("readme.txt", "not an image")
    files = [
        ("files", ("a.png", a)),
        ("files", ("pages.tif", tiff([c, d]))),
        ("files", ("scans.zip", archive.getvalue())),
        ("files", ("broken.jpg", b"\xff\xd8\xff\xe0 truncated")),
    ]
    response = api.post("/v1/batches", files=files, data={"binarize": "true"})
    assert response.status_code == 202, response.text
    body = response.json()
    assert [(j["filename"], j["page"]) for j in body["jobs"]] == [
        ("a.png", 1),
        ("pages.tif", 1),
        ("pages.tif", 2),
        ("one.png", 1),
    ]
    assert {r["filename"] for r in body["rejected"]} == {"readme.txt", "broken.jpg"}
    for job in body["jobs"]:
        assert wait_job(api, job["id"])["status"] == "done"
    batch = api.get(f"/v1/batches/{body['id']}").json()
    assert batch["status"] == "done" and batch["summary"]["done"] == 4 and batch["summary"]["total"] == 4
    page2 = Image.open(io.BytesIO(api.get(f"/v1/jobs/{body['jobs'][2]['id']}/image").content))
    assert page2.size == Image.open(io.BytesIO(d)).size
    assert set(np.unique(np.asarray(page2)).tolist()) <= {0, 255}  # binarized


def test_batch_with_nothing_usable_is_4xx(api):
    response = api.post("/v1/batches", files=[("files", ("x.txt", b"hello")), ("files", ("y.png", b""))])
    assert response.status_code == 422
    assert "x.txt" in response.json()["detail"] and "y.png" in response.json()["detail"]
    assert api.get("/v1/batches/" + "f" * 32).status_code == 404


def test_zip_with_path_traversal_is_refused(api):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../../../tmp/evil.png", crops(1)[0])
    response = api.post("/v1/batches", files=[("files", ("evil.zip", archive.getvalue()))])
    assert response.status_code == 422 and "unsafe member name" in response.json()["detail"]
