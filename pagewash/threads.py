"""The threads one process gives its numerical libraries: torch (the cleaner) and OpenCV
(the classical steps: the line mask, the re-reads' ink, orientation, deskew).

Where pages run side by side (the readers of ``pagewash ocr``, OCRmyPDF's page threads, the
worker's prefork children, the benchmarks' pools), each process or page gets its share of
the cores, and a library that spreads one call over every core only makes the pages wait
on each other. OpenCV does: its parallel labelling of connected pieces took 33 ms on a
2550x3300 page with 2 threads against 22 ms with one, its 63-pixel closing 19 against 14,
and with two pages in flight on 2 cores the chain ran 10% faster with OpenCV on one thread
a process (48 generator and FUNSD pages: 28.7 and 27.9 s against 31.8 and 31.0 s, the same
text). A page that has the machine to itself keeps every core (its resizing and rotations
gain from them).

OpenCV is told through ``OPENCV_FOR_THREADS_NUM``, which it reads when it first runs
anything in parallel, never with ``cv2.setNumThreads``: a child forked after its parent
started OpenCV's thread pool hangs for good when it resizes that pool (measured here). So
the count is set before the work starts (a parent's count goes to the children it forks);
where OpenCV has already run, it keeps the count it had.
"""

from __future__ import annotations

import os

OPENCV_THREADS = "OPENCV_FOR_THREADS_NUM"


def opencv(threads: int) -> None:
    """OpenCV on ``threads`` threads in this process, if it has not run in parallel yet, and
    in the children it forks from now on."""
    os.environ[OPENCV_THREADS] = str(max(1, int(threads)))


def share(threads: int) -> None:
    """torch on ``threads`` threads in this process, and OpenCV as ``opencv`` says."""
    import torch

    threads = max(1, int(threads))
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    opencv(threads)
