"""The ``pagewash`` command, the top layer of the project, and the machinery only it uses.

Commands: one module per command group (``local``: clean, ocr, watch, demo; ``quality``:
benchmark, synth, bank, evaluate, train; ``speed``: bench, loadtest; ``server``: serve,
worker), each a table of ``Command``s (``spec``); ``main`` builds the parser from them.
Machinery: folder batches (``batch``), the same through a service (``remote_batch``), the hot
folder (``watch``), the demo (``demo``) and the state file the long runs keep (``statefile``).

Heavy stacks (torch, Celery, FastAPI) are imported inside the command that runs, so
``pagewash clean`` stays light and ``pagewash --help`` imports nothing heavy."""
