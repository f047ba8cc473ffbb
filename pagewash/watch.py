"""A hot folder: ``pagewash watch IN -o OUT``. Files dropped into IN (a scanner's share, an SFTP
drop) are cleaned, and read with ``--ocr``, through the same code path as ``pagewash clean``,
here or through a service.

Each step is a plain function: ``candidates`` lists the files that may be inputs, ``Settling``
waits until a file's size and modification time have held still (a scanner still writing
it is left alone), ``process`` runs one file, and ``finish`` moves the input to ``--done`` or
``--failed`` (with ``NAME.error.txt``). The state file in OUT records what is done, so a restart
redoes nothing; a file cut off by a crash is not in it, and is redone whole.

Filesystem events (``watchfiles``) wake the loop; it also rescans every ``poll`` seconds,
which is all that happens on shares that deliver no events (``force_polling``).
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pagewash.batch import INPUT_SUFFIXES, Job, Summary

log = logging.getLogger(__name__)
STATE = ".pagewash-watch.json"
TEMP_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", ".swp")


def is_temporary(path: Path) -> bool:
    """Names that tools use while they write: dotfiles, ``~$x``, ``x.part``, ``x.tmp``."""
    name = path.name
    return name.startswith((".", "~$", "~")) or name.lower().endswith(TEMP_SUFFIXES)


def candidates(root: Path, skip: tuple[Path, ...] = ()) -> list[Path]:
    """Files under ``root`` with an input suffix, outside ``skip`` (the done and failed folders)."""
    out = []
    for path in sorted(root.rglob("*")):
        if any(path.is_relative_to(s) for s in skip):
            continue
        hidden = any(is_temporary(Path(part)) for part in path.relative_to(root).parts)
        if path.is_file() and path.suffix.lower() in INPUT_SUFFIXES and not hidden:
            out.append(path)
    return out


@dataclass
class Settling:
    """Files become ready once their (size, mtime) has held for ``settle`` seconds."""

    settle: float
    seen: dict[Path, tuple[tuple[int, float], float]] = field(default_factory=dict)

    def ready(self, paths: list[Path], now: float) -> list[Path]:
        out = []
        for path in paths:
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            key = (st.st_size, st.st_mtime)
            last = self.seen.get(path)
            if last is None or last[0] != key:
                self.seen[path] = (key, now)
            elif (
                now - last[1] >= self.settle
                and st.st_size > 0
                or (st.st_size == 0 and now - last[1] >= 3 * self.settle)
            ):
                out.append(path)
        for gone in set(self.seen) - set(paths):
            del self.seen[gone]
        return out


class State:
    """What is done, by input path relative to IN with its size and mtime, in OUT/STATE."""

    def __init__(self, out: Path):
        self.path = out / STATE
        self.lock = threading.Lock()
        try:
            self.done: dict[str, list[float]] = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            self.done = {}

    def key(self, path: Path) -> list[float]:
        st = path.stat()
        return [st.st_size, st.st_mtime]

    def is_done(self, rel: str, path: Path) -> bool:
        try:
            return self.done.get(rel) == self.key(path)
        except FileNotFoundError:
            return True

    def mark(self, rel: str, key: list[float] | None) -> None:
        with self.lock:
            if key is None:
                self.done.pop(rel, None)
            else:
                self.done[rel] = key
            tmp = self.path.with_suffix(".part")
            tmp.write_text(json.dumps(self.done, indent=1))
            tmp.replace(self.path)


@dataclass
class Options:
    done: Path | None = None
    failed: Path | None = None
    delete_input: bool = False
    settle: float = 2.0
    poll: float = 1.0
    force_polling: bool = False
    jobs: int = 1


def finish(src: Path, rel: Path, error: str | None, opts: Options) -> None:
    """Move the input to ``failed`` (with ``NAME.error.txt``) or ``done``, or delete it."""
    target = opts.failed if error else opts.done
    if error is None and opts.delete_input:
        src.unlink(missing_ok=True)
    elif target is not None:
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(src), dest)
        if error:
            dest.with_name(dest.name + ".error.txt").write_text(error + "\n")
    elif error:
        log.warning("%s: %s", src, error)


def watch(
    root: Path,
    out: Path,
    process: Callable[[Job], Summary],
    opts: Options,
    stop: threading.Event,
    report: Callable[[str], None] = print,
    ready_to_work: Callable[[], bool] = lambda: True,
) -> dict[str, int]:
    """Follow ``root`` until ``stop`` is set; ``process`` cleans one file (``clean_inputs`` or
    ``clean_via_server`` on it). The file in hand when ``stop`` is set is finished.
    ``ready_to_work`` holds files back while it is false (a service that is down). Counts of
    done and failed files."""
    import watchfiles

    out.mkdir(parents=True, exist_ok=True)
    state, settling = State(out), Settling(opts.settle)
    skip = tuple(p.resolve() for p in (opts.done, opts.failed, out) if p is not None and p.resolve() != root.resolve())
    counts = {"done": 0, "failed": 0}
    in_hand: dict[Path, Future] = {}
    pool = ThreadPoolExecutor(max(opts.jobs, 1))

    def one(path: Path) -> None:
        rel = path.relative_to(root)
        key = state.key(path)
        state.mark(str(rel), None)  # not done until it is
        report(f"{rel}: cleaning")
        t0 = time.monotonic()
        try:
            summary = process(Job(path, rel.with_suffix("")))
            error = "; ".join(message for _, message in summary.failed) or None
        except Exception as e:  # a watcher runs for months: one file's surprise fails that file only
            log.exception("%s: unexpected error", rel)
            error = f"unexpected {type(e).__name__}: {e}"
        if error is None:
            state.mark(str(rel), key)
        finish(path, rel, error, opts)
        counts["failed" if error else "done"] += 1
        report(f"{rel}: {'failed: ' + error if error else 'done'} ({time.monotonic() - t0:.1f} s)")

    waiting_logged, retry_at, backoff = False, 0.0, 1.0
    events = watchfiles.watch(
        root,
        stop_event=stop,
        force_polling=opts.force_polling,
        poll_delay_ms=int(opts.poll * 1000),
        rust_timeout=int(opts.poll * 1000),
        yield_on_timeout=True,
        recursive=True,
    )
    try:
        for _ in events:
            for path in [p for p, f in in_hand.items() if f.done()]:
                problem = in_hand.pop(path).exception()
                if problem is not None:  # moving the input failed (a full disk, ...): report, go on
                    log.warning("watch: %s: %s", path, problem)
            now = time.monotonic()
            ready = [
                p
                for p in settling.ready(candidates(root, skip), now)
                if p not in in_hand and not state.is_done(str(p.relative_to(root)), p)
            ]
            if ready and (now < retry_at or not ready_to_work()):
                if now >= retry_at:  # asked and refused: ask again later, backing off to 30 s
                    retry_at, backoff = now + backoff, min(backoff * 2, 30.0)
                if not waiting_logged:
                    report("the service does not answer; files wait (retrying with backoff)")
                waiting_logged = True
                continue
            waiting_logged, backoff = False, 1.0
            for path in ready:
                in_hand[path] = pool.submit(one, path)
            if stop.is_set():
                break
    finally:
        pool.shutdown(wait=True)  # the files in hand are finished
        for f in in_hand.values():
            if f.done() and f.exception():
                log.warning("watch: %s", f.exception())
    return counts
