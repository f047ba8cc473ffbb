"""PDFs in and out: the probe on the bad-PDF corpus, and the two routes to a searchable PDF
(``pagewash ocr IN.pdf`` and ``ocrmypdf --plugin pagewash.ocrmypdf_plugin``) against plain
OCRmyPDF on the same scan, all with the real OCRmyPDF, Tesseract and Ghostscript."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pytest

from pagewash.errors import BadPdf, EncryptedPdf, ImageTooLarge
from pagewash.metrics import cer
from pagewash.pdf import is_pdf, probe, text_layer
from tests.conftest import requires_tesseract
from tests.scanned_pdf import scanned_pdf

BIN = Path(sys.executable).parent
CORPUS = Path(__file__).parents[1] / "data" / "pdf"
REFUSED = {
    "encrypted.pdf": (EncryptedPdf, "password"),
    "owner-password.pdf": (EncryptedPdf, "encrypted"),
    "truncated.pdf": (BadPdf, "not a readable pdf"),
    "garbage-after-header.pdf": (BadPdf, "not a readable pdf"),
    "bomb-deep-nesting.pdf": (BadPdf, "no pages"),
    "bomb-deep-page-tree.pdf": (BadPdf, "too deeply nested"),
    "bomb-huge-page.pdf": (ImageTooLarge, "mp"),
    "bomb-2000-pages.pdf": (ImageTooLarge, "2000 pages"),
    "bomb-tiny-image-huge-page.pdf": (ImageTooLarge, "mp"),
}
ACCEPTED = {"javascript-form-attachment.pdf": [], "born-digital.pdf": [1]}  # -> pages that have text


def test_corpus_is_complete():
    assert {p.name for p in CORPUS.iterdir()} == set(REFUSED) | set(ACCEPTED)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_probe_refuses_bad_pdfs_with_a_reason(name):
    kind, needle = REFUSED[name]
    with pytest.raises(kind) as e:
        probe(CORPUS / name)
    assert needle in str(e.value).lower()
    assert str(CORPUS) not in str(e.value)  # no server paths in what a client reads


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_probe_reads_pages_and_text(name):
    facts = probe(CORPUS / name)
    assert facts.text_pages == ACCEPTED[name]
    assert facts.pages >= 1


def test_probe_stops_a_parse_that_runs_past_its_caps(tmp_path, monkeypatch):
    from pagewash.settings import get_settings

    monkeypatch.setattr(get_settings(), "pdf_probe_memory_mb", 60)  # too little to even import the parser
    with pytest.raises(BadPdf, match="within"):
        probe(CORPUS / "born-digital.pdf")


def test_is_pdf_goes_by_content():
    assert is_pdf(b"%PDF-1.7\n...")
    assert is_pdf(b"\n\n junk %PDF-1.4")
    assert not is_pdf(b"\x89PNG\r\n\x1a\n....%PDF-1.7")  # an image with the header in its metadata
    assert not is_pdf(b"hello")


def mean_cer(truths: list[str], pdf: Path) -> float:
    pages = text_layer(pdf)
    assert len(pages) == len(truths)
    return float(np.mean([cer(t, p) for t, p in zip(truths, pages)]))


@pytest.fixture(scope="module")
def scan(tmp_path_factory) -> tuple[Path, list[str], float]:
    """The 3-page scan, and plain OCRmyPDF's text-layer CER on it (the baseline)."""
    tmp = tmp_path_factory.mktemp("scan")
    src = tmp / "scan.pdf"
    truths = scanned_pdf(src)
    plain = tmp / "plain.pdf"
    subprocess.run([str(BIN / "ocrmypdf"), "-q", str(src), str(plain)], check=True, timeout=300)
    return src, truths, mean_cer(truths, plain)


@requires_tesseract
def test_pagewash_ocr_pdf_beats_plain_ocrmypdf(scan, tmp_path):
    src, truths, plain = scan
    out = tmp_path / "out"
    r = subprocess.run(
        [str(BIN / "pagewash"), "ocr", str(src), "-o", str(out), "-q"], capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr
    pdf = out / "scan.pdf"
    ours = mean_cer(truths, pdf)
    assert ours < plain, (ours, plain)
    assert (out / "scan.txt").read_text().count("\f") >= 2  # the text of 3 pages, page breaks between
    with pikepdf.open(pdf) as doc:
        assert len(doc.pages) == 3
        assert doc.open_metadata().pdfa_status.startswith("2")  # PDF/A-2, as OCRmyPDF writes by default
        with pikepdf.open(src) as original:  # page sizes kept: the text layer sits on the same page
            for a, b in zip(doc.pages, original.pages):
                assert np.allclose([float(v) for v in a.mediabox], [float(v) for v in b.mediabox], atol=0.5)


@requires_tesseract
def test_ocrmypdf_plugin_beats_plain_ocrmypdf(scan, tmp_path):
    src, truths, plain = scan
    out = tmp_path / "plugin.pdf"
    cmd = [str(BIN / "ocrmypdf"), "-q", "--plugin", "pagewash.ocrmypdf_plugin", str(src), str(out)]
    subprocess.run(cmd, check=True, timeout=300)
    ours = mean_cer(truths, out)
    assert ours < plain, (ours, plain)
    assert len(pdfium.PdfDocument(str(out))) == 3


@requires_tesseract
def test_the_plugin_hands_ocrmypdf_verifys_read_instead_of_reading_the_page_again(scan, tmp_path):
    """The text layer is the read verify made of the page it handed on (its unsure lines
    re-read), not one more Tesseract run on it."""
    src, truths, plain = scan
    work = tmp_path / "work"
    work.mkdir()
    cmd = [str(BIN / "ocrmypdf"), "-q", "-k", "--plugin", "pagewash.ocrmypdf_plugin", str(src), str(tmp_path / "o.pdf")]
    subprocess.run(cmd, check=True, timeout=300, env={**os.environ, "TMPDIR": str(work)})
    folder = next(work.glob("ocrmypdf.io.*"))
    ours = sorted(folder.glob("*_pagewash.hocr"))
    assert len(ours) == 3
    for hocr in ours:
        assert (folder / hocr.name.replace("pagewash.hocr", "ocr_hocr.hocr")).read_text() == hocr.read_text()
    assert mean_cer(truths, tmp_path / "o.pdf") < plain


def render(pdf: Path, index: int = 0) -> np.ndarray:
    page = pdfium.PdfDocument(str(pdf))[index]
    return np.asarray(page.render(scale=1).to_pil().convert("L"), np.float32) / 255


@requires_tesseract
def test_cleaned_pages_replace_the_scan_unless_kept(scan, tmp_path):
    src = scan[0]
    cleaned, kept = tmp_path / "cleaned.pdf", tmp_path / "kept.pdf"
    base = [str(BIN / "ocrmypdf"), "-q", "--plugin", "pagewash.ocrmypdf_plugin", "--pagewash-verify", "off"]
    subprocess.run([*base, str(src), str(cleaned)], check=True, timeout=300)
    subprocess.run([*base, "--pagewash-keep-original", str(src), str(kept)], check=True, timeout=300)
    skip = tmp_path / "skip-text.pdf"  # paperless-ngx runs OCRmyPDF with --skip-text
    subprocess.run([*base, "--skip-text", "--output-type", "pdf", str(src), str(skip)], check=True, timeout=300)
    original = render(src)
    assert np.abs(render(kept) - original).mean() < 0.02  # the scan, as it was
    assert np.abs(render(cleaned) - original).mean() > 0.05  # the stains are gone
    assert np.abs(render(skip) - render(cleaned)).mean() < 0.02
    assert render(cleaned).mean() > original.mean()  # lighter: background cleaned to white


def test_clean_pdf_writes_cleaned_pages_without_text(scan, tmp_path):
    src = scan[0]
    r = subprocess.run(
        [str(BIN / "pagewash"), "clean", str(src), "-o", str(tmp_path), "-q"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    out = tmp_path / "scan.pdf"
    assert [t.strip() for t in text_layer(out)] == ["", "", ""]
    assert np.abs(render(out) - render(src)).mean() > 0.05
    assert not (tmp_path / "scan.txt").exists()


@requires_tesseract
def test_folder_mixing_pdfs_and_images_skips_the_bad_ones(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    (src / "sub").mkdir(parents=True)
    for name in ("born-digital.pdf", "encrypted.pdf", "bomb-huge-page.pdf"):
        shutil.copy(CORPUS / name, src / name)
    shutil.copy(CORPUS / "javascript-form-attachment.pdf", src / "sub" / "scan.pdf")
    from tests.scanned_pdf import EXAMPLES

    shutil.copy(EXAMPLES / "02_photocopy_streaks.png", src / "page.png")
    r = subprocess.run(
        [str(BIN / "pagewash"), "ocr", str(src), "-o", str(out), "-q"], capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 1
    assert "encrypted.pdf" in r.stderr and "password" in r.stderr
    assert "bomb-huge-page.pdf" in r.stderr
    produced = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert produced == ["born-digital.pdf", "born-digital.txt", "page.png", "page.txt", "sub/scan.pdf", "sub/scan.txt"]
    # a born-digital PDF is kept as it is, its own text beside it
    assert (out / "born-digital.pdf").read_bytes() == (CORPUS / "born-digital.pdf").read_bytes()
    assert "typed, not scanned" in (out / "born-digital.txt").read_text()


@requires_tesseract
def test_scripts_forms_and_actions_are_not_carried_into_the_output(tmp_path):
    out = tmp_path / "out.pdf"
    cmd = [str(BIN / "ocrmypdf"), "-q", "--plugin", "pagewash.ocrmypdf_plugin", "--pagewash-verify", "off"]
    subprocess.run([*cmd, str(CORPUS / "javascript-form-attachment.pdf"), str(out)], check=True, timeout=300)
    with pikepdf.open(out) as doc:
        assert "/OpenAction" not in doc.Root and "/AcroForm" not in doc.Root
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary):
                assert "/JS" not in obj and "/AA" not in obj


@requires_tesseract
def test_a_pdf_mixing_text_and_scanned_pages_keeps_the_text_and_loses_its_scripts(tmp_path):
    from pagewash.pdf import PdfJob, process_pdf

    mixed = tmp_path / "mixed.pdf"
    with pikepdf.open(CORPUS / "javascript-form-attachment.pdf") as doc, pikepdf.open(CORPUS / "born-digital.pdf") as t:
        doc.pages.append(t.pages[0])
        doc.save(mixed)
    out, txt = tmp_path / "out.pdf", tmp_path / "out.txt"
    result = process_pdf(mixed, out, PdfJob(), txt)
    assert result.pages == 3 and result.skipped == [3]
    assert "not PDF/A" in result.describe() and "JavaScript" in result.describe()
    assert "typed, not scanned" in text_layer(out)[2]  # the text page kept its own text
    with pikepdf.open(out) as doc:
        assert len(doc.pages) == 3 and "/OpenAction" not in doc.Root
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary):
                assert "/JS" not in obj and "/AA" not in obj


def test_scrub_removes_chained_inline_and_launch_actions(tmp_path):
    from pagewash.pdf import run_capped

    path = tmp_path / "sneaky.pdf"
    with pikepdf.open(CORPUS / "born-digital.pdf") as doc:
        js = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        uri = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://example.com"), Next=js)  # inline
        link = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 50, 50], A=uri)
        doc.pages[0].Annots = pikepdf.Array([link])
        doc.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe"))
        doc.save(path)
    assert run_capped("scrub", path)["removed"] == 2
    with pikepdf.open(path) as doc:
        assert "/OpenAction" not in doc.Root
        (annot,) = doc.pages[0].Annots
        assert annot.A.S == pikepdf.Name.URI and "/Next" not in annot.A  # the link stays, its script goes
    assert run_capped("scrub", path)["removed"] == 0  # nothing left; the file is not rewritten
