"""Render a clean synthetic page and its ground-truth text.

A page is a stack of blocks (headings, paragraphs, lists, tables, forms, addresses, rules)
in one or two columns, set in one font family with bold and italic variants. The text is
returned in reading order, column by column, as Tesseract reads it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from training import text as content
from training.fonts import Face, families, load_font

BODY_STYLES = ("Regular", "Book", "Roman", "Medium", "Light", "Normal")
SKIP_STYLES = ("Thin", "Hairline", "ExtraLight", "Extra Light", "Black", "Heavy", "Condensed", "Display")


@dataclass
class Typeface:
    """The faces one page is set in; ``None`` paths fall back to Pillow's built-in font."""

    family: str
    regular: str | None
    bold: str | None
    italic: str | None


def pick_typeface(rng: random.Random, split: str) -> Typeface:
    fams = families(split)
    if not fams:
        return Typeface("pillow-default", None, None, None)
    name = rng.choice(sorted(fams))
    faces = [f for f in fams[name] if not any(s in f.style for s in SKIP_STYLES)] or fams[name]

    def find(want: tuple[str, ...], avoid: tuple[str, ...] = ()) -> Face | None:
        hits = [f for f in faces if any(w in f.style for w in want) and not any(a in f.style for a in avoid)]
        return rng.choice(hits) if hits else None

    regular = find(BODY_STYLES, ("Italic", "Oblique", "Bold")) or rng.choice(faces)
    bold = find(("Bold", "Demi", "Semibold"), ("Italic", "Oblique")) or regular
    italic = find(("Italic", "Oblique"), ("Bold",)) or regular
    if rng.random() < 0.08:  # whole page in bold or italic
        regular = rng.choice([bold, italic])
    return Typeface(name, regular.path, bold.path, italic.path)


def font_size_for_xheight(path: str | None, xheight: float) -> int:
    """Font size (px) whose lowercase 'x' is ``xheight`` pixels tall in this face."""
    probe = load_font(path, 100)
    box = probe.getbbox("x")
    measured = max(box[3] - box[1], 1)
    return max(6, round(100 * xheight / measured))


class Page:
    """A white canvas with a cursor, the column geometry and the text written so far."""

    def __init__(self, rng: random.Random, width: int, height: int, xheight: float, face: Typeface) -> None:
        self.rng = rng
        self.img = Image.new("L", (width, height), 255)
        self.draw = ImageDraw.Draw(self.img)
        self.face = face
        self.size = font_size_for_xheight(face.regular, xheight)
        self.leading = self.size * rng.uniform(1.15, 1.6)
        margin_x = int(width * rng.uniform(0.04, 0.12))
        self.top = int(height * rng.uniform(0.04, 0.1))
        self.bottom = height - int(height * rng.uniform(0.04, 0.1))
        n_cols = 2 if rng.random() < 0.3 and (width - 2 * margin_x) / self.size > 50 else 1
        gutter = int(self.size * rng.uniform(1.5, 3))
        col_w = (width - 2 * margin_x - gutter * (n_cols - 1)) // n_cols
        self.columns = [(margin_x + i * (col_w + gutter), col_w) for i in range(n_cols)]
        self.col = 0
        self.y = float(self.top)
        self.lines: list[str] = []
        self.full = False

    @property
    def x0(self) -> int:
        return self.columns[self.col][0]

    @property
    def width(self) -> int:
        return self.columns[self.col][1]

    def room(self, height: float) -> bool:
        """Move to the next column when ``height`` does not fit; False once the page is full."""
        if self.y + height <= self.bottom:
            return True
        if self.col + 1 < len(self.columns):
            self.col += 1
            self.y = float(self.top)
            return self.y + height <= self.bottom
        self.full = True
        return False

    def font(self, style: str = "regular", scale: float = 1.0):
        path = getattr(self.face, style)
        return load_font(path, max(6, round(self.size * scale)))

    def write_line(self, line: str, font, x: float | None = None, leading: float | None = None) -> bool:
        leading = leading or self.leading
        if not self.room(leading):
            return False
        self.draw.text((self.x0 if x is None else x, self.y), line, font=font, fill=0)
        self.lines.append(line)
        self.y += leading
        return True

    def wrap(self, text: str, font, width: float) -> list[str]:
        lines, line = [], ""
        for word in text.split():
            trial = f"{line} {word}" if line else word
            if line and font.getlength(trial) > width:
                lines.append(line)
                line = word
            else:
                line = trial
        return [*lines, line] if line else lines

    def gap(self, lines: float = 0.6) -> None:
        self.y += self.leading * lines


def block_heading(p: Page, fake) -> None:
    scale = p.rng.uniform(1.1, 2.0)
    font = p.font(p.rng.choice(["bold", "bold", "regular", "italic"]), scale)
    p.gap(0.4)
    for line in p.wrap(content.heading(p.rng, fake), font, p.width):
        p.write_line(line, font, leading=p.leading * scale)
    p.gap(0.3)


def block_paragraph(p: Page, fake) -> None:
    font = p.font("italic" if p.rng.random() < 0.1 else "regular")
    indent = p.size * p.rng.choice([0, 0, 2])
    lines = p.wrap(content.paragraph(p.rng, fake), font, p.width - indent)
    for i, line in enumerate(lines):
        if not p.write_line(line, font, x=p.x0 + (indent if i == 0 else 0)):
            return
    p.gap(p.rng.uniform(0.2, 0.8))


def block_list(p: Page, fake) -> None:
    font = p.font()
    for item in content.list_items(p.rng, fake):
        for i, line in enumerate(p.wrap(item, font, p.width - p.size * 2)):
            if not p.write_line(line, font, x=p.x0 + p.size * (1 if i == 0 else 2.2)):
                return
    p.gap()


def block_table(p: Page, fake) -> None:
    rows = content.table_rows(p.rng, fake)
    font, head = p.font(), p.font("bold")
    widths = [max(font.getlength(r[c]) for r in rows) + p.size * 1.5 for c in range(len(rows[0]))]
    if sum(widths) > p.width:
        return block_paragraph(p, fake)
    grid = p.rng.random() < 0.5
    for r, row in enumerate(rows):
        if not p.room(p.leading):
            return
        x = p.x0
        y = p.y
        for c, cell in enumerate(row):
            p.draw.text((x + p.size * 0.3, y), cell, font=head if r == 0 else font, fill=0)
            x += widths[c]
        p.lines.append(" ".join(row))
        if grid or r == 0:
            lw = max(1, round(p.size / 14))
            p.draw.line([(p.x0, y + p.leading * 0.95), (x, y + p.leading * 0.95)], fill=0, width=lw)
        p.y += p.leading * 1.1
    p.gap()


def block_form(p: Page, fake) -> None:
    font = p.font()
    for label, value in content.form_fields(p.rng, fake):
        if not p.room(p.leading * 1.3):
            return
        line = f"{label}: {value}".rstrip()
        p.draw.text((p.x0, p.y), line, font=font, fill=0)
        start = p.x0 + font.getlength(f"{label}: ")
        y = p.y + p.size * 1.05
        p.draw.line(
            [(start, y), (p.x0 + p.width * p.rng.uniform(0.6, 1.0), y)], fill=0, width=max(1, round(p.size / 16))
        )
        p.lines.append(line)
        p.y += p.leading * 1.3
    p.gap()


def block_address(p: Page, fake) -> None:
    font = p.font()
    for line in content.address(p.rng, fake):
        if not p.write_line(line, font):
            return
    p.gap()


def block_rule(p: Page, fake) -> None:
    if p.room(p.leading):
        y = p.y + p.leading * 0.4
        p.draw.line([(p.x0, y), (p.x0 + p.width, y)], fill=0, width=max(1, round(p.size / p.rng.uniform(6, 20))))
        p.y += p.leading


BLOCKS = [
    (block_paragraph, 10),
    (block_heading, 3),
    (block_list, 2),
    (block_table, 2),
    (block_form, 1.5),
    (block_address, 1),
    (block_rule, 1),
]


def render_page(rng: random.Random, split: str, width: int, height: int) -> tuple[np.ndarray, str, dict]:
    """A clean page (uint8, 255 = paper, 0 = ink), its text in reading order, and what was chosen."""
    face = pick_typeface(rng, split)
    xheight = math.exp(rng.uniform(math.log(8), math.log(40)))
    page = Page(rng, width, height, xheight, face)
    fake = content.faker(rng)
    n_blocks = rng.randint(1, 2) if rng.random() < 0.08 else 10_000  # a few near-empty pages
    funcs, weights = zip(*BLOCKS)
    first = True
    while not page.full and n_blocks > 0:
        block = block_heading if first and rng.random() < 0.5 else rng.choices(funcs, weights)[0]
        block(page, fake)
        first = False
        n_blocks -= 1
    meta = {"family": face.family, "xheight": round(xheight, 1), "columns": len(page.columns)}
    return np.asarray(page.img), "\n".join(page.lines), meta
