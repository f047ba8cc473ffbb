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


def test_a_broker_failure_midway_fails_the_rest_of_the_batch_and_orphans_nothing(monkeypatch):
    """The gateway in-process on the real Redis (database 11, as the other in-process gateway
    tests: the Celery app is made once per test process), with the broker made to fail on
    the third page: the batch record lists all five, two are queued (their messages are in
    the queue), three are failed with the reason, none is missing."""
    import redis
    from fastapi.testclient import TestClient
    from kombu.exceptions import OperationalError

    from pagewash.settings import get_settings
    from tests.stack import redis_db

    url = redis_db(11)
    waiting = redis.Redis.from_url(url).llen("clean")
    monkeypatch.setenv("PAGEWASH_REDIS_URL", url)
    get_settings.cache_clear()
    from service.main import create_app
    from worker.celery_app import app as celery

    real_send, sent = celery.send_task, []
    broker = celery.connection_for_write(url)  # this database, whatever broker the app was made with

    def flaky_send(*args, **kwargs):
        if len(sent) == 2:
            raise OperationalError("Error 111 connecting to the broker. Connection refused.")
        sent.append(args)
        return real_send(*args, connection=broker, **kwargs)

    monkeypatch.setattr(celery, "send_task", flaky_send)
    try:
        client = TestClient(create_app())
        files = [("files", (f"p{i}.png", c)) for i, c in enumerate(crops(5))]
        response = client.post("/v1/batches", files=files)
        assert response.status_code == 202, response.text
        body = response.json()
        assert [j["status"] for j in body["jobs"]] == ["queued", "queued", "failed", "failed", "failed"]
        batch = client.get(f"/v1/batches/{body['id']}").json()
        assert batch["summary"]["total"] == 5 and batch["summary"]["missing"] == 0
        assert batch["summary"]["queued"] == 2 and batch["summary"]["failed"] == 3
        errors = [j["error"] for j in batch["jobs"] if j["status"] == "failed"]
        assert "could not be queued" in errors[0] and all("not queued" in e for e in errors[1:])
        assert redis.Redis.from_url(url).llen("clean") == waiting + 2  # the two queued pages wait for a worker
    finally:
        broker.release()
        redis.Redis.from_url(url).delete("clean")
        get_settings.cache_clear()
