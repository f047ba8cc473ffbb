"""The Celery worker: the app (``celery_app``), the tasks (``tasks``, thin wrappers taking a
job id), the job steps they run (``pipeline``, on ``pagewash.chain``), the cross-job GPU
batcher (``batcher``), heartbeats and the reaper (``heartbeat``, ``held``), graceful shutdown
(``shutdown``), the per-job deadline (``deadline``) and webhooks (``webhook``).

``worker.jobstore`` (job records and blobs in Redis) sits at the bottom of this package: the
gateway uses it too, and it imports nothing else of the worker."""
