"""``python -m pagewash.pdf_probe FILE MAX_PAGES``: the facts of a PDF as one JSON line.

Run by ``pagewash.pdf.probe`` in a child process with a memory cap and a deadline; it
parses the file the way OCRmyPDF will (pikepdf for the structure, OCRmyPDF's own page
analysis for text and image resolution), so a file that passes here parses there too.
"""

from __future__ import annotations

import json
import sys

VECTOR_DPI = 300.0  # as pagewash.pdf: a page without images is rendered at this resolution


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
            return {"error": "damaged", "message": f"the PDF's page tree is unreadable ({str(e)[:200]})"}
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
        return {
            "error": "damaged",
            "message": f"the PDF's pages cannot be analysed ({type(e).__name__}: {str(e)[:200]})",
        }
    largest, text_pages = 0, []
    for page in info:
        dpi = max(float(page.dpi.x), float(page.dpi.y)) if page.images else VECTOR_DPI
        pixels = float(page.width_inches) * float(page.height_inches) * max(dpi, 1.0) ** 2
        largest = max(largest, int(pixels))
        if page.has_text:
            text_pages.append(page.pageno + 1)
    return {"pages": len(info), "text_pages": text_pages, "largest_page_pixels": largest}


def main() -> None:
    sys.stdout.write(json.dumps(facts(sys.argv[1], int(sys.argv[2]))) + "\n")


if __name__ == "__main__":
    main()
