"""Measuring pagewash, a layer of its own beside the gateway: OCR accuracy on a folder of
pages (``benchmark``, ``pagewash benchmark``), the PDF routes (``pdf_benchmark``), Tesseract's
accuracy against text size (``textband``), speed against Tesseract and the service's overhead
(``perf``, ``pagewash bench``), device throughput through the worker's batcher
(``throughput``) and the HTTP load test (``loadtest``, ``pagewash loadtest``). Results go to
``benchmarks/`` (``make bench``, ``make load``)."""
