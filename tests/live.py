"""A real gunicorn on a free loopback port, for the server and browser tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.paths import ROOT

# How long gunicorn may take to start, or a rebuild to be served, before a test fails.
DEADLINE_SECONDS = 30


def free_port() -> int:
    """Returns a TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], bool], what: str) -> None:
    """Polls check() until it holds; fails the test after DEADLINE_SECONDS."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@contextmanager
def gunicorn(index: Path, workers: int = 2, env: dict[str, str] | None = None) -> Iterator[str]:
    """Serves the index with gunicorn (the production entry point), with `env` set besides;
    yields its base URL."""
    port = free_port()
    env = {**os.environ, "LANTERN_INDEX": str(index), **(env or {})}
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "/dev/null",
        "app:create_app()",
    ]
    # Its log goes nowhere: a pipe no one reads fills up (64 KB) and then every worker that logs
    # blocks for good.
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(f"{base}/healthz").status_code == 200, "gunicorn to start")
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
