"""Render a clean synthetic page and its ground-truth text.

A page is a stack of blocks (headings, paragraphs, lists, tables with grids and reversed
headers, forms with rules or boxes and check boxes, reversed banners, addresses, rules)
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


class Capitals:
    """An ImageDraw that writes all its text in capitals: the all-caps typewritten labels of
    real forms, which the orientation network must learn (mixed-case text tells which way up
    it is by its ascenders; capitals do not)."""

    def __init__(self, draw: ImageDraw.ImageDraw) -> None:
        self._draw = draw

    def text(self, xy, text: str, *args, **kwargs) -> None:
        self._draw.text(xy, text.upper(), *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._draw, name)


RULE_STYLES = ("solid", "solid", "grey", "double", "dashed", "dotted", "broken")


class Ruler:
    """Draws a page's ruling lines (table grids, form boxes, underlines, rules) on a layer of
    their own, so the page comes with its line-free twin (``render_layers``). With a
    ``styles`` generator the lines vary as real forms' do: grey (a coloured rule scanned),
    double, dashed, dotted, broken, and now and then run through the text they underline;
    without one they are solid black, as the generator always drew them (the same pages)."""

    def __init__(self, img: Image.Image, styles: random.Random | None) -> None:
        self.draw = ImageDraw.Draw(img)
        self.styles = styles
        self.style = styles.choice(RULE_STYLES) if styles else "solid"
        self.grey = styles.randint(60, 170) if styles else 0

    def through_text(self) -> bool:
        """Whether the next underline runs through its text (a typed value over a printed rule)."""
        return bool(self.styles) and self.styles.random() < 0.15

    def line(self, xy, fill: int = 0, width: int = 1) -> None:
        (x0, y0), (x1, y1) = xy
        if self.styles is None:
            self.draw.line(xy, fill=fill, width=width)
            return
        style = self.styles.choice(RULE_STYLES) if self.styles.random() < 0.25 else self.style
        fill = self.grey if style == "grey" else fill
        length = math.hypot(x1 - x0, y1 - y0)
        if length < 1:
            return
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        if style == "double":
            off = width + max(2, width * self.styles.uniform(1, 2.5))
            for d in (-off / 2, off / 2):
                self.draw.line([(x0 - uy * d, y0 + ux * d), (x1 - uy * d, y1 + ux * d)], fill=fill, width=width)
            return
        if style == "solid" or style == "grey":
            self.draw.line(xy, fill=fill, width=width)
            return
        # dashes, dots (leaders), or a solid rule with the breaks of a worn or faint print
        dash, gap = {
            "dashed": (width * self.styles.uniform(4, 10), width * self.styles.uniform(2, 5)),
            "dotted": (max(1.0, width), width * self.styles.uniform(1.5, 4) + 1),
            "broken": (width * self.styles.uniform(20, 60), self.styles.uniform(1, 3)),
        }[style]
        t = 0.0
        while t < length:
            e = min(length, t + dash)
            self.draw.line([(x0 + ux * t, y0 + uy * t), (x0 + ux * e, y0 + uy * e)], fill=fill, width=width)
            t = e + gap

    def rectangle(self, box, outline: int = 0, width: int = 1) -> None:
        if self.styles is None:
            self.draw.rectangle(box, outline=outline, width=width)
            return
        x0, y0, x1, y1 = box
        inner = width / 2
        for a, b in (((x0, y0 + inner), (x1, y0 + inner)), ((x0, y1 - inner), (x1, y1 - inner))):
            self.line([a, b], fill=outline, width=width)
        for a, b in (((x0 + inner, y0), (x0 + inner, y1)), ((x1 - inner, y0), (x1 - inner, y1))):
            self.line([a, b], fill=outline, width=width)


class Page:
    """A white canvas with a cursor, the column geometry and the text written so far."""

    def __init__(
        self,
        rng: random.Random,
        width: int,
        height: int,
        xheight: float,
        face: Typeface,
        caps: bool = False,
        styles: random.Random | None = None,
    ) -> None:
        self.rng = rng
        self.img = Image.new("L", (width, height), 255)
        self.rule_img = Image.new("L", (width, height), 255)
        self.ruler = Ruler(self.rule_img, styles)
        self.caps = caps
        self.draw = Capitals(ImageDraw.Draw(self.img)) if caps else ImageDraw.Draw(self.img)
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
            if line and font.getlength(trial.upper() if self.caps else trial) > width:
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
    """A table: rules under the header, or a full grid of cells; the header row sometimes
    reversed (light text on a dark band, as in many reports)."""
    rows = content.table_rows(p.rng, fake)
    font, head = p.font(), p.font("bold")
    widths = [max(font.getlength(r[c]) for r in rows) + p.size * 1.5 for c in range(len(rows[0]))]
    if sum(widths) > p.width:
        return block_paragraph(p, fake)
    grid = p.rng.random() < 0.5
    reversed_head = p.rng.random() < 0.25
    lw = max(1, round(p.size / 14))
    top, right, col = p.y, p.x0 + sum(widths), p.col
    for r, row in enumerate(rows):
        if not p.room(p.leading * 1.1) or p.col != col:  # a table ends where its column does
            break
        x, y = p.x0, p.y
        ground, ink = (p.rng.randint(0, 100), p.rng.randint(215, 255)) if reversed_head and r == 0 else (255, 0)
        if ground != 255:
            p.draw.rectangle([p.x0, y - p.leading * 0.08, right, y + p.leading * 1.02], fill=ground)
        for c, cell in enumerate(row):
            p.draw.text((x + p.size * 0.3, y), cell, font=head if r == 0 else font, fill=ink)
            x += widths[c]
        p.lines.append(" ".join(row))
        if grid or r == 0:
            p.ruler.line([(p.x0, y + p.leading * 1.02), (right, y + p.leading * 1.02)], fill=0, width=lw)
        p.y += p.leading * 1.1
    if grid and p.col == col and p.y > top:  # the verticals and the box round it
        x = p.x0
        for wc in [0, *widths]:
            x += wc
            p.ruler.line([(x, top - p.leading * 0.08), (x, p.y - p.leading * 0.08)], fill=0, width=lw)
        p.ruler.line([(p.x0, top - p.leading * 0.08), (right, top - p.leading * 0.08)], fill=0, width=lw)
    p.gap()


def block_form(p: Page, fake) -> None:
    font = p.font()
    for label, value in content.form_fields(p.rng, fake):
        if not p.room(p.leading * 1.3):
            return
        line = f"{label}: {value}".rstrip()
        p.draw.text((p.x0, p.y), line, font=font, fill=0)
        start = p.x0 + font.getlength(f"{label}: ")
        y = p.y + p.size * (p.ruler.styles.uniform(0.45, 0.95) if p.ruler.through_text() else 1.05)
        p.ruler.line(
            [(start, y), (p.x0 + p.width * p.rng.uniform(0.6, 1.0), y)], fill=0, width=max(1, round(p.size / 16))
        )
        p.lines.append(line)
        p.y += p.leading * 1.3
    p.gap()


def block_boxed_form(p: Page, fake) -> None:
    """A printed form: labelled boxes in a row or two columns, some rows of check boxes."""
    font, small = p.font(), p.font(scale=0.7)
    fields = content.form_fields(p.rng, fake)
    cols = 2 if p.width > p.size * 40 and p.rng.random() < 0.6 else 1
    cell_w, cell_h = p.width / cols, p.leading * 2.1
    lw = max(1, round(p.size / p.rng.uniform(10, 18)))
    for i in range(0, len(fields), cols):
        if not p.room(cell_h):
            return
        row = fields[i : i + cols]
        if p.rng.random() < 0.2:  # a row of check boxes instead
            x, labels = float(p.x0), []
            for label, _ in row:
                box = p.size * 0.9
                p.ruler.rectangle([x, p.y + p.size * 0.2, x + box, p.y + p.size * 0.2 + box], outline=0, width=lw)
                if p.rng.random() < 0.5:
                    p.draw.line([(x, p.y + p.size * 0.2), (x + box, p.y + p.size * 0.2 + box)], fill=0, width=lw)
                p.draw.text((x + box * 1.6, p.y), label, font=font, fill=0)
                labels.append(label)
                x += cell_w
            p.lines.append(" ".join(labels))
            p.y += p.leading * 1.4
            continue
        for c, (label, value) in enumerate(row):
            x = p.x0 + c * cell_w
            p.ruler.rectangle([x, p.y, x + cell_w - lw, p.y + cell_h], outline=0, width=lw)
            p.draw.text((x + p.size * 0.3, p.y + p.size * 0.25), label, font=small, fill=0)
            p.draw.text((x + p.size * 0.5, p.y + p.leading * 0.95), value, font=font, fill=0)
        p.lines.append(" ".join(label for label, _ in row))
        if any(value for _, value in row):
            p.lines.append(" ".join(value for _, value in row if value))
        p.y += cell_h
    p.gap()


def block_reversed(p: Page, fake) -> None:
    """A banner, a reversed heading or a dark panel: light text on a dark band (often a colour,
    turned grey by the scan). The clean page keeps it as it is."""
    scale = p.rng.uniform(1.0, 1.8)
    font = p.font(p.rng.choice(["bold", "bold", "regular"]), scale)
    text = content.heading(p.rng, fake) if p.rng.random() < 0.6 else content.paragraph(p.rng, fake)
    lines = p.wrap(text, font, p.width - p.size * 1.5)[: p.rng.randint(1, 4)]
    leading = p.leading * scale
    height = len(lines) * leading + p.size * 0.8
    if not lines or not p.room(height):
        return
    ground, ink = p.rng.randint(0, 120), p.rng.randint(210, 255)
    p.draw.rectangle([p.x0, p.y, p.x0 + p.width, p.y + height], fill=ground)
    y = p.y + p.size * 0.4
    for line in lines:
        p.draw.text((p.x0 + p.size * 0.7, y), line, font=font, fill=ink)
        p.lines.append(line)
        y += leading
    p.y += height + p.leading * 0.5


def block_address(p: Page, fake) -> None:
    font = p.font()
    for line in content.address(p.rng, fake):
        if not p.write_line(line, font):
            return
    p.gap()


def block_rule(p: Page, fake) -> None:
    if p.room(p.leading):
        y = p.y + p.leading * 0.4
        p.ruler.line([(p.x0, y), (p.x0 + p.width, y)], fill=0, width=max(1, round(p.size / p.rng.uniform(6, 20))))
        p.y += p.leading


def block_leaders(p: Page, fake) -> None:
    """A contents page or a price list: labels joined to their numbers by dotted leaders."""
    font = p.font()
    dots = max(1, round(p.size / p.rng.uniform(7, 12)))
    for _ in range(p.rng.randint(3, 9)):
        label, number = content.heading(p.rng, fake), str(p.rng.randint(1, 400))
        if not p.room(p.leading) or font.getlength(f"{label} {number}") > p.width * 0.9:
            return
        p.draw.text((p.x0, p.y), label, font=font, fill=0)
        end = p.x0 + p.width - font.getlength(number)
        p.draw.text((end, p.y), number, font=font, fill=0)
        y = p.y + p.size * 0.95
        x, stop, pitch = p.x0 + font.getlength(label) + p.size * 0.5, end - p.size * 0.5, dots * p.rng.uniform(2.5, 4)
        while x < stop:  # the leader: dots on the baseline, not text (Tesseract reads none)
            p.ruler.draw.rectangle([x, y, x + dots, y + dots], fill=0)
            x += pitch
        p.lines.append(f"{label} {number}")
        p.y += p.leading
    p.gap()


SLIDE_P = 0.03  # pages rendered as a whole slide (light on dark)
BLOCKS = [
    (block_paragraph, 10),
    (block_heading, 3),
    (block_list, 2),
    (block_table, 2),
    (block_form, 1.5),
    (block_boxed_form, 1.5),
    (block_reversed, 0.8),
    (block_address, 1),
    (block_rule, 1),
]
# forms and tables above all: the pages the line remover is measured on (``render_layers``)
FORM_BLOCKS = [
    (block_table, 3),
    (block_form, 3),
    (block_boxed_form, 3),
    (block_leaders, 1.5),
    (block_paragraph, 2),
    (block_heading, 1),
    (block_rule, 1),
]


def render_page(
    rng: random.Random,
    split: str,
    width: int,
    height: int,
    xheight_range: tuple[float, float] = (8, 40),
    caps: bool = False,
) -> tuple[np.ndarray, str, dict]:
    """A clean page (uint8, 255 = paper, 0 = ink), its text in reading order, and what was chosen.
    The body text's x-height is drawn log-uniformly from ``xheight_range`` (pixels); ``caps``
    sets every word in capitals (the same draws of ``rng`` either way)."""
    img, _, text, meta = render_layers(rng, split, width, height, xheight_range, caps)
    return img, text, meta


def render_layers(
    rng: random.Random,
    split: str,
    width: int,
    height: int,
    xheight_range: tuple[float, float] = (8, 40),
    caps: bool = False,
    styles: random.Random | None = None,
    blocks: list | None = None,
) -> tuple[np.ndarray, np.ndarray, str, dict]:
    """``render_page``'s page, and the same page without its ruling lines (the target of line
    removal: every letter whole, no rule). ``styles`` varies the lines' look (``Ruler``; its
    own generator, so ``rng``'s draws and the page's text stay the same), ``blocks`` the
    mix of blocks (``FORM_BLOCKS``: forms and tables)."""
    face = pick_typeface(rng, split)
    xheight = math.exp(rng.uniform(math.log(xheight_range[0]), math.log(xheight_range[1])))
    page = Page(rng, width, height, xheight, face, caps, styles)
    fake = content.faker(rng)
    n_blocks = rng.randint(1, 2) if rng.random() < 0.08 else 10_000  # a few near-empty pages
    funcs, weights = zip(*(blocks or BLOCKS))
    first = True
    chosen = set()
    while not page.full and n_blocks > 0:
        block = block_heading if first and rng.random() < 0.5 else rng.choices(funcs, weights)[0]
        block(page, fake)
        chosen.add(block.__name__.removeprefix("block_"))
        first = False
        n_blocks -= 1
    bare = np.asarray(page.img)
    img = np.minimum(bare, np.asarray(page.rule_img))
    if rng.random() < SLIDE_P:  # a whole slide: light text on a dark ground, kept so in the clean page
        ground, ink = rng.uniform(0, 0.35), rng.uniform(0.8, 1.0)
        img, bare = (
            np.clip((ground + (ink - ground) * (1 - a / 255)) * 255 + 0.5, 0, 255).astype(np.uint8) for a in (img, bare)
        )
        chosen.add("slide")
    meta = {"family": face.family, "xheight": round(xheight, 1), "columns": len(page.columns), "blocks": sorted(chosen)}
    text = "\n".join(page.lines)
    return img, bare, text.upper() if caps else text, meta
