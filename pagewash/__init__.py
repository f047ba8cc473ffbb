"""pagewash: clean scanned and photographed document pages so OCR reads them right."""

__version__ = "0.1.0"
