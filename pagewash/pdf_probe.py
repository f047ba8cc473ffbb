"""``python -m pagewash.pdf_probe MEMORY_MB CPU_S COMMAND FILE [ARG]``: the work on an untrusted
PDF that happens outside OCRmyPDF, in a child process that caps its own address space and CPU
time before it opens the file, and answers with one JSON line.

- ``facts FILE MAX_PAGES``: pages, pages with text, the largest page as OCRmyPDF will render
  it. It parses the file the way OCRmyPDF will (pikepdf for the structure, OCRmyPDF's own page
  analysis and render-resolution rule), so a file that passes here parses there too.
- ``text FILE``: each page's text layer (pdfium).
- ``scrub FILE``: remove JavaScript and automatic actions, in place.

Run by ``pagewash.pdf``; the caps are set here, not by the parent (a ``preexec_fn`` is unsafe
in a threaded parent such as the gateway).
"""

from __future__ import annotations

import json
import resource
import sys

VECTOR_DPI = 400.0  # OCRmyPDF renders pages with vector graphics or text at 400 dpi at least


def cap(memory_mb: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2**20, memory_mb * 2**20))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def render_dpi(page) -> float:
    """The resolution OCRmyPDF rasterizes a page at (``_pipeline.get_canvas_square_dpi``)."""
    try:
        from ocrmypdf._pipeline import VECTOR_PAGE_DPI, _vector_page_dpi

        vector = _vector_page_dpi(page)
    except ImportError:  # another OCRmyPDF: its documented rule
        VECTOR_PAGE_DPI, vector = VECTOR_DPI, VECTOR_DPI if (page.has_vector or page.has_text) else 0
    return float(max(page.dpi.x or VECTOR_PAGE_DPI, page.dpi.y or VECTOR_PAGE_DPI, vector))


def facts(path: str, max_pages: int) -> dict:
    import pikepdf

    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError:
        return {"error": "encrypted", "message": "the PDF is password-protected: remove the password first"}
    except (pikepdf.PdfError, OSError, ValueError, RecursionError) as e:
        return {"error": "damaged", "message": f"not a readable PDF ({str(e).replace(path, 'the file')[:200]})"}
    with pdf:
        if pdf.is_encrypted:
            return {
                "error": "encrypted",
                "message": "the PDF is encrypted (an owner password restricts it): remove the encryption first",
            }
        try:
            n = len(pdf.pages)
        except (pikepdf.PdfError, RecursionError) as e:
            return {
                "error": "damaged",
                "message": f"the PDF's page tree is unreadable ({str(e).replace(path, 'the file')[:200]})",
            }
        if n == 0:
            return {"error": "damaged", "message": "the PDF has no pages"}
        if n > max_pages:
            return {
                "error": "too_many_pages",
                "message": f"{n} pages, over the cap of {max_pages} per PDF (PAGEWASH_PDF_MAX_PAGES)",
            }
    from ocrmypdf.pdfinfo import PdfInfo

    try:
        info = PdfInfo(path, progbar=False, max_workers=1, use_threads=True)
    except Exception as e:  # whatever the analysis trips over, the file is refused, not the caller hurt
        reason = str(e).replace(path, "the file")[:200]
        return {"error": "damaged", "message": f"the PDF's pages cannot be analysed ({type(e).__name__}: {reason})"}
    largest, text_pages = 0, []
    for page in info:
        pixels = float(page.width_inches) * float(page.height_inches) * max(render_dpi(page), 1.0) ** 2
        largest = max(largest, int(pixels))
        if page.has_text:
            text_pages.append(page.pageno + 1)
    return {"pages": len(info), "text_pages": text_pages, "largest_page_pixels": largest}


def text(path: str) -> dict:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path)
    try:
        return {"pages": [page.get_textpage().get_text_range() for page in doc]}
    finally:
        doc.close()


RUNS = ("/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/Rendition")  # action types that run or send


def scrub(path: str) -> dict:
    """Remove every ``/JS`` and ``/AA`` entry, every action that runs code or launches or sends
    something (also where chained by ``/Next`` or written inline), the document's named scripts
    and XFA forms; the file is rewritten only when something went."""
    import pikepdf

    removed = 0
    seen: set[tuple[int, int]] = set()

    def runs(value) -> bool:
        return isinstance(value, pikepdf.Dictionary) and str(value.get("/S", "")) in RUNS

    def walk(obj) -> None:
        nonlocal removed
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Array) and obj.is_indirect:
            if obj.objgen in seen:
                return
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Dictionary):
            for key in list(obj.keys()):
                value = obj.get(key)
                if key in ("/JS", "/AA", "/XFA") or (key in ("/A", "/Next", "/OpenAction") and runs(value)):
                    del obj[key]
                    removed += 1
                else:
                    walk(value)
        elif isinstance(obj, pikepdf.Array):
            keep = [v for v in obj if not runs(v)]  # a /Next array of actions
            if len(keep) != len(obj):
                removed += len(obj) - len(keep)
                obj[:] = keep  # type: ignore[index]
            for v in list(obj):
                walk(v)
        elif isinstance(obj, pikepdf.Stream):
            walk(obj.stream_dict)

    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        names = pdf.Root.get("/Names")
        if isinstance(names, pikepdf.Dictionary) and "/JavaScript" in names:
            del names["/JavaScript"]
            removed += 1
        walk(pdf.trailer)
        if removed:
            pdf.save(path)
    return {"removed": removed}


def main() -> None:
    memory_mb, cpu_seconds, command, path, *rest = sys.argv[1:]
    cap(int(memory_mb), int(cpu_seconds))
    if command == "facts":
        out = facts(path, int(rest[0]))
    elif command == "text":
        out = text(path)
    elif command == "scrub":
        out = scrub(path)
    else:
        out = {"error": "usage", "message": f"unknown command {command!r}"}
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
