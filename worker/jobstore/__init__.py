"""The job store: job and batch records in Redis with the one transition script (``jobs``),
image bytes in Redis or a shared directory (``blobs``), and the Redis connection
(``redisconn``). The gateway writes jobs, the workers move them; neither Celery nor anything
else of the worker is imported here."""
