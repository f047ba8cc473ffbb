"""pagewash: clean scanned and photographed document pages so OCR reads them right.

    import pagewash
    page = pagewash.clean("scan.png")          # uint8 grey numpy array, the scan cleaned
    text = pagewash.read("scan.png").text      # cleaned, then read by Tesseract

``clean``, ``read`` and ``load_model`` run here (``pagewash.api``); ``Client`` and
``AsyncClient`` do the same through a pagewash service (``pagewash.client``); every error is
in ``pagewash.errors``. See docs/python.md.

Importing ``pagewash`` loads none of them: torch, OpenCV and httpx are imported on first use,
so ``import pagewash`` stays cheap in a program that may never clean a page.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "clean": "pagewash.api",
    "read": "pagewash.api",
    "load_model": "pagewash.api",
    "Model": "pagewash.model_store",
    "Result": "pagewash.result",
    "Word": "pagewash.result",
    "Client": "pagewash.client",
    "AsyncClient": "pagewash.client",
    "Page": "pagewash.client",
    "PagewashError": "pagewash.errors",
}
__all__ = [
    "AsyncClient",
    "Client",
    "Model",
    "Page",
    "PagewashError",
    "Result",
    "Word",
    "__version__",
    "clean",
    "errors",
    "load_model",
    "read",
]

if TYPE_CHECKING:
    from pagewash import errors
    from pagewash.api import clean, load_model, read
    from pagewash.client import AsyncClient, Client, Page
    from pagewash.errors import PagewashError
    from pagewash.model_store import Model
    from pagewash.result import Result, Word


def __getattr__(name: str) -> Any:
    if name == "errors":
        return importlib.import_module("pagewash.errors")
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'pagewash' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
