"""Metrics that mirror the job: OCR character and word error rates, order-free word recall,
and pixel error against the clean page. CER and WER come from jiwer (Levenshtein over
characters or words) after collapsing whitespace, since layout is not content."""

from __future__ import annotations

from collections import Counter

import jiwer
import numpy as np


def normalize_text(text: str) -> str:
    """Collapse all whitespace: layout (line breaks, column gaps) is not what CER should count."""
    return " ".join(text.split())


def cer(reference: str, hypothesis: str) -> float:
    ref, hyp = normalize_text(reference), normalize_text(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return float(jiwer.cer(ref, hyp))


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = normalize_text(reference), normalize_text(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return float(jiwer.wer(ref, hyp))


def word_recall(reference: str, hypothesis: str) -> float:
    """Share of the reference's words found in the hypothesis, as multisets (reading order ignored)."""
    ref, hyp = Counter(reference.split()), Counter(hypothesis.split())
    total = sum(ref.values())
    return 1.0 if not total else sum((ref & hyp).values()) / total


def rmse(a: np.ndarray, b: np.ndarray) -> float:
    """On [0, 1] intensities, as the dirty-documents benchmark reports it."""
    a = a.astype(np.float64) / (255 if a.dtype == np.uint8 else 1)
    b = b.astype(np.float64) / (255 if b.dtype == np.uint8 else 1)
    return float(np.sqrt(np.mean((a - b) ** 2)))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(20 * np.log10(1.0 / max(rmse(a, b), 1e-8)))
