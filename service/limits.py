"""ASGI middleware: the request-body cap, enforced while the body streams in (a huge upload is
refused after ``cap`` bytes, not after it has been buffered), and security headers."""

from __future__ import annotations

import json

from fastapi import HTTPException

from pagewash.settings import get_settings

MULTIPART_SLACK = 64 * 1024  # form fields and part headers around the file itself
# The web page loads only its own files and talks only to this origin (blob: for the images
# it fetched with the API key). /docs keeps FastAPI's own page, which loads Swagger UI from a CDN.
PAGE_CSP = (
    b"default-src 'self'; img-src 'self' blob: data:; script-src 'self'; style-src 'self'; "
    b"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class TooLarge(HTTPException):
    """Raised from inside the body stream; an HTTPException, so FastAPI's form parsing passes
    it on as the 413 it is rather than as a generic 400 parse error."""

    def __init__(self, cap: int):
        super().__init__(413, f"request body larger than the upload cap of {cap:,} bytes")


async def _send_413(send, cap: int) -> None:
    body = json.dumps({"detail": f"request body larger than the upload cap of {cap:,} bytes"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        cap = get_settings().max_upload_bytes
        limit = cap + MULTIPART_SLACK
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return await _send_413(send, cap)
        received = 0
        started = False

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise TooLarge(cap)
            return message

        async def watched_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except TooLarge:
            if not started:
                await _send_413(send, cap)


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        page = scope["path"] == "/" or scope["path"].startswith("/static/")

        async def with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [h for h in HEADERS if h[0] not in names]
                if page:
                    extra.append((b"content-security-policy", PAGE_CSP))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
