"""PDFs: check an untrusted one under caps, then clean it (and make it searchable) with
OCRmyPDF and the pagewash plugin (``pagewash.ocrmypdf_plugin``).

Both steps run in child processes. A PDF is a program's worth of structure (object trees,
streams, page boxes), and the parsers behind OCRmyPDF (qpdf, pdfminer, pdfium, Ghostscript)
can be driven into deep recursion or huge allocations by a hostile file. In a child with a
memory cap and a deadline, such a file costs one refused request or one failed job, never
the gateway or the worker. Nothing in a PDF is executed: its pages are rendered, and the
JavaScript, form actions and attachments it carries are never run.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from pagewash.errors import BadPdf, EncryptedPdf, ImageTooLarge, JobTimeout, PagewashError
from pagewash.imageio import sniff
from pagewash.settings import Structure, get_settings, model_name, structure_choice

log = logging.getLogger(__name__)
MAGIC = b"%PDF-"
PLUGIN = "pagewash.ocrmypdf_plugin"


def is_pdf(head: bytes) -> bool:
    """A PDF by its first bytes (the header may follow a little junk, as readers allow; an
    image whose metadata happens to hold the header is still an image)."""
    return sniff(head[:16]) is None and MAGIC in head[:1024]


@dataclass
class PdfFacts:
    pages: int
    text_pages: list[int] = field(default_factory=list)  # 1-based: pages that already have text
    largest_page_pixels: int = 0  # the largest page as OCRmyPDF would render it

    @property
    def image_pages(self) -> int:
        return self.pages - len(self.text_pages)


_probes = threading.BoundedSemaphore(2)  # PDFs parsed at once per process (each may take its memory cap)


def run_capped(command: str, path: Path, *args: str) -> dict:
    """``pagewash.pdf_probe COMMAND PATH ARGS`` in a child process that caps itself at
    ``PAGEWASH_PDF_PROBE_MEMORY_MB`` and ``PAGEWASH_PDF_PROBE_TIMEOUT``: its JSON answer, or
    ``BadPdf`` when it died or ran past a cap."""
    s = get_settings()
    limit = s.pdf_probe_timeout
    cmd = [sys.executable, "-m", "pagewash.pdf_probe", str(s.pdf_probe_memory_mb), str(int(limit) + 1)]
    with _probes:
        try:
            done = subprocess.run(
                [*cmd, command, str(path), *args],
                capture_output=True,
                text=True,
                timeout=limit,
                env={**os.environ, "OMP_NUM_THREADS": "1"},
            )
        except subprocess.TimeoutExpired as e:
            raise BadPdf(f"the PDF could not be read within {limit:g} s (refused as a possible PDF bomb)") from e
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        log.warning("pdf %s died (rc %s): %s", command, done.returncode, done.stderr.strip()[-500:])
        raise BadPdf(
            f"the PDF could not be read within {s.pdf_probe_memory_mb} MB and {limit:g} s (damaged, or a PDF bomb)"
        ) from None


def probe(path: Path) -> PdfFacts:
    """What a PDF holds, read under the caps (``run_capped``); raises ``EncryptedPdf``,
    ``ImageTooLarge`` (too many pages, or a page that would render past
    ``PAGEWASH_PDF_MAX_PAGE_PIXELS``) or ``BadPdf``."""
    s = get_settings()
    out = run_capped("facts", path, str(s.pdf_max_pages))
    if out.get("error"):
        kind = {"encrypted": EncryptedPdf, "too_many_pages": ImageTooLarge}.get(out["error"], BadPdf)
        raise kind(out["message"])
    facts = PdfFacts(out["pages"], out["text_pages"], out["largest_page_pixels"])
    if facts.largest_page_pixels > s.pdf_max_page_pixels:
        raise ImageTooLarge(
            f"a page would render to {facts.largest_page_pixels / 1e6:,.0f} MP, over the cap of "
            f"{s.pdf_max_page_pixels / 1e6:,.0f} MP (PAGEWASH_PDF_MAX_PAGE_PIXELS)"
        )
    return facts


@dataclass
class PdfJob:
    """How to clean one PDF: the plugin's options, and whether Tesseract reads the pages."""

    ocr: bool = True
    lang: str = "eng"
    model: str | None = None  # None or default: PAGEWASH_MODEL
    upscale: str | None = None  # None: PAGEWASH_UPSCALE
    device: str | None = None
    keep_original: bool = False  # keep the scanned images; only the text layer comes from the cleaned pages
    clean: bool = True  # False: plain OCRmyPDF (``ocr --no-clean``)
    pdfa: bool = True  # PDF/A output, as OCRmyPDF does by default
    jobs: int = 0  # OCRmyPDF worker processes (0: one per core)
    structure: Structure | None = None  # the structure steps (None: as the settings say)


def ocrmypdf_command(src: Path, dst: Path, job: PdfJob, sidecar: Path | None, skip_text: bool = False) -> list[str]:
    """OCRmyPDF's command line. ``skip_text`` (a file with some pages of text) keeps those pages
    as they are, and then writes a plain PDF: Debian 12's Ghostscript (10.0.0), which PDF/A
    needs, corrupts existing text, and OCRmyPDF refuses to run it on such files."""
    s = get_settings()
    cmd = [sys.executable, "-m", "ocrmypdf", "--quiet"]
    cmd += ["--skip-text", "--output-type", "pdf"] if skip_text else ["--output-type", "pdfa" if job.pdfa else "pdf"]
    cmd += ["--max-image-mpixels", f"{s.pdf_max_page_pixels / 1e6:g}"]
    if job.jobs:
        cmd += ["--jobs", str(job.jobs)]
    if job.ocr:
        cmd += ["--language", job.lang]
        if sidecar is not None:
            cmd += ["--sidecar", str(sidecar)]
    else:
        cmd += ["--ocr-engine", "none"]
    if job.clean:
        cmd += ["--plugin", PLUGIN]
        cmd += ["--pagewash-model", model_name(job.model), "--pagewash-upscale", job.upscale or s.upscale]
        cmd += ["--pagewash-device", job.device or s.device]
        if job.keep_original:
            cmd.append("--pagewash-keep-original")
        steps = job.structure or structure_choice()
        for flag, on in (("rotate", steps.rotate), ("deskew", steps.deskew), ("lines", steps.lines)):
            cmd += [f"--pagewash-{flag}", "on" if on else "off"]
        cmd += ["--pagewash-remove-lines", "on" if steps.remove_lines else "off"]
    return [*cmd, str(src), str(dst)]


# OCRmyPDF's exit codes that mean the input (not this program) is at fault
INPUT_ERRORS = {2: "not a PDF OCRmyPDF can read", 6: "the PDF already has text", 8: "the PDF is encrypted"}
PDFA_FAILED = 10  # the output is written, as a plain PDF


def run_ocrmypdf(
    src: Path,
    dst: Path,
    job: PdfJob,
    sidecar: Path | None = None,
    skip_text: bool = False,
    timeout: float | None = None,
) -> str:
    """Run OCRmyPDF with the pagewash plugin on ``src`` into ``dst`` (a note, "" or why the output
    is not PDF/A). The whole process group is killed at ``timeout`` (``PAGEWASH_PDF_TIMEOUT``)."""
    timeout = timeout or get_settings().pdf_timeout
    with tempfile.TemporaryDirectory(prefix="pagewash-ocrmypdf-") as tmp:
        # OCRmyPDF's own temporary files go under TMPDIR: here, so a killed run leaves nothing behind
        env = {**os.environ, "TMPDIR": tmp}
        proc = subprocess.Popen(
            ocrmypdf_command(src, dst, job, sidecar, skip_text),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )
        memory = get_settings().pdf_memory_mb
        if memory and not (job.device or get_settings().device).startswith("cuda"):  # CUDA maps huge address space
            with contextlib.suppress(ProcessLookupError):  # OCRmyPDF's workers, forked later, inherit it
                resource.prlimit(proc.pid, resource.RLIMIT_AS, (memory * 2**20, memory * 2**20))
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as e:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise JobTimeout(f"OCRmyPDF ran past the PDF deadline of {timeout:g} s (PAGEWASH_PDF_TIMEOUT)") from e
        except BaseException:  # interrupted (Ctrl-C, a job deadline): never leave it running
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
    rc = proc.returncode
    tail = re.sub(r"/\S*(pagewash|ocrmypdf)\S*", "...", " ".join(err.strip().splitlines()[-3:]))[-300:]
    if rc == 0:
        return ""
    if rc == PDFA_FAILED and dst.exists():
        return "written as a plain PDF: the PDF/A conversion failed"
    if rc in INPUT_ERRORS:
        raise BadPdf(f"{INPUT_ERRORS[rc]}: {tail}" if tail else INPUT_ERRORS[rc])
    log.warning("ocrmypdf failed (rc %s): %s", rc, err.strip()[-1000:])
    raise PagewashError(f"OCRmyPDF failed (exit {rc}): {tail}")


@dataclass
class PdfResult:
    pages: int
    skipped: list[int]  # 1-based pages kept as they were (they already had text)
    note: str = ""

    def describe(self) -> str:
        if not self.skipped:
            return self.note
        which = "every page" if len(self.skipped) == self.pages else f"page(s) {', '.join(map(str, self.skipped))}"
        return "; ".join(x for x in (f"{which} already had text and kept it (not cleaned)", self.note) if x)


def process_pdf(src: Path, dst: Path, job: PdfJob, sidecar: Path | None = None) -> PdfResult:
    """The one PDF step the CLI and the worker call: probe under caps, then OCRmyPDF with the
    plugin; ``dst`` is written whole or not at all."""
    facts = probe(src)
    part = dst.with_name(dst.name + ".part")
    side_part = sidecar.with_name(sidecar.name + ".part") if sidecar is not None else None
    try:
        notes = []
        if facts.image_pages == 0:  # born digital: nothing to clean or read; the file is the answer
            shutil.copyfile(src, part)
        else:
            notes.append(run_ocrmypdf(src, part, job, side_part, skip_text=bool(facts.text_pages)))
            if facts.text_pages:
                notes.append("the scanned pages were read cleaned but keep their images")
                if job.pdfa:
                    notes.append("a plain PDF, not PDF/A: the file already had text on some pages")
        if run_capped("scrub", part).get("removed"):
            notes.append("JavaScript and automatic actions removed")
        if side_part is not None and facts.text_pages:  # the text pages' own text, not "[OCR skipped]"
            side_part.write_text("\f".join(run_capped("text", part).get("pages", [])))
        note = "; ".join(n for n in notes if n)
        part.replace(dst)
        if sidecar is not None and side_part is not None:
            if side_part.exists():
                side_part.replace(sidecar)
            else:
                sidecar.write_text("")
    finally:
        for p in (part, side_part):
            if p is not None and p.exists():
                p.unlink()
    return PdfResult(facts.pages, facts.text_pages, note)


def scan_to_pdf(images: list[Path], dst: Path, dpi: int) -> None:
    """An image-only PDF, a page per image, each embedded losslessly as grey at ``dpi``: what a
    scanner writes, for the demo, the benchmarks and the tests."""
    import io

    import img2pdf
    from PIL import Image

    pages = []
    for path in images:
        buf = io.BytesIO()
        with Image.open(path) as img:
            img.convert("L").save(buf, format="PNG", dpi=(dpi, dpi))
        pages.append(buf.getvalue())
    dst.write_bytes(img2pdf.convert(pages))


def text_layer(path: Path) -> list[str]:
    """The text of each page's text layer (pdfium's extraction, as a PDF viewer copies it), read
    here: for PDFs this program wrote. An upload's goes through ``run_capped("text", ...)``."""
    from pagewash.pdf_probe import text

    return text(str(path))["pages"]
