"""Every error pagewash raises on purpose; each knows its CLI exit code and HTTP status."""

from __future__ import annotations


class PagewashError(Exception):
    exit_code = 1
    http_status = 500


class BadImage(PagewashError):
    """The input is not an image we can read: corrupt, empty, unsupported or too large."""

    exit_code = 3
    http_status = 422


class ImageTooLarge(BadImage):
    """More pixels than the configured cap (also how decompression bombs are stopped)."""

    http_status = 413


class BadPdf(BadImage):
    """A PDF we cannot or will not read: damaged, or past the probe's time and memory caps."""


class EncryptedPdf(BadPdf):
    """A password-protected (or owner-password encrypted) PDF: its owner must remove the password."""


class ModelNotFound(PagewashError):
    exit_code = 4
    http_status = 500


class BadArtifact(PagewashError):
    """A model file that is not a pagewash artifact, or of a format this version cannot read."""

    exit_code = 4
    http_status = 500


class TesseractMissing(PagewashError):
    exit_code = 5
    http_status = 503


class JobTimeout(PagewashError):
    """A job ran past its per-job deadline on a worker."""

    exit_code = 6
    http_status = 504


class BadRequest(PagewashError):
    """A request the gateway refuses as it stands (bad option, unsafe callback URL, ...)."""

    exit_code = 2
    http_status = 422


class OcrFailed(PagewashError):
    """Tesseract ran but failed or timed out on a page."""

    exit_code = 5
    http_status = 422
