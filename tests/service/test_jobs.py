"""``/v1/jobs`` against the real stack: a uvicorn gateway, a Celery worker, Redis, Tesseract."""

from __future__ import annotations

import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import numpy as np
import pytest
import redis
from PIL import Image

from pagewash.engine import denoise
from pagewash.imageio import load_page, to_u8
from pagewash.metrics import cer
from tests.conftest import API_KEY, requires_tesseract
from tests.lowres_page import boxes_on_words, lowres_png
from tests.stack import wait_job
from worker.jobstore import jobs

EXAMPLES = Path(__file__).parents[2] / "pagewash" / "examples"


def crops(n: int) -> list[bytes]:
    """n different small pages cut from the built-in examples."""
    pages = [Image.open(p).convert("L") for p in sorted(EXAMPLES.glob("0?_*[!n].png")) if ".clean" not in p.name]
    out = []
    for i in range(n):
        page = pages[i % len(pages)]
        x, y = 40 * (i // len(pages)), 30 * (i // len(pages))
        buf = io.BytesIO()
        page.crop((x, y, x + 360, y + 260)).save(buf, format="PNG")
        out.append(buf.getvalue())
    return out


def test_twenty_concurrent_jobs_match_the_local_engine(api, default_model):
    pages = crops(20)

    def submit(data: bytes) -> str:
        as_is = {"rotate": "false", "deskew": "false"}  # the cleaner's page, to compare with the engine's
        response = api.post("/v1/jobs", files={"file": ("page.png", data, "image/png")}, data=as_is)
        assert response.status_code == 202, response.text
        body = response.json()
        assert body["status"] == "queued" and body["status_url"].endswith(body["id"])
        return body["id"]

    with ThreadPoolExecutor(20) as pool:
        ids = list(pool.map(submit, pages))
    assert len(set(ids)) == 20
    for job_id, data in zip(ids, pages):
        record = wait_job(api, job_id)
        assert record["status"] == "done", record
        assert {"queue", "decode", "denoise", "encode", "total"} <= set(record["timings"])
        png = api.get(f"/v1/jobs/{job_id}/image")
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        served = np.asarray(Image.open(io.BytesIO(png.content)))
        local = to_u8(denoise(default_model, load_page(data)))
        assert served.shape == local.shape
        assert np.abs(served.astype(int) - local.astype(int)).max() <= 1  # bf16 kernels may differ by thread count
        assert (served == local).mean() > 0.999


@requires_tesseract
def test_ocr_job_returns_text_hocr_and_tsv(api):
    src = EXAMPLES / "02_photocopy_streaks.png"
    truth = (EXAMPLES / "02_photocopy_streaks.gt.txt").read_text()
    response = api.post("/v1/jobs", files={"file": (src.name, src.read_bytes())}, data={"ocr": "true"})
    record = wait_job(api, response.json()["id"])
    assert record["status"] == "done", record
    assert {"text", "hocr", "tsv"} <= set(record["links"]) and record["timings"]["ocr"] > 0
    text = api.get(f"/v1/jobs/{record['id']}/text")
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    assert cer(text.text, truth) < 0.1
    assert "ocr_page" in api.get(f"/v1/jobs/{record['id']}/hocr").text
    assert api.get(f"/v1/jobs/{record['id']}/tsv").text.startswith("level\tpage_num")
    assert 0 < record["ocr_confidence"] <= 100


def test_unknown_job_is_404_and_results_wait_for_done(api, stack):
    assert api.get("/v1/jobs/" + "0" * 32).status_code == 404
    assert api.get("/v1/jobs/not-an-id").status_code == 404
    assert "detail" in api.get("/v1/jobs/" + "0" * 32).json()
    # A queued job no worker has reached: a real record, written as the gateway writes it.
    r = redis.Redis.from_url(stack.redis_url)
    job_id = jobs.new_id()
    jobs.create(r, job_id, {"filename": "x.png", "page": 0, "input": f"{job_id}/input", "options": {"ocr": True}})
    response = api.get(f"/v1/jobs/{job_id}/image")
    assert response.status_code == 409 and "queued" in response.json()["detail"]
    assert api.get(f"/v1/jobs/{job_id}/text").status_code == 409
    assert api.delete(f"/v1/jobs/{job_id}").status_code == 204
    assert api.get(f"/v1/jobs/{job_id}").status_code == 404


def test_text_is_404_without_ocr_and_delete_forgets_the_job(api):
    response = api.post("/v1/jobs", files={"file": ("p.png", crops(1)[0])})
    record = wait_job(api, response.json()["id"])
    assert api.get(f"/v1/jobs/{record['id']}/text").status_code == 404
    assert "ocr" in api.get(f"/v1/jobs/{record['id']}/text").json()["detail"].lower()
    assert api.get(f"/v1/jobs/{record['id']}/nonsense").status_code == 404
    assert api.delete(f"/v1/jobs/{record['id']}").status_code == 204
    assert api.get(f"/v1/jobs/{record['id']}/image").status_code == 404
    assert api.delete(f"/v1/jobs/{record['id']}").status_code == 404


def test_api_key_is_required_when_configured(stack):
    data = crops(1)[0]
    for headers in ({}, {"X-Api-Key": "wrong"}, {"X-Api-Key": API_KEY[:-1]}):
        response = httpx.post(stack.url + "/v1/jobs", files={"file": ("p.png", data)}, headers=headers)
        assert response.status_code == 401 and "X-Api-Key" in response.json()["detail"]
        assert httpx.get(stack.url + "/v1/jobs/" + "0" * 32, headers=headers).status_code == 401
    assert httpx.get(stack.url + "/healthz").status_code == 200  # probes stay open
    ok = httpx.post(stack.url + "/v1/jobs", files={"file": ("p.png", data)}, headers={"X-Api-Key": "other-key"})
    assert ok.status_code == 202


@pytest.mark.parametrize(
    ("form", "needle"),
    [
        ({"model": "../../etc/passwd"}, "unknown model"),
        ({"lang": "eng; rm -rf /"}, "bad lang"),
        ({"callback_url": "file:///etc/passwd"}, "http"),
        ({"callback_url": "http://example.com:99999/"}, "valid URL"),
        ({"ocr": "true", "lang": "xyz"}, "tesseract-ocr-xyz"),
    ],
)
def test_bad_options_are_422(api, form, needle):
    response = api.post("/v1/jobs", files={"file": ("p.png", crops(1)[0])}, data=form)
    assert response.status_code == 422 and needle in response.json()["detail"]


def test_non_image_upload_is_refused_with_a_reason(api):
    response = api.post("/v1/jobs", files={"file": ("page.png", b"<html><body>not a page</body></html>")})
    assert response.status_code == 415 and "HTML" in response.json()["detail"]
    response = api.post("/v1/jobs", files={"file": ("page.png", b"%PDF-1.7 not really")})  # a PDF, by its bytes
    assert response.status_code == 422 and "PDF" in response.json()["detail"]
    response = api.post("/v1/jobs", files={"file": ("page.png", b"")})
    assert response.status_code == 422 and "empty" in response.json()["detail"]


class Receiver(BaseHTTPRequestHandler):
    """A webhook receiver that fails the first POST with 503, then takes them."""

    received: list[dict] = []
    calls = 0

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).calls += 1
        if type(self).calls == 1:
            self.send_response(503)
        else:
            type(self).received.append(body)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_is_retried_until_delivered(api):
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        response = api.post("/v1/jobs", files={"file": ("p.png", crops(1)[0])}, data={"callback_url": url})
        job_id = response.json()["id"]
        wait_job(api, job_id)
        for _ in range(150):
            if Receiver.received:
                break
            threading.Event().wait(0.1)
        assert Receiver.calls >= 2, "the 503 was not retried"
        assert Receiver.received[0]["id"] == job_id and Receiver.received[0]["status"] == "done"
        for _ in range(50):
            if api.get(f"/v1/jobs/{job_id}").json()["callback"].startswith("delivered"):
                break
            threading.Event().wait(0.1)
        assert api.get(f"/v1/jobs/{job_id}").json()["callback"].startswith("delivered")
    finally:
        server.shutdown()


def test_results_of_a_non_ascii_file_name_download(api):
    response = api.post("/v1/jobs", files={"file": ("документ №1.png", crops(1)[0])}, data={"ocr": "true"})
    record = wait_job(api, response.json()["id"])
    image = api.get(f"/v1/jobs/{record['id']}/image")
    assert image.status_code == 200
    assert "filename*=UTF-8''%D0%B4" in image.headers["content-disposition"]
    hocr = api.get(f"/v1/jobs/{record['id']}/hocr")
    assert hocr.status_code == 200 and "sandbox" in hocr.headers["content-security-policy"]


@requires_tesseract
@requires_tesseract
def test_a_sideways_page_is_read_upright_and_the_job_says_so(api):
    src = EXAMPLES / "03_phone_photo_shadow.png"
    truth = (EXAMPLES / "03_phone_photo_shadow.gt.txt").read_text()
    page = Image.open(src).convert("L")
    buf = io.BytesIO()
    page.rotate(90, expand=True).save(buf, format="PNG")  # a quarter turn counter-clockwise
    job_id = api.post("/v1/jobs", files={"file": ("sideways.png", buf.getvalue())}, data={"ocr": "true"}).json()["id"]
    record = wait_job(api, job_id)
    assert record["status"] == "done", record
    assert record["quarter"] == 1 and record["angle"] is not None and record["lines_removed"] is not None
    assert Image.open(io.BytesIO(api.get(f"/v1/jobs/{job_id}/image").content)).size == page.size  # upright
    assert cer(api.get(f"/v1/jobs/{job_id}/text").text, truth) < 0.1
    tall, wide = page.size  # the upload is as tall as the page is wide
    rows = [r.split("\t") for r in api.get(f"/v1/jobs/{job_id}/tsv").text.splitlines()[1:] if r.startswith("5\t")]
    assert rows and all(int(r[6]) + int(r[8]) <= wide and int(r[7]) + int(r[9]) <= tall for r in rows)
    kept = api.post("/v1/jobs", files={"file": ("s.png", buf.getvalue())}, data={"rotate": "false"}).json()["id"]
    record = wait_job(api, kept)
    assert record["quarter"] == 0
    assert Image.open(io.BytesIO(api.get(f"/v1/jobs/{kept}/image").content)).size == (wide, tall)


def test_small_print_is_read_upscaled_with_boxes_on_the_uploaded_page(api):
    data, truth = lowres_png()
    job_id = api.post("/v1/jobs", files={"file": ("fax.png", data)}, data={"ocr": "true"}).json()["id"]
    record = wait_job(api, job_id)
    assert record["status"] == "done", record
    assert record["ocr_scale"] == 2 and record["image_scale"] == 1
    assert Image.open(io.BytesIO(api.get(f"/v1/jobs/{job_id}/image").content)).size == (640, 200)
    on, matched = boxes_on_words(api.get(f"/v1/jobs/{job_id}/hocr").text, truth)
    assert matched >= 0.8 * len(truth) and on >= 0.9 * matched
    assert api.delete(f"/v1/jobs/{job_id}").status_code == 204


def test_upscale_field_returns_the_upscaled_page_and_bad_values_are_422(api):
    data, _ = lowres_png()
    job_id = api.post("/v1/jobs", files={"file": ("fax.png", data)}, data={"upscale": "2"}).json()["id"]
    record = wait_job(api, job_id)
    assert record["status"] == "done" and record["image_scale"] == 2 and record["options"]["upscale"] == "2"
    image = Image.open(io.BytesIO(api.get(f"/v1/jobs/{job_id}/image").content))
    assert image.size == (1280, 400) and [round(v) for v in image.info["dpi"]] == [200, 200]
    bad = api.post("/v1/jobs", files={"file": ("fax.png", data)}, data={"upscale": "3"})
    assert bad.status_code == 422 and "auto, off, 2 or 4" in bad.json()["detail"]
