"""The Celery app: configuration from the settings object, and the tasks module.

Late acks with reject-on-worker-lost (a job whose worker
dies is redelivered; tasks are idempotent), prefetch 1 (no hoarding), JSON only (no pickle
from a broker someone may reach), no result backend (job records live in our own hashes).
"""

from __future__ import annotations

from celery import Celery
from kombu import Queue

import worker.quiet  # noqa: F401  (Celery's reconnect errors once per outage)
from pagewash.settings import get_settings

CLEAN_QUEUE = "clean"  # denoising: the GPU (or CPU) workers
OCR_QUEUE = "ocr"  # Tesseract and webhooks: CPU work that must not keep a GPU worker waiting
QUEUES = (CLEAN_QUEUE, OCR_QUEUE)


def make_app() -> Celery:
    settings = get_settings()
    app = Celery("pagewash", broker=settings.redis_url, include=["worker.tasks"])
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        worker_max_tasks_per_child=None,
        worker_send_task_events=settings.task_events,
        task_send_sent_event=settings.task_events,
        task_queues=[Queue(q) for q in QUEUES],
        task_default_queue=CLEAN_QUEUE,
        task_routes={
            "pagewash.ocr": {"queue": OCR_QUEUE},
            "pagewash.pdf": {"queue": OCR_QUEUE},
            "pagewash.callback": {"queue": OCR_QUEUE},
        },
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # keep reconnecting: a worker outlives a Redis restart
        # A lost broker connection leaves running jobs alone: they wait for Redis to come back
        # and record their results then (worker.pipeline), instead of being cut off and redone.
        worker_cancel_long_running_tasks_on_connection_loss=False,
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout,
            # Sweep for messages of vanished workers every few seconds (kombu's default is about
            # every 100 s on top of the visibility timeout); one small sorted-set query each.
            "unacked_restore_interval": max(1, min(10, settings.visibility_timeout // 3)),
            "unacked_restore_throttle": 1,
        },
    )
    return app


app = make_app()
