import time

import pytest

from pagewash.errors import JobTimeout
from worker.deadline import deadline


def test_deadline_interrupts_a_long_step_and_is_cleared_after():
    t0 = time.monotonic()
    with pytest.raises(JobTimeout, match="deadline of 0.2 s"), deadline(0.2):
        time.sleep(5)
    assert time.monotonic() - t0 < 2
    with deadline(0.2):
        pass
    time.sleep(0.3)  # the timer was cancelled: nothing fires now
