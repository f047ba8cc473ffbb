"""The ruling-line remover on drawn pages: rules, grids and broken rules go; a letter that
touches or crosses a rule keeps its strokes; a page without rules is left as it was."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pagewash import lines, tesseract

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"


def canvas(w: int = 900, h: int = 400) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("L", (w, h), 255)
    return img, ImageDraw.Draw(img)


def grey(img: Image.Image) -> np.ndarray:
    return np.asarray(img, np.float32) / 255


def test_a_grid_goes_and_the_words_in_its_cells_stay():
    img, d = canvas()
    font = ImageFont.truetype(FONT, 30)
    for y in (40, 140, 240, 340):
        d.line([(30, y), (870, y)], fill=0, width=3)
    for x in (30, 450, 870):
        d.line([(x, 40), (x, 340)], fill=0, width=3)
    for i, word in enumerate(["Number", "Total", "Amount", "Date", "Name", "Place"]):
        d.text((60 + 420 * (i % 2), 70 + 100 * (i // 2)), word, fill=0, font=font)
    page = grey(img)
    out, found = lines.remove_lines(page)
    assert found
    ink_rows = (out[:, 100:400] < 0.5).sum(axis=1)
    assert ink_rows[38:44].max() < 10 and ink_rows[338:344].max() < 10  # the rules are gone
    text = tesseract.ocr(out, psm=6, formats=("txt",)).text
    for word in ["Number", "Total", "Amount", "Date", "Name", "Place"]:
        assert word in text, text


def test_a_letter_crossing_a_rule_keeps_its_stem():
    img, d = canvas(600, 200)
    font = ImageFont.truetype(FONT, 60)
    d.text((100, 50), "T7E", fill=0, font=font)
    box = d.textbbox((100, 50), "T7E", font=font)
    y = (box[1] + box[3]) // 2  # through the middle of the letters
    d.line([(20, y), (580, y)], fill=0, width=2)
    page = grey(img)
    out, found = lines.remove_lines(page)
    assert found
    left = (out[y - 1 : y + 2, 25:90] < 0.5).sum()
    assert left == 0  # the rule is gone where no letter is
    stem_x = box[0] + (d.textbbox((100, 50), "T", font=font)[2] - box[0]) // 2
    assert (out[y - 1 : y + 2, stem_x - 3 : stem_x + 4] < 0.5).sum() > 0  # the T's stem is not cut
    assert "T7E" in tesseract.ocr(out, psm=7, formats=("txt",)).text.replace(" ", "")


def test_a_word_on_an_underline_loses_nothing_of_its_own():
    img, d = canvas(700, 160)
    font = ImageFont.truetype(FONT, 40)
    d.text((60, 40), "Signature", fill=0, font=font)
    base = d.textbbox((60, 40), "Signature", font=font)[3]
    d.line([(40, base), (660, base)], fill=0, width=2)  # touching the descender of the g
    page = grey(img)
    out, found = lines.remove_lines(page)
    assert found
    above = page[: base - 2] < 0.5
    assert ((out[: base - 2] < 0.5) == above).mean() > 0.999  # the letters above the rule as they were
    assert "Signature" in tesseract.ocr(out, psm=7, formats=("txt",)).text


def test_a_page_without_rules_is_left_as_it_was():
    img, d = canvas()
    font = ImageFont.truetype(FONT, 28)
    d.text((40, 40), "Plain text, no rules here at all.", fill=0, font=font)
    d.text((40, 100), "A second line - and a short dash.", fill=0, font=font)
    page = grey(img)
    out, found = lines.remove_lines(page)
    assert not found and out is page


def test_dotted_leaders_and_a_dashed_rule_go_and_small_print_stays():
    img, d = canvas(900, 300)
    font, small = ImageFont.truetype(FONT, 28), ImageFont.truetype(FONT, 11)
    d.text((40, 40), "Contents", fill=0, font=font)
    d.text((780, 40), "12", fill=0, font=font)
    for x in range(200, 760, 9):  # a leader: square dots on the baseline
        d.rectangle([x, 66, x + 2, 68], fill=0)
    for x in range(40, 860, 22):  # a dashed rule
        d.line([(x, 120), (x + 14, 120)], fill=0, width=2)
    d.text((40, 200), "a line of small print below the rules, which is text and stays on the page", fill=0, font=small)
    page = grey(img)
    out, found = lines.remove_lines(page)
    assert found
    assert (out[60:75, 200:760] < 0.5).sum() == 0 and (out[115:126, 40:860] < 0.5).sum() == 0
    assert np.array_equal(out[190:230], page[190:230])  # small print is no dotted rule
    text = tesseract.ocr(out, psm=6, formats=("txt",)).text
    assert "Contents" in text and "12" in text


def test_a_dark_band_with_light_words_is_no_rule():
    """A table's header row in reverse: the strips of band above and below its letters are as
    long and thin as rules, but they are the band, and painting them loses the words."""
    img, d = canvas(900, 200)
    font = ImageFont.truetype(FONT, 26)
    d.rectangle([30, 40, 870, 80], fill=40)
    d.text((60, 44), "Item        Quantity        Price", fill=250, font=font)
    d.line([(30, 120), (870, 120)], fill=0, width=3)  # and a rule below it, which goes
    page = grey(img)
    out, found = lines.remove_lines(page)
    assert found and (out[118:123, 100:800] < 0.5).sum() == 0
    assert np.array_equal(out[35:85], page[35:85])


def test_the_full_stops_of_a_typed_list_are_no_dotted_rule():
    """Initials in a single-spaced typewritten list put their full stops one above the
    other, a line apart (here 1.7 x-heights): a column of marks, but no rule (a dotted
    rule's marks are closer). Such a list lost every full stop and an i."""
    img, d = canvas(700, 420)
    font = ImageFont.truetype(MONO, 26)
    names = ["Mr. J. R. Ave", "Mr. R. H. Orcutt", "Mr. M. A. Peterson", "Ms. S. Ridgway", "Mr. L. Gordon"]
    d.line([(20, 30), (680, 30)], fill=0, width=3)  # a rule, so the page has some
    for i, name in enumerate([*names, "Dr. S. T. Jones", "Mr. C. Toti"]):
        d.text((40, 60 + 24 * i), name, fill=0, font=font)
    page = grey(img)
    out, found = lines.remove_lines(page)
    assert found and (out[26:36, 30:670] < 0.5).sum() == 0
    assert np.array_equal(out[50:], page[50:])


def test_a_rule_a_little_askew_leaves_no_stubs():
    """A rule that drifts a row every hundred pixels or so (a scan a little askew, a rule
    typed as underscores) runs on long enough in no one row at its ends: what the opening
    leaves of those rows goes with it, else Tesseract reads the stubs as dashes."""
    img, d = canvas(900, 200)
    font = ImageFont.truetype(FONT, 28)
    d.text((40, 40), "Comments", fill=0, font=font)
    for i in range(10):  # 2-3 px thick, each step overlapping the next; its first and last rows short
        d.rectangle([max(40, 100 * i - 60), 120 + i, min(860, 100 * i + 70), 121 + i], fill=0)
    page = grey(img)
    out, found = lines.remove_lines(page)
    assert found
    _, _, stats, _ = cv2.connectedComponentsWithStats((out[110:140] < 0.5).astype(np.uint8))
    assert stats[1:, cv2.CC_STAT_WIDTH].max(initial=0) <= 2  # a jagged pixel or two at most, no dash
    assert "Comments" in tesseract.ocr(out, psm=6, formats=("txt",)).text
