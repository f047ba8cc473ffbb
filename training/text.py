"""Text content for synthetic pages: prose, headings, lists, tables, forms, addresses.

Faker gives names, dates, prices and addresses; the prose mixes Faker's English word
sentences with real English sentences from the Python documentation that ships with the
interpreter (``pydoc_data``), so Tesseract's language model meets real grammar as it will
on users' pages.
"""

from __future__ import annotations

import datetime
import functools
import random
import re

from faker import Faker


@functools.cache
def real_sentences() -> tuple[str, ...]:
    """Plain English sentences from the interpreter's own documentation topics."""
    from pydoc_data.topics import topics

    text = " ".join(topics.values())
    text = re.sub(r"\*\*|``|\*|\\", "", text)
    out = []
    for s in re.split(r"(?<=[.!?])\s+", text):
        s = " ".join(s.split())
        letters = sum(c.isalpha() for c in s)
        if 30 <= len(s) <= 220 and letters > 0.7 * len(s) and s[0].isupper() and not re.search(r"[<>{}=_\[\]|]|::", s):
            out.append(s)
    return tuple(out)


# Faker's dates and times run from 1970 to "now": unpinned, a seed's page changed with the
# clock (its times were seen to differ between two runs minutes apart, so benchmark sets
# made from the same seeds were not the same pages)
NOW = datetime.datetime(2026, 12, 1, 12, 0)


def dated(fake: Faker, pattern: str = "%Y-%m-%d") -> str:
    """A date (or time of day) between 1970 and ``NOW``."""
    return fake.date(pattern, end_datetime=NOW)


def this_year(fake: Faker) -> str:
    return fake.date_between_dates(NOW.replace(month=1, day=1), NOW).strftime("%B %d, %Y")


def faker(rng: random.Random) -> Faker:
    fake = Faker("en_US")
    fake.seed_instance(rng.getrandbits(32))
    return fake


def sentence(rng: random.Random, fake: Faker) -> str:
    kind = rng.random()
    if kind < 0.45:
        return rng.choice(real_sentences())
    if kind < 0.75:
        return fake.sentence(nb_words=rng.randint(5, 16))
    templates = [
        lambda: f"{fake.name()} paid ${fake.pydecimal(left_digits=4, right_digits=2, positive=True)} on {dated(fake)}.",
        lambda: f"Invoice {fake.bothify('??-#####').upper()} is due {this_year(fake)}.",
        lambda: f"Call {fake.phone_number()} or write to {fake.email()} before {dated(fake, '%H:%M')}.",
        lambda: f"{fake.company()} reported {rng.randint(2, 98)}% growth in {dated(fake, '%Y')}.",
        lambda: f"Ship {rng.randint(1, 500)} units to {fake.city()}, {fake.state_abbr()} {fake.zipcode()}.",
        lambda: f"Ref. No. {rng.randint(1000, 99999)}/{rng.randint(1, 12):02d} dated {dated(fake, '%d.%m.%Y')}.",
    ]
    return rng.choice(templates)()


def paragraph(rng: random.Random, fake: Faker) -> str:
    return " ".join(sentence(rng, fake) for _ in range(rng.randint(2, 7)))


def heading(rng: random.Random, fake: Faker) -> str:
    text = rng.choice([fake.catch_phrase, fake.bs, fake.company, lambda: fake.sentence(nb_words=4)[:-1]])()
    text = text.title() if rng.random() < 0.6 else text
    if rng.random() < 0.25:
        text = text.upper()
    if rng.random() < 0.3:
        text = f"{rng.randint(1, 12)}. {text}"
    return text


def list_items(rng: random.Random, fake: Faker) -> list[str]:
    bullet = rng.choice(["•", "-", "*", "1.", "a)", "–"])
    items = []
    for i in range(rng.randint(2, 6)):
        mark = f"{i + 1}." if bullet == "1." else f"{chr(97 + i)})" if bullet == "a)" else bullet
        items.append(f"{mark} {fake.sentence(nb_words=rng.randint(3, 10))}")
    return items


def table_rows(rng: random.Random, fake: Faker) -> list[list[str]]:
    header = ["Item", "Date", "Qty", "Price"]
    rows = [header]
    for _ in range(rng.randint(2, 8)):
        rows.append(
            [
                fake.word().capitalize() + " " + fake.word(),
                dated(fake, rng.choice(["%Y-%m-%d", "%d/%m/%Y", "%b %d"])),
                str(rng.randint(1, 250)),
                f"${fake.pydecimal(left_digits=3, right_digits=2, positive=True)}",
            ]
        )
    return rows


def form_fields(rng: random.Random, fake: Faker) -> list[tuple[str, str]]:
    fields = [
        ("Name", fake.name),
        ("Date", lambda: dated(fake)),
        ("Phone", fake.phone_number),
        ("Account", fake.iban),
        ("City", fake.city),
        ("Email", fake.email),
        ("Amount", lambda: f"${rng.randint(10, 9999)}.00"),
        ("Company", fake.company),
        ("Signature", lambda: ""),
    ]
    return [(label, value()) for label, value in rng.sample(fields, rng.randint(2, 5))]


def address(rng: random.Random, fake: Faker) -> list[str]:
    return [fake.name(), *fake.address().split("\n")]
