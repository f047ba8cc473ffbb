"""``pagewash``: the parser, built from each command group's table."""

from __future__ import annotations

import argparse
import logging
import sys

from pagewash import __version__
from pagewash.cli import local, quality, server, speed
from pagewash.cli.spec import Command

GROUPS = (local, quality, speed, server)

# What a command needs beyond `pip install pagewash`, by the top-level module it imports.
EXTRAS = {
    **dict.fromkeys(("fastapi", "uvicorn", "starlette", "multipart", "celery", "kombu", "redis"), "server"),
    "prometheus_client": "server",
    **dict.fromkeys(("faker", "matplotlib", "augraphy", "training"), "train"),
}


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
    parser.add_argument("--version", action="version", version=f"pagewash {__version__}")
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
    chosen = next((a for a in argv if not a.startswith("-")), "")  # -v and --version are the only top-level flags
    args = build_parser(chosen).parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return args.func(args)
    except ModuleNotFoundError as e:
        extra = EXTRAS.get((e.name or "").split(".")[0])
        if extra is None:
            raise
        print(
            f"pagewash {args.command}: needs {e.name}, which is not installed here "
            f"(`pip install pagewash` leaves it out): pip install 'pagewash[{extra}]'",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
