"""``pagewash watch``, the hot folder, as a real process: files dropped as a scanner would
(one corrupt, one written slowly), a restart, a SIGKILL mid-file, and a service that starts
after the watcher."""

from __future__ import annotations

import io
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.cli.test_cli_clean import BIN
from tests.scanned_pdf import EXAMPLES
from tests.service.test_faults import slow_page

PAGES = sorted(p for p in EXAMPLES.glob("*.png") if not p.name.endswith(".clean.png"))


def start(log: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN), "watch", *args, "--settle", "1"], stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


def wait_for(predicate, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.2)
    raise TimeoutError("condition not met")


def write_slowly(path: Path, data: bytes, seconds: float = 3.0, chunks: int = 6) -> None:
    """As a scanner over a network share writes: the file grows for ``seconds``."""
    step = -(-len(data) // chunks)
    with open(path, "wb") as fp:
        for i in range(chunks):
            fp.write(data[i * step : (i + 1) * step])
            fp.flush()
            time.sleep(seconds / chunks)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    proc.send_signal(sig)
    proc.wait(timeout=60)


def test_dropped_files_are_cleaned_once_the_corrupt_one_fails_and_the_slow_one_waits(tmp_path):
    src, out, done, failed, log = (tmp_path / n for n in ("in", "out", "done", "failed", "watch.log"))
    src.mkdir()
    proc = start(log, str(src), "-o", str(out), "--done", str(done), "--failed", str(failed), "--poll", "0.5")
    try:
        wait_for(lambda: "watching" in log.read_text())
        (src / "sub").mkdir()
        shutil.copy(PAGES[0], src / "a.png")
        shutil.copy(PAGES[1], src / "sub" / "b.png")
        shutil.copy(PAGES[2], src / "c.png")
        (src / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a page")
        (src / "scan.png.part").write_bytes(b"a temporary name: never touched")
        buf = io.BytesIO()
        Image.open(PAGES[3]).save(buf, format="PNG", compress_level=0)  # big enough to arrive in pieces
        writer = threading.Thread(target=write_slowly, args=(src / "slow.png", buf.getvalue()))
        writer.start()
        writer.join()
        wait_for(lambda: len(list(done.rglob("*.png"))) == 4 and (failed / "broken.png").exists())
        stop(proc)
        text = log.read_text()
        assert text.count("slow.png: cleaning") == 1  # taken once, complete
        assert "stopped: 4 file(s) done, 1 failed" in text
        produced = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
        assert produced == ["a.png", "c.png", "slow.png", "sub/b.png"]
        assert Image.open(out / "slow.png").size == Image.open(PAGES[3]).size
        assert "not an image" in (failed / "broken.png.error.txt").read_text()
        assert (src / "scan.png.part").exists() and not list(src.glob("*.png"))
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.slow  # make test-slow: over 15 s, and the fast suite covers its path
def test_a_restart_redoes_nothing_and_a_crash_redoes_only_its_file(tmp_path):
    src, out, log = tmp_path / "in", tmp_path / "out", tmp_path / "watch.log"
    src.mkdir()
    for i, page in enumerate(PAGES[:3]):  # the inputs stay where they are: only the state file says they are done
        shutil.copy(page, src / f"p{i}.png")
    proc = start(log, str(src), "-o", str(out))
    wait_for(lambda: log.read_text().count(": done") == 3)
    stop(proc)
    stamps = {p: p.stat().st_mtime for p in out.glob("*.png")}

    proc = start(log, str(src), "-o", str(out))  # a restart: nothing to do
    wait_for(lambda: log.read_text().count("watching") == 2)
    time.sleep(4)
    stop(proc)
    assert log.read_text().count(": cleaning") == 3
    assert {p: p.stat().st_mtime for p in out.glob("*.png")} == stamps

    (src / "big.png").write_bytes(slow_page())  # seconds of cleaning
    proc = start(log, str(src), "-o", str(out))
    wait_for(lambda: "big.png: cleaning" in log.read_text())
    stop(proc, signal.SIGKILL)  # mid-file
    proc = start(log, str(src), "-o", str(out))
    try:
        wait_for(lambda: "big.png: done" in log.read_text())
    finally:
        stop(proc)
    text = log.read_text()
    assert text.count("big.png: cleaning") == 2  # redone after the crash
    assert text.count(": cleaning") == 5  # and nothing else was
    assert Image.open(out / "big.png").size == (4000, 3000)
    assert {p: p.stat().st_mtime for p in out.glob("p*.png")} == stamps


@pytest.mark.slow  # make test-slow: over 15 s, and the fast suite covers its path
def test_with_a_service_that_starts_after_the_watcher_every_file_waits_then_is_done(tmp_path):
    from tests.stack import make_stack

    src, out, log = tmp_path / "in", tmp_path / "out", tmp_path / "watch.log"
    src.mkdir()
    (tmp_path / "stack").mkdir()
    s = make_stack(tmp_path / "stack", 7)
    proc = start(log, str(src), "-o", str(out), "--server", s.url, "--done", str(tmp_path / "done"))
    try:
        for i, page in enumerate(PAGES[:3]):
            shutil.copy(page, src / f"p{i}.png")
        time.sleep(10)  # nothing answers at s.url yet
        assert "does not answer" in log.read_text() and not list(out.glob("*.png"))
        s.start_gateway()
        s.start_worker("worker", "--concurrency", "1")
        wait_for(lambda: len(list(out.glob("*.png"))) == 3)
        for i, page in enumerate(PAGES[:3]):
            here = np.asarray(Image.open(out / f"p{i}.png"))
            assert here.shape == np.asarray(Image.open(page).convert("L")).shape
        assert "failed" not in log.read_text()
    finally:
        stop(proc)
        s.close()
