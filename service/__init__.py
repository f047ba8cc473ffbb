"""The FastAPI gateway: uploads in, job records and results out; the work is done by Celery workers."""
