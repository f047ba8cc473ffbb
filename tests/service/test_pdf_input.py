"""PDFs through the real gateway and worker: a scan becomes one job whose result is a
searchable PDF; every file of the bad-PDF corpus gets the status it should, and the worker
keeps working after all of them."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest

from pagewash.metrics import cer
from pagewash.pdf import text_layer
from tests.conftest import requires_tesseract
from tests.pagewash.test_pdf import REFUSED as PROBE_REFUSED
from tests.scanned_pdf import EXAMPLES, scanned_pdf
from tests.stack import wait_job

CORPUS = Path(__file__).parents[1] / "data" / "pdf"
# file -> (status, words the reason must contain): the probe's refusals (tests/pagewash/test_pdf.py)
# with the HTTP status each error carries
REFUSED = {name: (kind.http_status, needle) for name, (kind, needle) in PROBE_REFUSED.items()}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_bad_pdf_is_4xx_with_a_reason(api, name):
    status, needle = REFUSED[name]
    data = (CORPUS / name).read_bytes()
    response = api.post("/v1/jobs", files={"file": (name, data, "application/pdf")})
    assert response.status_code == status, response.text
    assert needle in response.json()["detail"].lower()
    response = api.post("/v1/batches", files={"files": (name, data, "application/pdf")})
    assert response.status_code == status  # the batch holds nothing else usable


@requires_tesseract
def test_scanned_pdf_becomes_a_searchable_pdf(api, tmp_path):
    src = tmp_path / "scan.pdf"
    truths = scanned_pdf(src)
    response = api.post(
        "/v1/jobs", files={"file": ("scan.pdf", src.read_bytes(), "application/pdf")}, data={"ocr": "true"}
    )
    assert response.status_code == 202, response.text
    job = wait_job(api, response.json()["id"], timeout=300)
    assert job["status"] == "done", job
    assert job["kind"] == "pdf" and job["pages"] == 3 and job["skipped_pages"] == []
    assert set(job["links"]) == {"self", "pdf", "text"}
    pdf = api.get(f"/v1/jobs/{job['id']}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert 'filename="scan.clean.pdf"' in pdf.headers["content-disposition"]
    out = tmp_path / "out.pdf"
    out.write_bytes(pdf.content)
    pages = text_layer(out)
    assert len(pages) == 3
    assert sum(cer(t, p) for t, p in zip(truths, pages)) / 3 < 0.4  # plain OCRmyPDF: 0.62 (tests/pagewash/test_pdf.py)
    text = api.get(f"/v1/jobs/{job['id']}/text")
    assert text.status_code == 200 and "Invoice" in text.text
    assert api.get(f"/v1/jobs/{job['id']}/image").status_code == 404  # a PDF job's result is the PDF
    assert api.get(f"/v1/jobs/{job['id']}/hocr").status_code == 404


@requires_tesseract
def test_born_digital_pdf_is_kept_and_the_job_says_so(api):
    data = (CORPUS / "born-digital.pdf").read_bytes()
    response = api.post("/v1/jobs", files={"file": ("typed.pdf", data)}, data={"ocr": "true"})
    job = wait_job(api, response.json()["id"], timeout=120)
    assert job["status"] == "done", job
    assert job["skipped_pages"] == [1] and "already had text" in job["note"]
    assert api.get(f"/v1/jobs/{job['id']}/pdf").content == data
    assert "typed, not scanned" in api.get(f"/v1/jobs/{job['id']}/text").text


def test_pdf_with_scripts_forms_and_attachments_is_rendered_not_run(api, tmp_path):
    data = (CORPUS / "javascript-form-attachment.pdf").read_bytes()
    response = api.post("/v1/jobs", files={"file": ("active.pdf", data)})
    assert response.status_code == 202, response.text
    job = wait_job(api, response.json()["id"], timeout=120)
    assert job["status"] == "done", job
    assert job["pages"] == 2 and set(job["links"]) == {"self", "pdf"}
    out = tmp_path / "out.pdf"
    out.write_bytes(api.get(f"/v1/jobs/{job['id']}/pdf").content)
    with pikepdf.open(out) as doc:
        assert len(doc.pages) == 2 and "/OpenAction" not in doc.Root


def test_a_batch_mixes_pdfs_and_images_and_the_worker_lives_on(api, stack):
    bad = [(n, (CORPUS / n).read_bytes()) for n in sorted(REFUSED)]
    files = [
        ("files", ("page.png", (EXAMPLES / "02_photocopy_streaks.png").read_bytes())),
        ("files", ("scan.pdf", (CORPUS / "javascript-form-attachment.pdf").read_bytes())),
        *[("files", item) for item in bad],
    ]
    response = api.post("/v1/batches", files=files)
    assert response.status_code == 202, response.text
    body = response.json()
    assert len(body["jobs"]) == 2
    assert {x["filename"] for x in body["rejected"]} == set(REFUSED)
    for j in body["jobs"]:
        assert wait_job(api, j["id"], timeout=120)["status"] == "done"
    assert stack.procs["worker"].poll() is None  # the worker process is still up


def test_binarize_is_refused_for_a_pdf(api):
    data = (CORPUS / "born-digital.pdf").read_bytes()
    response = api.post("/v1/jobs", files={"file": ("typed.pdf", data)}, data={"binarize": "true"})
    assert response.status_code == 422 and "binarize" in response.json()["detail"]
