"""The ``pagewash`` command, the top layer: one module per command group, each a table of
``Command``s; ``main`` builds the parser from them. Heavy stacks (torch, Celery, FastAPI)
are imported inside the command that runs, so ``pagewash clean`` stays light."""
