"""Re-read only what is in doubt: the lines of a page whose words Tesseract was unsure of,
and ink it read no words from, cut from every version of the page and read again in one
Tesseract run.

Verify used to read every version of a page in full (the cleaned page, the raw page, each
at two scales, and the winner without its ruling lines): four to six reads where the user
pays for one. On the pages we measure, the read verify keeps is as good as the best of
those on all but a few lines (docs/benchmarks.md#chain-cost). So only the unsure lines are
put to the contest: each is cut from the page read and from the other versions (the same
place, the same scale), the crops are stacked into one picture with white between them (a
collage), and one Tesseract run at ``--psm 6`` reads them all. For each line the crop
Tesseract is surer of wins, if it reads surely; the words of a line won by another version
replace exactly that line's words, boxes mapped back onto the page read. Letter-sized ink
the read has no words for (a line the cleaning wiped, or the layout analysis passed over)
is put to the same contest, and its surest sure read is added as a line of its own. A page
with nothing in doubt costs no run at all.

The page read's own crop is in the collage too, so a line's versions are judged by the
same read of the same kind, not a crop against a whole-page read.
"""

from __future__ import annotations

import dataclasses
import html
import re
from dataclasses import dataclass

import cv2
import numpy as np

from pagewash import tesseract
from pagewash.classical import pieces
from pagewash.lines import ink_of, lookup
from pagewash.result import Word, words

DOUBT = 40.0  # a line whose words' mean confidence (0-100) is under this is read again
SURE = 60.0  # words from a re-read must average this confidence to be taken (added, or in place of a line's)
PAD = 0.15  # of a line's height: margin kept around its crop (the odd accent, a low comma)
GAP = 0.6  # of a crop's height: white above and below it in the collage
TALL = 3.0  # median line heights: a taller "line" is a picture or a block read whole, not re-read
LETTER = (0.3, 1.5)  # median line heights: the height of a piece of ink that may be a letter
MIN_LETTERS = 3  # letters in a row that make an unread line
MAX_FOUND = 20  # unread lines put to the contest at most, the longest first
MARGIN = 1.0  # another version's crop must score more than this many times the best guess's to win
PSM = 6  # the collage is one column of lines: a uniform block of text

Box = tuple[int, int, int, int]  # left, top, right, bottom (right and bottom exclusive)
Key = tuple[int, int, int, int]  # page, block, paragraph and line number in Tesseract's TSV


@dataclass(frozen=True)
class Line:
    key: Key | None  # None: text the read has no words for (``unread``)
    box: Box  # on the page read (a line's: TSV level 4)
    confidence: float  # mean of its words' (0 where it has none)
    words: int


@dataclass(frozen=True)
class Slot:
    line: int  # index into the lines re-read
    version: int  # index into the pages cut from (0: the best guess)
    box: Box  # the crop on its page
    top: int  # where the crop sits in the collage
    left: int


def rows(tsv: str) -> list[list[str]]:
    return [r.split("\t") for r in tsv.split("\n")]


def lines_of(tsv: str | None) -> list[Line]:
    """Each line of a read with words, and its words' mean confidence."""
    if not tsv:
        return []
    boxes: dict[Key, Box] = {}
    confs: dict[Key, list[float]] = {}
    for c in rows(tsv)[1:]:
        if len(c) < 12:
            continue
        key = (int(c[1]), int(c[2]), int(c[3]), int(c[4]))
        left, top, width, height = (int(v) for v in c[6:10])
        if c[0] == "4":
            boxes[key] = (left, top, left + width, top + height)
        elif c[0] == "5" and c[11].strip() and float(c[10]) >= 0:
            confs.setdefault(key, []).append(float(c[10]))
    return [Line(k, boxes[k], float(np.mean(v)), len(v)) for k, v in confs.items() if k in boxes]


def keyed_boxes(tsv: str) -> list[tuple[Key, Box]]:
    """(line, box) of each word of a read."""
    out = []
    for c in rows(tsv)[1:]:
        if len(c) >= 12 and c[0] == "5" and c[11].strip() and float(c[10]) >= 0:
            left, top, width, height = (int(v) for v in c[6:10])
            out.append(((int(c[1]), int(c[2]), int(c[3]), int(c[4])), (left, top, left + width, top + height)))
    return out


def line_height(lines: list[Line]) -> float:
    return float(np.median([line.box[3] - line.box[1] for line in lines])) if lines else 0.0


def in_doubt(lines: list[Line], doubt: float | None = None) -> list[Line]:
    """The unsure lines (mean confidence under ``doubt``, by default ``DOUBT``) worth a second
    read: not the tall boxes Tesseract makes of a logo."""
    doubt = DOUBT if doubt is None else doubt
    tall = TALL * line_height(lines)
    return [line for line in lines if line.confidence < doubt and line.box[3] - line.box[1] <= tall]


def unread(page: np.ndarray, read: list[Box], height: float) -> list[Line]:
    """Lines of letter-sized ink on ``page`` (uint8) that no word box of ``read`` covers: text
    a cleaning wiped, or that Tesseract's layout analysis passed over. ``height``: the read's
    median line height."""
    ink, _ = ink_of(page)
    margin = round(0.3 * height)
    for x0, y0, x1, y1 in read:
        ink[max(0, y0 - margin) : y1 + margin, max(0, x0 - margin) : x1 + margin] = 0
    n, labels, stats = pieces(ink)
    h, w = stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]
    letter = (h >= LETTER[0] * height) & (h <= LETTER[1] * height) & (w <= 2 * height)
    letter[0] = False
    if letter.sum() < MIN_LETTERS:
        return []
    letters = lookup(letter, labels, ink)
    joined = cv2.dilate(letters, np.ones((1, max(3, round(0.8 * height))), np.uint8))
    m, runs, found = pieces(joined)
    at = letters > 0
    pairs = np.unique(runs[at].astype(np.int64) * n + labels[at])  # (run, letter) once each
    per_run = np.bincount(pairs // n, minlength=m)
    out = []
    for r in np.argsort(-found[:, cv2.CC_STAT_WIDTH]):
        if r == 0 or per_run[r] < MIN_LETTERS or len(out) >= MAX_FOUND:
            continue
        x, y, bw, bh = found[r, :4]
        out.append(Line(None, (int(x), int(y), int(x + bw), int(y + bh)), 0.0, 0))
    return sorted(out, key=lambda line: (line.box[1], line.box[0]))


def crop_box(box: Box, shape: tuple[int, int]) -> Box:
    left, top, right, bottom = box
    pad = max(2, round(PAD * (bottom - top)))
    return max(0, left - pad), max(0, top - pad), min(shape[1], right + pad), min(shape[0], bottom + pad)


def collage(
    pages: list[np.ndarray], lines: list[Line], blank: list[tuple[Key, Box]] = ()
) -> tuple[np.ndarray, list[Slot]]:
    """One white picture holding, for each line, its crop from each page (all of one shape),
    one under the other, left-aligned, with white between them (Tesseract then takes each
    crop for a line of its own). ``blank``: the read's words (their line and box), painted
    white in every crop but their own line's (a neighbour's ascenders and descenders that
    reach into a crop are not read twice)."""
    boxes = [crop_box(line.box, pages[0].shape[:2]) for line in lines]
    slots, top, width = [], 0, 0
    for i, box in enumerate(boxes):
        gap = max(8, round(GAP * (box[3] - box[1])))
        for v in range(len(pages)):
            top += gap
            slots.append(Slot(i, v, box, top, gap))
            top += box[3] - box[1]
            width = max(width, box[2] - box[0] + 2 * gap)
        top += gap
    out = np.full((top, width), 255, np.uint8)
    for s in slots:
        x0, y0, x1, y1 = s.box
        crop = pages[s.version][y0:y1, x0:x1].copy()
        for key, (bx0, by0, bx1, by1) in blank:
            if key != lines[s.line].key and bx0 < x1 and bx1 > x0 and by0 < y1 and by1 > y0:
                crop[max(0, by0 - y0) : by1 - y0, max(0, bx0 - x0) : bx1 - x0] = 255
        out[s.top : s.top + y1 - y0, s.left : s.left + x1 - x0] = crop
    return out, slots


def slot_of(box: Box, slots: list[Slot]) -> int | None:
    """The slot a word read on the collage belongs to: the one holding its vertical centre."""
    centre = (box[1] + box[3]) / 2
    for i, s in enumerate(slots):
        if s.top <= centre < s.top + s.box[3] - s.box[1]:
            return i
    return None


def sure(found: list[Word]) -> bool:
    text = [w for w in found if any(ch.isalnum() for ch in w.text)]
    return bool(text) and float(np.mean([w.confidence for w in text])) >= SURE


def reread(
    result: tesseract.OcrResult,
    pages: list[np.ndarray],
    *,
    lang: str | None,
    doubt: float | None = None,
    dpi: float | None = None,
) -> tuple[tesseract.OcrResult, int]:
    """(``result``, a read of ``pages[0]``, with each unsure line that another page's crop
    reads surer replaced by that crop's words, and the text it had no words for added where
    a crop reads it surely; the number of lines so changed). ``pages`` (uint8) are versions
    of one page, of one shape, ``pages[0]`` the one ``result`` read, ``pages[1]`` the one
    unread text is looked for on. One Tesseract run, or none where nothing is in doubt."""
    if len(pages) < 2:
        return result, 0
    read = keyed_boxes(result.tsv or "")
    found = lines_of(result.tsv)
    todo = in_doubt(found, doubt) + unread(pages[1], [box for _, box in read], line_height(found))
    if not todo:
        return result, 0
    picture, slots = collage(pages, todo, read)
    again = tesseract.ocr(picture, lang=lang, psm=PSM, formats=("tsv",), dpi=dpi)
    got: list[list[Word]] = [[] for _ in slots]
    for w in words(again.tsv or ""):
        i = slot_of(w.box, slots)
        if i is not None:
            s = slots[i]
            dx, dy = s.box[0] - s.left, s.box[1] - s.top
            got[i].append(dataclasses.replace(w, box=(w.box[0] + dx, w.box[1] + dy, w.box[2] + dx, w.box[3] + dy)))
    replaced: dict[Key, list[Word]] = {}
    added: list[tuple[Box, list[Word]]] = []
    for i, line in enumerate(todo):
        mine = [k for k, s in enumerate(slots) if s.line == i]
        if line.key is None:  # text the read had no words for: the surest crop, if it is sure
            best = max(mine, key=lambda k: tesseract.score_of(got[k]))
            if sure(got[best]):
                added.append((line.box, got[best]))
            continue
        # words within the line's own span only (a stain or a neighbour's edge in the margin
        # of a crop is no part of it), and a sure read to replace an unsure one
        inside = [[w for w in got[k] if line.box[0] <= (w.box[0] + w.box[2]) / 2 <= line.box[2]] for k in mine]
        best = max(range(1, len(mine)), key=lambda k: tesseract.score_of(inside[k]))
        if sure(inside[best]) and tesseract.score_of(inside[best]) > MARGIN * tesseract.score_of(inside[0]):
            replaced[line.key] = inside[best]
    changed = len(replaced) + len(added)
    return (splice(result, replaced, added), changed) if changed else (result, 0)


def splice(
    result: tesseract.OcrResult,
    replaced: dict[Key, list[Word]],
    added: list[tuple[Box, list[Word]]] = (),
) -> tesseract.OcrResult:
    """``result`` with the words of each line in ``replaced`` replaced by the words given, and
    each of ``added`` (a box and its words) a line of its own in a block of its own after the
    rest (boxes on the same page): in the TSV, the hOCR and the text."""
    table = rows(result.tsv or "")
    out, done, old_text = [table[0]], set(), {}
    for c in table[1:]:
        key = (int(c[1]), int(c[2]), int(c[3]), int(c[4])) if len(c) >= 12 else None
        if key in replaced and c[0] == "5":
            old_text.setdefault(key, []).append(c[11])
            if key not in done:
                done.add(key)
                out.extend(word_row(key, n, w) for n, w in enumerate(replaced[key], 1))
            continue
        out.append(c)
    block = max((int(c[2]) for c in out[1:] if len(c) >= 12), default=0)
    page = next((c[1] for c in out[1:] if len(c) >= 12), "1")
    for n, (box, new) in enumerate(added, block + 1):
        key = (int(page), n, 1, 1)
        x0, y0, x1, y1 = box
        out.extend(
            [
                str(level),
                *map(str, key[: level - 1]),
                *["0"] * (5 - level),
                str(x0),
                str(y0),
                str(x1 - x0),
                str(y1 - y0),
                "-1",
                "",
            ]
            for level in (2, 3, 4)
        )
        out.extend(word_row(key, k, w) for k, w in enumerate(new, 1))
    tsv = "\n".join("\t".join(c) for c in out)
    boxes = {line.key: line.box for line in lines_of(result.tsv)}
    hocr = result.hocr
    if hocr:
        for key, new in replaced.items():
            hocr = splice_hocr(hocr, boxes[key], new)
        for n, (box, new) in enumerate(added, 1):
            hocr = add_hocr(hocr, box, new, n)
    text = result.text
    for key, new in replaced.items():
        old = " ".join(t for t in old_text.get(key, []) if t.strip())
        text = replace_line(text, old, " ".join(w.text for w in new))
    if added:
        tail = "\f" if text.endswith("\f") else ""
        more = "\n\n".join(" ".join(w.text for w in new) for _, new in added)
        text = text.removesuffix(tail).rstrip("\n") + "\n\n" + more + "\n" + tail
    confs = [w.confidence for w in words(tsv)]
    return dataclasses.replace(
        result,
        tsv=tsv,
        hocr=hocr,
        text=text,
        mean_confidence=float(np.mean(confs)) if confs else None,
        score=tesseract.word_score(tsv),
    )


def word_row(key: Key, n: int, w: Word) -> list[str]:
    x0, y0, x1, y1 = w.box
    return ["5", *map(str, key), str(n), str(x0), str(y0), str(x1 - x0), str(y1 - y0), f"{w.confidence:.6f}", w.text]


_LINE = re.compile(
    r"(<span class='ocr_(?:line|caption|textfloat|header)' id='(?P<id>[^']+)' title=\"bbox (?P<bbox>[-\d ]+);[^>]*>)"
    r"(?P<words>(?:\s*<span class='ocrx_word'[^>]*>.*?</span>)*)(?P<end>\s*</span>)",
    re.S,
)


def splice_hocr(hocr: str, box: Box, new: list[Word]) -> str:
    """The hOCR with the words of the line whose box is ``box`` replaced."""
    want = " ".join(map(str, box))
    for m in _LINE.finditer(hocr):
        if m.group("bbox").strip() == want:
            indent = re.match(r"\s*", m.group("words")).group(0) or "\n      "
            spans = word_spans(new, m.group("id"), indent)
            return hocr[: m.start("words")] + spans + hocr[m.end("words") :]
    return hocr


def word_spans(new: list[Word], prefix: str, indent: str) -> str:
    return "".join(
        f"{indent}<span class='ocrx_word' id='word_{prefix}_{n}' title='bbox "
        f"{w.box[0]} {w.box[1]} {w.box[2]} {w.box[3]}; x_wconf {round(w.confidence)}'>"
        f"{html.escape(w.text, quote=True)}</span>"
        for n, w in enumerate(new, 1)
    )


def add_hocr(hocr: str, box: Box, new: list[Word], n: int) -> str:
    """The hOCR with a block of one line holding ``new`` at the end of its page."""
    end = hocr.rfind("</div>")
    if end < 0:
        return hocr
    bbox = " ".join(map(str, box))
    block = (
        f"   <div class='ocr_carea' id='block_reread_{n}' title=\"bbox {bbox}\">\n"
        f"    <p class='ocr_par' id='par_reread_{n}' title=\"bbox {bbox}\">\n"
        f"     <span class='ocr_line' id='line_reread_{n}' title=\"bbox {bbox}; baseline 0 0\">"
        f"{word_spans(new, f'reread_{n}', chr(10) + '      ')}\n     </span>\n    </p>\n   </div>\n  "
    )
    return hocr[:end] + block + hocr[end:]


def replace_line(text: str, old: str, new: str) -> str:
    """The plain text with the line reading ``old`` (Tesseract writes a line's words joined by
    spaces) reading ``new``; unchanged where no line reads ``old``."""
    if not old:
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.strip() == old:
            lines[i] = new
            return "\n".join(lines)
    return text
