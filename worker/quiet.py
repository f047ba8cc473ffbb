"""Celery's logs through a Redis outage: one line when it starts, one when it ends.

Celery's consumer logs an error for each try to reach a broker that is down, every few
seconds of an outage, and warns on every reconnect that a default may change in Celery 6
(``worker_cancel_long_running_tasks_on_connection_loss``, set on purpose in
``worker.celery_app``). Neither says anything new after the first time.
"""

from __future__ import annotations

import logging
import warnings

from celery.exceptions import CPendingDeprecationWarning


class OncePerOutage(logging.Filter):
    """Lets the first "Cannot connect" of an outage through, and the next once the consumer
    connected again."""

    def __init__(self) -> None:
        super().__init__()
        self.told = False

    def filter(self, record: logging.LogRecord) -> bool:
        text = str(record.msg)
        if text.startswith("Connected to"):
            self.told = False
        elif text.startswith("consumer: Cannot connect to"):
            if self.told:
                return False
            self.told = True
        return True


warnings.filterwarnings("ignore", r"\s*In Celery 5\.1 we introduced", CPendingDeprecationWarning)
_once = OncePerOutage()
for _name in ("celery.worker.consumer.consumer", "celery.worker.consumer.connection"):
    logging.getLogger(_name).addFilter(_once)
