"""Serve-time side of pagewash: model loading, inference, OCR, and (later) the Celery tasks."""
