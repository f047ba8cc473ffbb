"""``pagewash.Client`` and ``AsyncClient`` against a real gateway and worker (the session's
``stack``): the service's pixels and text against the local API's on the same pages."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import pagewash
from pagewash import errors
from pagewash.metrics import cer
from tests.cli.test_cli_clean import make_folder
from tests.conftest import API_KEY, UPLOAD_CAP, requires_tesseract
from training.synth import make_sample

EXAMPLES = Path(pagewash.__file__).parent / "examples"


@pytest.fixture
def client(stack):
    with pagewash.Client(stack.url, API_KEY) as c:
        yield c


def within_one_grey_level(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and int(np.abs(a.astype(int) - b.astype(int)).max()) <= 1


def test_client_clean_gives_the_local_pixels(client, default_model):
    page = make_sample(31, "val", (360, 280)).noisy
    rgb = np.stack([page, page, (page * 0.85).astype(np.uint8)], axis=2)
    rgba = np.concatenate([rgb, np.full(page.shape + (1,), 255, np.uint8)], axis=2)
    rgba[:100, :, 3] = 60
    g16 = page.astype(np.uint16) * 257 + np.random.default_rng(1).integers(0, 257, page.shape).astype(np.uint16)
    path = EXAMPLES / "02_photocopy_streaks.png"
    kinds = (path, path.read_bytes(), page, rgb, rgba, g16, page.astype(np.float32) / 255, page > 128)
    for given in (*kinds, Image.fromarray(rgb), Image.fromarray(page).convert("P")):
        served = client.clean(given)
        assert served.dtype == np.uint8
        assert within_one_grey_level(served, pagewash.clean(given, model=default_model)), type(given).__name__
    assert client.clean(page, upscale="2").shape == (560, 720)


@requires_tesseract
def test_client_read_reads_as_the_local_api_does(client):
    path = EXAMPLES / "04_creased_dark_border.png"
    truth = (EXAMPLES / "04_creased_dark_border.gt.txt").read_text()
    served, here = client.read(path), pagewash.read(path)
    assert cer(served.text, truth) < cer(pagewash.read(path, clean=False).text, truth) - 0.3
    assert abs(cer(served.text, truth) - cer(here.text, truth)) < 0.02
    assert served.source == here.source and abs(served.mean_confidence - here.mean_confidence) < 2
    assert within_one_grey_level(served.clean, here.clean)
    assert [w.text for w in served.words][:20] == [w.text for w in here.words][:20]
    assert served.hocr.startswith("<?xml") and served.tsv.startswith("level")


@requires_tesseract
def test_client_read_upscaled_for_ocr_only_as_locally(client):
    from tests.lowres_page import lowres_page

    page, _ = lowres_page()
    for upscale in ("2", "auto"):
        served, here = client.read(page, upscale=upscale), pagewash.read(page, upscale=upscale)
        assert served.clean.shape == page.shape  # read at 2x, returned at the upload's size
        assert served.source == here.source and within_one_grey_level(served.clean, here.clean)
        assert [w.box for w in served.words] == [w.box for w in here.words]


def test_submit_wait_result_delete(client):
    job_id = client.submit(make_sample(32, "val", (200, 160)).noisy, binarize=True)
    record = client.wait(job_id, timeout=120)
    assert record["status"] == "done" and record["options"]["binarize"] is True
    png = client.result(job_id, "image")
    assert set(np.unique(np.asarray(Image.open(io.BytesIO(png))))) == {0, 255}  # black and white as asked
    assert client.job(job_id)["id"] == job_id
    client.delete(job_id)
    with pytest.raises(errors.NotFound, match="no job"):
        client.job(job_id)


def test_service_errors_have_their_own_classes(stack, client):
    with pagewash.Client(stack.url, "wrong-key") as stranger, pytest.raises(errors.Unauthorized) as e:
        stranger.clean(EXAMPLES / "01_stains_show_through.png")
    assert e.value.status == 401 and "X-Api-Key" in str(e.value)
    with pytest.raises(errors.Refused) as e:
        client.clean(b"\x89PNG\r\n\x1a\n garbage", timeout=60)
    assert e.value.status == 422 and "truncated" in e.value.detail.lower()
    with pytest.raises(errors.ImageTooLarge) as e:  # a RemoteTooLarge: catching ImageTooLarge works both ways
        client.submit(b"\x89PNG\r\n\x1a\n" + bytes(UPLOAD_CAP + 1))
    assert isinstance(e.value, errors.RemoteTooLarge) and e.value.status == 413
    with pytest.raises(errors.Refused, match="model"):
        client.clean(EXAMPLES / "01_stains_show_through.png", model="no-such-model")
    with pytest.raises(errors.WaitTimeout):
        client.wait(client.submit(make_sample(33, "val", (900, 900)).noisy), timeout=0.01)
    assert client.ready()
    with pagewash.Client("http://127.0.0.1:9", retries=1) as nobody:
        assert not nobody.ready()
        with pytest.raises(errors.Unreachable):
            nobody.job("x")  # a closed port: refused, retried once, then reported


def test_batch_reports_each_page_or_why_not(client, tmp_path):
    make_folder(tmp_path)
    paths = [tmp_path / "a.png", tmp_path / "corrupt.png", tmp_path / "multi.tif", tmp_path / "missing.png"]
    pages = client.batch(paths, timeout=120)
    assert [(Path(p.source).name, p.page, p.ok) for p in pages] == [
        ("a.png", 1, True),
        ("corrupt.png", 1, False),
        ("multi.tif", 1, True),
        ("multi.tif", 2, True),
        ("missing.png", 1, False),
    ]
    assert "truncated" in pages[1].error.lower() and "No such file" in pages[4].error
    assert within_one_grey_level(pages[0].image, pagewash.clean(tmp_path / "a.png"))
    assert within_one_grey_level(pages[3].image, pagewash.clean(tmp_path / "multi.tif", page=1))


@requires_tesseract
def test_batch_with_ocr_keeps_each_tiff_frames_own_size(client, tmp_path):
    frames = [
        Image.open(EXAMPLES / "01_stains_show_through.png"),
        Image.fromarray(make_sample(34, "val", (300, 200)).noisy),
    ]
    frames[0].save(tmp_path / "two.tif", save_all=True, append_images=frames[1:])
    pages = client.batch([tmp_path / "two.tif"], ocr=True, timeout=300)
    assert [p.ok for p in pages] == [True, True]
    for page, frame in zip(pages, frames):
        assert page.image.shape == page.result.clean.shape == (frame.height, frame.width)
    assert "WHEN TABLE" in pages[0].result.text


@requires_tesseract
def test_async_client_does_the_same_concurrently(stack):
    path, other = EXAMPLES / "03_phone_photo_shadow.png", EXAMPLES / "01_stains_show_through.png"

    async def main():
        async with pagewash.AsyncClient(stack.url, API_KEY) as c:
            return await asyncio.gather(c.clean(path), c.read(path), c.batch([other], ocr=True))

    cleaned, result, pages = asyncio.run(main())
    assert within_one_grey_level(cleaned, pagewash.clean(path))
    truth = (EXAMPLES / "03_phone_photo_shadow.gt.txt").read_text()
    assert cer(result.text, truth) < 0.05
    truth = (EXAMPLES / "01_stains_show_through.gt.txt").read_text()
    assert pages[0].ok and cer(pages[0].result.text, truth) < 0.05
    assert pages[0].image.shape == pagewash.clean(other).shape
