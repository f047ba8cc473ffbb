"""A real pagewash deployment for tests: a uvicorn gateway process and a Celery worker
process (``pagewash serve`` / ``pagewash worker``, exactly as users start them) on a Redis
database of their own, flushed first. Nothing is mocked."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis

BIN = Path(sys.executable).parent / "pagewash"
REDIS = os.environ.get("PAGEWASH_TEST_REDIS", "redis://127.0.0.1:6379")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_db(db: int) -> str:
    url = f"{REDIS}/{db}"
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.ConnectionError as e:
        raise RuntimeError(f"tests need Redis at {REDIS} (`.ci/run` starts it): {e}") from e
    return url


@dataclass
class Stack:
    redis_url: str
    env: dict[str, str]
    logs: Path
    port: int = field(default_factory=free_port)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            [str(BIN), *args], env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs[name] = proc
        return proc

    def start_gateway(self) -> None:
        self._spawn("gateway", "serve", "--port", str(self.port), "--log-level", "warning")

    def start_worker(self, name: str = "worker", *args: str) -> subprocess.Popen:
        return self._spawn(name, "worker", "--log-level", "info", *args)

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        proc = self.procs.pop(name)
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def wait_up(self, timeout: float = 30) -> None:
        """The gateway answers /healthz (workers not needed)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError(f"gateway not up in {timeout} s:\n{self.log('gateway')}")

    def wait_ready(self, timeout: float = 90, workers: int | None = None) -> None:
        """The gateway is ready and ``workers`` workers (default: every one started) beat."""
        want = sum(1 for n in self.procs if n != "gateway") if workers is None else workers
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited ({proc.returncode}):\n{self.log(name)}")
            try:
                ready = httpx.get(self.url + "/readyz", timeout=2)
                if ready.status_code == 200 and len(ready.json().get("workers", [])) >= want:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"stack not ready in {timeout} s:\n" + "\n".join(self.log(n) for n in self.procs))

    def log(self, name: str, tail: int | None = 4000) -> str:
        """The process's log so far (its last ``tail`` characters; None: all of it)."""
        path = self.logs / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return text if tail is None else text[-tail:]

    def close(self) -> None:
        for name in list(self.procs):
            self.stop(name)


@dataclass
class RedisServer:
    """A redis-server of a test's own, with append-only persistence (``fsync``: ``always``, or
    ``everysec`` as compose runs it), for tests that stop, crash and restart Redis."""

    dir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    fsync: str = "always"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        cmd = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.dir),
            "--appendonly",
            "yes",
            "--appendfsync",
            self.fsync,
            "--save",
            "",
        ]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + 10
        while time.monotonic() < end:
            try:
                if redis.Redis.from_url(self.url).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        """SIGTERM: Redis writes its append-only file out and exits (a container update)."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)

    def kill(self) -> None:
        """SIGKILL: a crash, not a clean shutdown (only the append-only file saves the data)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def make_stack(tmp: Path, db: int | None = None, url: str | None = None, **settings: str) -> Stack:
    url = url or redis_db(db or 0)
    env = {**os.environ, "PAGEWASH_REDIS_URL": url, "PAGEWASH_WORKER_HEARTBEAT": "1"}
    env.update({f"PAGEWASH_{k.upper()}": v for k, v in settings.items()})
    return Stack(url, env, tmp)


def wait_job(client: httpx.Client, job_id: str, timeout: float = 120) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        record = client.get(f"/v1/jobs/{job_id}").json()
        if record["status"] in ("done", "failed"):
            return record
        time.sleep(0.1)
    raise TimeoutError(f"job {job_id} not finished after {timeout} s: {record}")
