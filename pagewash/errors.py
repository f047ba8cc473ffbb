"""Every error pagewash raises on purpose (``pagewash.errors``); each knows its CLI exit code and
HTTP status. Catch ``PagewashError`` for all of them.

The local API and the service client raise the same classes for the same trouble where they
can: a page over the pixel cap is ``ImageTooLarge`` whether it was refused here or by the
gateway (413). What only a service can say (no answer, busy, a job that failed on a worker)
is a ``ServiceError``.
"""

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


class ServiceError(PagewashError):
    """A pagewash service refused a call or could not be reached. ``status`` is the HTTP status
    (None when nothing answered) and ``detail`` the gateway's own words."""

    exit_code = 7
    http_status = 502

    def __init__(self, message: str, status: int | None = None, detail: str = ""):
        super().__init__(message)
        self.status = status
        self.detail = detail or message


class Unauthorized(ServiceError):
    """401/403: the service wants an API key (``X-Api-Key``), or a different one."""


class NotFound(ServiceError):
    """404: no such job or batch (never submitted, deleted, or expired), or no such result."""


class Refused(ServiceError):
    """The gateway refused an upload or its options (400, 413, 415, 422): sending the same
    request again will not help; ``detail`` says what is wrong."""


class RemoteTooLarge(Refused, ImageTooLarge):
    """413: more bytes or pixels than the service's caps (also an ``ImageTooLarge``, as here)."""


class Busy(ServiceError):
    """429/503 still after every retry: the service is overloaded, or its Redis is down."""


class Unreachable(ServiceError):
    """No answer: connection refused, DNS, or a timeout, still after every retry."""


class JobFailed(ServiceError):
    """The job ran on a worker and failed (``job`` is its record; ``detail`` says why)."""

    def __init__(self, message: str, job: dict | None = None):
        super().__init__(message, status=None, detail=(job or {}).get("error") or message)
        self.job = job or {}


class WaitTimeout(ServiceError):
    """The job was not finished when ``wait``'s ``timeout`` ran out; it is still on the service."""
