"""Font discovery and the train/held-out split by font family.

Held-out families never appear in training pages, so the validation split measures what
users care about: pages set in a typeface the model has not seen.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/share/texmf/fonts/opentype"))

# Latin text faces worth rendering (the Noto package also brings hundreds of other scripts).
LATIN_FAMILIES = {
    "Arimo",
    "C059",
    "Caladea",
    "Cantarell",
    "Carlito",
    "Courier Prime",
    "Courier Prime Sans",
    "Cousine",
    "DejaVu Sans",
    "DejaVu Sans Mono",
    "DejaVu Serif",
    "EB Garamond",
    "FreeMono",
    "FreeSans",
    "FreeSerif",
    "Go",
    "Go Medium",
    "Go Mono",
    "Inconsolata",
    "Lato",
    "Liberation Mono",
    "Liberation Sans",
    "Liberation Serif",
    "Linux Biolinum O",
    "Linux Libertine O",
    "Nimbus Mono PS",
    "Nimbus Roman",
    "Nimbus Sans",
    "Nimbus Sans Narrow",
    "Noto Sans",
    "Noto Sans Display",
    "Noto Serif",
    "Noto Serif Display",
    "Open Sans",
    "Open Sans Condensed",
    "P052",
    "Roboto",
    "Roboto Condensed",
    "TeX Gyre Adventor",
    "TeX Gyre Bonum",
    "TeX Gyre Cursor",
    "TeX Gyre Heros",
    "TeX Gyre Heros Cn",
    "TeX Gyre Pagella",
    "TeX Gyre Schola",
    "TeX Gyre Termes",
    "Tinos",
    "URW Bookman",
    "URW Gothic",
}
# Never trained on: a serif, a sans, a monospace, a humanist sans, a wide serif, a geometric.
HELD_OUT_FAMILIES = {"EB Garamond", "Lato", "Courier Prime", "Cantarell", "TeX Gyre Schola", "URW Bookman"}


@dataclass(frozen=True)
class Face:
    family: str
    style: str  # "Regular", "Bold", "Italic", "Bold Italic", ...
    path: str


@functools.cache
def all_faces() -> tuple[Face, ...]:
    """Every installed Latin face, sorted so that seeds give the same pages on every machine."""
    faces = []
    for root in FONT_DIRS:
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() not in {".ttf", ".otf"}:
                continue
            try:
                family, style = ImageFont.truetype(str(path), 12).getname()
            except OSError:
                continue
            if family in LATIN_FAMILIES and family and style:
                faces.append(Face(family, style, str(path)))
    return tuple(sorted(set(faces), key=lambda f: (f.family, f.style, f.path)))


def families(split: str) -> dict[str, list[Face]]:
    """Faces grouped by family for ``split`` ("train" or "val"); empty if no fonts are installed."""
    out: dict[str, list[Face]] = {}
    for face in all_faces():
        if (face.family in HELD_OUT_FAMILIES) == (split == "val"):
            out.setdefault(face.family, []).append(face)
    return out


@functools.lru_cache(maxsize=512)
def load_font(path: str | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font at ``size`` pixels; Pillow's built-in face when no font files are installed."""
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size)
