"""The chain-cost benchmark (``pagewash.bench.chaincost``): every configuration on a built-in
page with its reads counted, and the set's ratios to plain Tesseract."""

from __future__ import annotations

import logging
from pathlib import Path

from pagewash.bench.chaincost import CONFIGS, _init, measure_page, summarize, table
from tests.conftest import requires_tesseract

EXAMPLES = Path(__file__).parents[2] / "pagewash" / "examples"


@requires_tesseract
def test_each_configuration_is_timed_scored_and_its_reads_counted():
    log = logging.getLogger("pagewash.tesseract")
    level, propagate = log.level, log.propagate
    try:
        _init()
        row = measure_page(EXAMPLES / "01_stains_show_through.png")
    finally:
        log.setLevel(level)
        log.propagate = propagate
    assert set(CONFIGS) <= set(row)
    assert row["tesseract"]["reads"] == 1 and row["tesseract"]["read_pixels"] == 1.0
    for c in CONFIGS:
        assert row[c]["seconds"] > 0 and 0 <= row[c]["recall"] <= 1 and row[c]["reads"] >= 1
    assert row["ocr-full"]["reads"] >= row["ocr"]["reads"]  # every version in full, against the re-reads
    assert row["ocr"]["recall"] > row["tesseract"]["recall"]  # a stained page: cleaning pays


def test_the_summary_gives_ratios_of_totals_and_counts_pages_made_worse():
    def page(t_tess, t_ocr, r_tess, r_ocr, reads=1):
        base = {"recall": 0.5, "cer": 0.5, "reads": 1, "read_pixels": 1.0, "reread": 0}
        return {
            "tesseract": {**base, "seconds": t_tess, "recall": r_tess},
            "no-clean": {**base, "seconds": t_tess},
            "ocr": {**base, "seconds": t_ocr, "recall": r_ocr, "reads": reads},
            "ocr-full": {**base, "seconds": 3 * t_tess, "reads": 4},
        }

    rows = [page(1.0, 1.0, 0.8, 0.9), page(3.0, 5.0, 0.8, 0.7, reads=2)]
    s = summarize(rows)
    assert s["ocr"]["x_tesseract"] == 1.5 and s["ocr-full"]["x_no_clean"] == 3.0
    assert s["ocr"]["worse_than_tesseract"] == 1 and s["ocr"]["read_once"] == 1
    assert "| x (2) | ocr | 0.800 |" in table({"x": s})
