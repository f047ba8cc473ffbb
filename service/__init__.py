"""The FastAPI gateway: uploads in, job records and results out (``main`` builds the app,
``routes/`` has one router per resource, ``schemas``, ``deps``, ``uploads``, ``submit``,
``limits``, ``static/`` the web page). The work is done by Celery workers; needs
``pip install 'pagewash[server]'``."""
