"""The gateway app: routers, error handlers and middleware. Run with ``pagewash serve``."""

from __future__ import annotations

import logging

import redis
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from pagewash import __version__
from pagewash.errors import PagewashError
from service.deps import require_api_key
from service.limits import BodyLimit, SecurityHeaders
from service.routes import batches, health, jobs, metrics, web

log = logging.getLogger("pagewash.service")


def create_app() -> FastAPI:
    app = FastAPI(
        title="pagewash",
        version=__version__,
        description="Clean scanned and photographed document pages so OCR reads them right. Submit a page, "
        "poll its job, fetch the clean PNG and (with ocr=true) the text, hOCR and TSV.",
    )
    keyed = [Depends(require_api_key)]
    app.include_router(jobs.router, dependencies=keyed)
    app.include_router(batches.router, dependencies=keyed)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=web.STATIC), name="static")

    @app.exception_handler(PagewashError)
    async def pagewash_error(request: Request, exc: PagewashError) -> JSONResponse:
        status = exc.http_status if 400 <= exc.http_status < 600 else 500
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.exception_handler(redis.RedisError)
    async def redis_error(request: Request, exc: redis.RedisError) -> JSONResponse:
        log.warning("redis: %s", exc)
        return JSONResponse({"detail": "the job store (Redis) is unavailable; try again shortly"}, status_code=503)

    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    return app


app = create_app()
