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

import logging
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pagewash.cli.batch import INPUT_SUFFIXES, Job, Summary
from pagewash.cli.statefile import StateFile

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


def file_key(path: Path) -> list[float]:
    """What identifies one version of a file: its size and modification time."""
    st = path.stat()
    return [st.st_size, st.st_mtime]


def is_done(state: StateFile, rel: str, path: Path) -> bool:
    """The state file says this version of the file is done (a vanished file counts as done)."""
    try:
        return state.get(rel) == file_key(path)
    except FileNotFoundError:
        return True


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


@dataclass
class Counts:
    """Files done and failed, counted from the pool's threads."""

    done: int = 0
    failed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, failed: bool) -> None:
        with self.lock:
            if failed:
                self.failed += 1
            else:
                self.done += 1


def run_one(
    path: Path,
    root: Path,
    process: Callable[[Job], Summary],
    state: StateFile,
    opts: Options,
    report,
    counts: Counts,
    gate: Gate,
) -> None:
    """One settled file: clean it (``process``), record it, move it on, report it. A file the
    service could not take (away or busy past the client's retries) stays in place, and the
    gate holds the folder until the service answers again."""
    rel = path.relative_to(root)
    key = file_key(path)
    state.set(str(rel), None)  # not done until it is
    report(f"{rel}: cleaning")
    t0 = time.monotonic()
    try:
        summary = process(Job(path, rel.with_suffix("")))
        if summary.away:  # the service is away: the file stays where it is, for a later round
            report(f"{rel}: the service is away; kept to try again ({summary.away[0][1]})")
            gate.away()
            return
        error = "; ".join(message for _, message in summary.failed) or None
    except Exception as e:  # a watcher runs for months: one file's surprise fails that file only
        log.exception("%s: unexpected error", rel)
        error = f"unexpected {type(e).__name__}: {e}"
    if error is None:
        state.set(str(rel), key)
    finish(path, rel, error, opts)
    counts.add(failed=error is not None)
    report(f"{rel}: {'failed: ' + error if error else 'done'} ({time.monotonic() - t0:.1f} s)")


@dataclass
class Gate:
    """Holds files back while the service does not answer: asked again with backoff (1 s
    doubling to 30 s), reported once per outage."""

    ready_to_work: Callable[[], bool]
    report: Callable[[str], None]
    retry_at: float = 0.0
    backoff: float = 1.0
    waiting: bool = False

    def holds(self, now: float, files_ready: bool) -> bool:
        """Whether the ready files must wait this round (the service is asked only when due)."""
        if files_ready and (now < self.retry_at or not self.ready_to_work()):
            if now >= self.retry_at:  # asked and refused: ask again later
                self.retry_at, self.backoff = now + self.backoff, min(self.backoff * 2, 30.0)
            if not self.waiting:
                self.report("the service does not answer; files wait (retrying with backoff)")
            self.waiting = True
            return True
        self.waiting, self.backoff = False, 1.0
        return False

    def away(self) -> None:
        """A file came back not done because the service was away: wait before the next try."""
        self.retry_at, self.backoff = time.monotonic() + self.backoff, min(self.backoff * 2, 30.0)


def reap(in_hand: dict[Path, Future]) -> None:
    """Forget the files whose run has ended; a run that raised (moving the input failed: a
    full disk...) is reported, and the watcher goes on."""
    for path in [p for p, f in in_hand.items() if f.done()]:
        problem = in_hand.pop(path).exception()
        if problem is not None:
            log.warning("watch: %s: %s", path, problem)


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
    state, settling, gate, counts = StateFile(out / STATE), Settling(opts.settle), Gate(ready_to_work, report), Counts()
    skip = tuple(p.resolve() for p in (opts.done, opts.failed, out) if p is not None and p.resolve() != root.resolve())
    in_hand: dict[Path, Future] = {}
    pool = ThreadPoolExecutor(max(opts.jobs, 1))
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
            reap(in_hand)
            now = time.monotonic()
            ready = [
                p
                for p in settling.ready(candidates(root, skip), now)
                if p not in in_hand and not is_done(state, str(p.relative_to(root)), p)
            ]
            if gate.holds(now, bool(ready)):
                continue
            for path in ready:
                in_hand[path] = pool.submit(run_one, path, root, process, state, opts, report, counts, gate)
            if stop.is_set():
                break
    finally:
        pool.shutdown(wait=True)  # the files in hand are finished
        reap(in_hand)
    return {"done": counts.done, "failed": counts.failed}
