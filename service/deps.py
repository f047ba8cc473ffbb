"""Dependencies shared by the routes, as ``Annotated`` aliases."""

from __future__ import annotations

import hmac
from typing import Annotated

import redis
from fastapi import Depends, Form, Header, HTTPException

from pagewash.settings import Settings, get_settings
from service.submit import Options, check_options
from worker.jobstore.blobs import BlobStore, get_blobs
from worker.jobstore.redisconn import get_redis, outage


def require_api_key(x_api_key: Annotated[str | None, Header()] = None) -> None:
    """With ``PAGEWASH_API_KEYS`` set, a ``/v1`` call needs one of them in ``X-Api-Key``.
    Every key is compared in constant time, and a wrong key is never logged."""
    keys = get_settings().api_key_list()
    if not keys:
        return
    given = (x_api_key or "").encode()
    ok = False
    for key in keys:
        ok |= hmac.compare_digest(given, key.encode())
    if not ok:
        raise HTTPException(401, "missing or invalid X-Api-Key header")


def redis_up() -> redis.Redis:
    """The Redis client; during an outage this process already saw, a 503 at once instead of
    a request that hangs through the client's retries (the outage's watcher notices within a
    second that Redis is back)."""
    if outage.is_down:
        raise redis.ConnectionError("Redis has been unreachable for a while")
    return get_redis()


def options_form(
    ocr: Annotated[bool, Form(description="also read the clean page with Tesseract")] = False,
    lang: Annotated[str, Form(description="Tesseract language(s), e.g. eng or eng+deu")] = "eng",
    binarize: Annotated[bool, Form(description="return a black-and-white page")] = False,
    model: Annotated[str, Form(description="default, pagenet, dense1, dense or conv")] = "default",
    callback_url: Annotated[
        str | None, Form(description="POSTed the job's JSON when it finishes (each page's, in a batch)")
    ] = None,
    upscale: Annotated[
        str | None,
        Form(
            description="auto, off, 2 or 4: return the page upscaled (auto: 2x where the text's estimated x-height "
            "is under 12 px), with OCR read at that size. Unset, OCR still reads small text upscaled "
            "(the server's PAGEWASH_UPSCALE, auto by default) and the image keeps the upload's size"
        ),
    ] = None,
    upscale_image: Annotated[
        bool | None,
        Form(
            description="whether the image result is the upscaled page too (unset: when upscale is given); "
            "false with upscale reads OCR at the upscaled size and returns the page at the upload's size"
        ),
    ] = None,
    rotate: Annotated[
        bool | None, Form(description="turn a page fed sideways or upside down upright (unset: PAGEWASH_ROTATE, on)")
    ] = None,
    deskew: Annotated[bool | None, Form(description="straighten a skewed page (unset: PAGEWASH_DESKEW, on)")] = None,
    lines: Annotated[
        bool | None,
        Form(description="OCR also reads the page without its ruling lines, keeping the surer read (PAGEWASH_LINES)"),
    ] = None,
    remove_lines: Annotated[
        bool | None, Form(description="return the page without its ruling lines (unset: PAGEWASH_REMOVE_LINES, off)")
    ] = None,
) -> Options:
    """The processing options of a job or a batch, one set of form fields for both, checked
    before any upload is read."""
    return check_options(
        Options(
            ocr,
            lang,
            binarize,
            model,
            callback_url or None,
            upscale or None,
            upscale_image,
            rotate,
            deskew,
            lines,
            remove_lines,
        )
    )


SettingsDep = Annotated[Settings, Depends(get_settings)]
RedisDep = Annotated[redis.Redis, Depends(redis_up)]
BlobsDep = Annotated[BlobStore, Depends(get_blobs)]
OptionsDep = Annotated[Options, Depends(options_form)]
