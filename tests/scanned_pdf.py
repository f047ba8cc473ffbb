"""A 3-page image-only PDF (a scan) of synthetic degraded pages with known text: the
shipped examples, which the generator made and no model was selected on."""

from __future__ import annotations

from pathlib import Path

import pagewash
from pagewash.pdf import scan_to_pdf

EXAMPLES = Path(pagewash.__file__).parent / "examples"
PAGES = ["01_stains_show_through", "02_photocopy_streaks", "04_creased_dark_border"]


def scanned_pdf(path: Path, dpi: int = 200) -> list[str]:
    """Write the PDF (pages embedded losslessly at ``dpi``); return each page's true text."""
    scan_to_pdf([EXAMPLES / f"{name}.png" for name in PAGES], path, dpi)
    return [(EXAMPLES / f"{name}.gt.txt").read_text() for name in PAGES]
