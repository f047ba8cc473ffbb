import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pagewash import tesseract
from tests.conftest import requires_tesseract


@requires_tesseract
def test_reads_a_rendered_line():
    img = Image.new("L", (700, 120), 255)
    ImageDraw.Draw(img).text((20, 30), "Hello pagewash 2026", font=ImageFont.load_default(40), fill=0)
    text = tesseract.image_to_text(np.asarray(img))
    assert "pagewash" in text.lower()
    assert tesseract.version()
