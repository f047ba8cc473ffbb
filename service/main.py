"""The gateway app: routers, error handlers and middleware. Run with ``pagewash serve``."""

from __future__ import annotations

import logging

import redis
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from kombu.exceptions import OperationalError

from pagewash import __version__
from pagewash.errors import PagewashError
from service.deps import require_api_key
from service.limits import BodyLimit, SecurityHeaders
from service.routes import batches, health, jobs, metrics, web
from worker.jobstore.redisconn import DOWN, outage

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
    @app.exception_handler(OperationalError)  # the broker (the same Redis) refused the task
    async def redis_error(request: Request, exc: Exception) -> JSONResponse:
        """503 with ``Retry-After``: nothing was stored, or what was is removed (``submit``)."""
        if isinstance(exc, (*DOWN, OperationalError)):
            outage.down("gateway", exc)  # logged once per outage
        else:
            log.warning("redis: %s", exc)
        return JSONResponse(
            {"detail": "the job store (Redis) is unavailable; try again shortly"},
            status_code=503,
            headers={"Retry-After": outage.retry_after()},
        )

    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    return app


app = create_app()
