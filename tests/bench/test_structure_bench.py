"""The orientation benchmark's counting (``pagewash.bench.structure.turns_found``): every
turn of a built-in page scored, a blank page set apart rather than counted as found."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pagewash.bench.structure import turns_found
from pagewash.imageio import load_page

EXAMPLES = Path(__file__).parents[2] / "pagewash" / "examples"


def test_turns_are_counted_and_a_page_without_text_is_set_apart():
    page = load_page(sorted(EXAMPLES.glob("*.clean.png"))[0])
    out = turns_found([("page", page), ("blank", np.ones((900, 700), np.float32))], total=2)
    assert out["pages"] == 1 and out["without_text"] == ["blank"]
    assert out["network"] == out["chain"] == 1.0 and out["misses"] == []
    assert out["median_ms_upright"] > 0 and out["median_ms_sideways"] > 0 and "osd" not in out


def test_the_line_benchmark_scores_the_remover_against_line_free_twins(tmp_path):
    from pagewash.bench.structure import lines_generator

    out = lines_generator(1, tmp_path / "worst.png")
    assert out["pages"] == 1 and (tmp_path / "worst.png").exists()
    assert 0.5 < out["rule_ink_removed"] <= 1 and 0 <= out["letter_ink_removed"] < 0.05
    assert 0 <= out["recall_with_lines"] <= out["recall_line_free_page"] <= 1
