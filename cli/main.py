"""``pagewash``: the parser, built from each command group's table."""

from __future__ import annotations

import argparse
import logging
import sys

from cli import local, quality, service, speed
from cli.spec import Command

GROUPS = (local, quality, speed, service)


def commands() -> list[Command]:
    return [c for group in GROUPS for c in group.COMMANDS]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Every command is listed; flags are added for ``only`` (all when None)."""
    parser = argparse.ArgumentParser(
        prog="pagewash",
        description="Clean scanned and photographed document pages (stains, shadows, speckle, streaks, "
        "show-through) with a denoising autoencoder so OCR reads them right. Flags override PAGEWASH_* "
        "environment variables for one run; `pagewash COMMAND --help` explains each command.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for c in commands():
        p = sub.add_parser(c.name, help=c.help, description=c.description)
        if only in (None, c.name):
            for a in c.args():
                p.add_argument(*a.flags, **a.options)
        p.set_defaults(func=c.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    chosen = next((a for a in argv if not a.startswith("-")), "")  # -v is the only top-level flag
    args = build_parser(chosen).parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
