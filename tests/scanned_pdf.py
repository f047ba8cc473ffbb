"""A 3-page image-only PDF (a scan) of synthetic degraded pages with known text: the
shipped examples, which the generator made and no model was selected on."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

import pagewash

EXAMPLES = Path(pagewash.__file__).parent / "examples"
PAGES = ["01_stains_show_through", "02_photocopy_streaks", "04_creased_dark_border"]


def scanned_pdf(path: Path, dpi: int = 200) -> list[str]:
    """Write the PDF (pages embedded losslessly at ``dpi``); return each page's true text."""
    import img2pdf

    images = []
    for name in PAGES:
        buf = io.BytesIO()
        Image.open(EXAMPLES / f"{name}.png").save(buf, format="PNG", dpi=(dpi, dpi))
        images.append(buf.getvalue())
    path.write_bytes(img2pdf.convert(images))
    return [(EXAMPLES / f"{name}.gt.txt").read_text() for name in PAGES]
