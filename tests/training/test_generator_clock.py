"""A seed makes the same page whatever the clock says: Faker's dates and times run up to
"now" unless told otherwise, and benchmark sets made from the same seeds minutes apart
were not the same pages (their times of day differed)."""

from __future__ import annotations

import random
from datetime import datetime

import faker.providers.date_time as faker_dates

from training.text import faker, form_fields, sentence, table_rows


def texts(seed: int) -> list[str]:
    rng = random.Random(seed)
    fake = faker(rng)
    out = [sentence(rng, fake) for _ in range(300)]
    out += [" ".join(row) for _ in range(20) for row in table_rows(rng, fake)]
    out += [f"{k}: {v}" for _ in range(20) for k, v in form_fields(rng, fake)]
    return out


def test_the_generators_text_does_not_follow_the_clock(monkeypatch):
    today = texts(7)

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2031, 6, 15, 9, 41, 7)

    monkeypatch.setattr(faker_dates, "datetime", Later)
    assert texts(7) == today
    assert any(":" in t and "before" in t for t in today)  # the times of day are in there
