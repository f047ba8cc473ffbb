"""The real ``pagewash`` console command in a subprocess, on a folder with a bad file in it."""

import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from tests.conftest import requires_tesseract
from training.synth import make_sample

BIN = Path(sys.executable).parent / "pagewash"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=300)


def make_folder(root: Path) -> None:
    (root / "sub").mkdir(parents=True)
    s = make_sample(5, "val", (320, 240))
    Image.fromarray(s.noisy).save(root / "a.png")
    Image.fromarray(s.noisy).convert("RGB").save(root / "sub" / "b.jpg", quality=90)
    frames = [Image.fromarray(s.noisy), Image.fromarray(s.clean)]
    frames[0].save(root / "multi.tif", save_all=True, append_images=frames[1:])
    (root / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    (root / "notes.txt").write_text("not an image, ignored in folders")


def test_clean_folder_with_a_corrupt_file(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    make_folder(src)
    r = run("clean", str(src), "-o", str(out), "-q")
    assert r.returncode == 1, r.stderr
    assert "corrupt.png" in r.stderr
    produced = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
    assert produced == ["a.png", "multi.p001.png", "multi.p002.png", "sub/b.png"]
    assert Image.open(out / "a.png").size == (320, 240)
    assert Image.open(out / "a.png").mode == "L"
    assert "cleaned 4 page(s) from 3 file(s)" in r.stdout and "1 failed" in r.stdout

    again = run("clean", str(src), "-o", str(out), "-q")  # a rerun skips what is done
    assert "skipped 3 already done" in again.stdout


def test_clean_binarize_single_file(tmp_path):
    s = make_sample(8, "val", (200, 160))
    Image.fromarray(s.noisy).save(tmp_path / "p.png")
    r = run("clean", str(tmp_path / "p.png"), "-o", str(tmp_path / "o"), "--binarize", "-q")
    assert r.returncode == 0, r.stderr
    values = set(np.unique(np.asarray(Image.open(tmp_path / "o" / "p.png"))))
    assert values <= {0, 255}


def test_help_explains():
    r = run("clean", "--help")
    assert r.returncode == 0 and "multi-page" in r.stdout


@requires_tesseract
def test_clean_with_ocr_writes_text_beside_each_page(tmp_path):
    example = Path(__file__).parents[2] / "pagewash" / "examples" / "02_photocopy_streaks.png"
    Image.open(example).crop((0, 0, 700, 400)).save(tmp_path / "p.png")  # a page Tesseract can read
    out = tmp_path / "o"
    r = run("clean", str(tmp_path / "p.png"), "-o", str(out), "--ocr", "--ocr-format", "txt,hocr,tsv", "-q")
    assert r.returncode == 0, r.stderr
    assert (out / "p.txt").read_text().strip()
    assert "ocr_page" in (out / "p.hocr").read_text()
    assert (out / "p.tsv").read_text().startswith("level\tpage_num")


@requires_tesseract
def test_ocr_without_cleaning_and_a_missing_language(tmp_path):
    s = make_sample(10, "val", (500, 300))
    Image.fromarray(s.noisy).save(tmp_path / "p.png")
    r = run("ocr", str(tmp_path / "p.png"), "-o", str(tmp_path / "o"), "--no-clean", "-q")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o" / "p.txt").exists()
    r = run("ocr", str(tmp_path / "p.png"), "-o", str(tmp_path / "o2"), "--lang", "xyz", "-q")
    assert r.returncode != 0 and "tesseract-ocr-xyz" in r.stderr


@requires_tesseract
def test_upscale_off_and_auto_reproduce_the_cleaner_on_a_300_dpi_page(tmp_path, default_model):
    """Today's output: the page ``denoise`` returns and Tesseract's read of it, both with
    --upscale off and with the default auto (the text is big enough to be left alone)."""
    from pagewash import tesseract
    from pagewash.engine import denoise
    from pagewash.imageio import to_u8

    s = make_sample(100_004, "val", (700, 500))
    Image.fromarray(s.noisy).save(tmp_path / "p.png")
    outputs = {}
    for mode in ("off", "auto"):
        args = ["ocr", str(tmp_path / "p.png"), "-o", str(tmp_path / mode), "--no-verify", "-q"]
        args += ["--no-rotate", "--no-deskew", "--no-lines"]  # the cleaner's page as it is
        r = run(*args, *(["--upscale", "off"] if mode == "off" else []))
        assert r.returncode == 0, r.stderr
        outputs[mode] = (np.asarray(Image.open(tmp_path / mode / "p.png")), (tmp_path / mode / "p.txt").read_text())
    today = to_u8(denoise(default_model, s.noisy.astype(np.float32) / 255))
    for png, text in outputs.values():
        np.testing.assert_array_equal(png, today)
        assert text == tesseract.image_to_text(today)


@requires_tesseract
def test_ocr_of_small_print_upscales_it_and_boxes_stay_in_input_pixels(tmp_path):
    from tests.lowres_page import boxes_on_words, lowres_png

    _, truth = lowres_png(tmp_path / "fax.png")
    r = run("ocr", str(tmp_path / "fax.png"), "-o", str(tmp_path / "o"), "--ocr-format", "txt,hocr", "-q")
    assert r.returncode == 0, r.stderr
    written = Image.open(tmp_path / "o" / "fax.png")
    assert written.size == (640, 200)  # OCR read it upscaled; the image keeps its size
    on, matched = boxes_on_words((tmp_path / "o" / "fax.hocr").read_text(), truth)
    assert matched >= 0.8 * len(truth) and on >= 0.9 * matched


def test_clean_upscale_2_writes_the_upscaled_page_with_its_dpi(tmp_path):
    from tests.lowres_page import lowres_png

    lowres_png(tmp_path / "fax.png")
    r = run("clean", str(tmp_path / "fax.png"), "-o", str(tmp_path / "o"), "--upscale", "2", "-q")
    assert r.returncode == 0, r.stderr
    written = Image.open(tmp_path / "o" / "fax.png")
    assert written.size == (1280, 400)
    assert [round(v) for v in written.info["dpi"]] == [200, 200]
    bad = run("clean", str(tmp_path / "fax.png"), "-o", str(tmp_path / "o2"), "--upscale", "3")
    assert bad.returncode == 2 and "auto, off, 2 or 4" in bad.stderr
