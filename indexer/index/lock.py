"""One update of an index at a time: a lock file in the index folder, held with flock for the
whole update. The system releases it when the holding process dies (the update's helper
processes die with it: indexer.processes), so a killed update leaves no stale lock.

The job API takes the lock in the web process and hands the locked descriptor to the update it
starts (LANTERN_LOCK_FD), so that no second update can slip in between.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from indexer.errors import IndexLockedError

LOCK_FILE = "lantern-build.lock"
LOCK_FD_ENV = "LANTERN_LOCK_FD"
# How long an update waits for another to finish before giving up.
LOCK_TIMEOUT_SECONDS = 30.0


@contextmanager
def build_lock(index_dir: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Holds the index folder's update lock.

    Raises:
        IndexLockedError: another update still held it after `timeout` seconds.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    if _holds_inherited_lock(index_dir):
        yield
        return
    fd = os.open(index_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not acquire(fd, timeout):
            raise IndexLockedError("another update is writing the index; try again later")
        yield
    finally:
        os.close(fd)  # closing releases the lock


def acquire(fd: int, timeout: float) -> bool:
    """Takes the lock on an open lock file, waiting up to `timeout` seconds; returns whether
    it was taken."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as err:
            if err.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def _holds_inherited_lock(index_dir: Path) -> bool:
    """Returns whether this process was started holding the lock (the job API takes it before
    it starts the update, so that no second job slips in between): its descriptor is named in
    LANTERN_LOCK_FD."""
    inherited = os.environ.get(LOCK_FD_ENV, "")
    if not inherited.isdigit():
        return False
    try:
        return os.fstat(int(inherited)).st_ino == (index_dir / LOCK_FILE).stat().st_ino
    except OSError:
        return False


def is_updating(index_dir: Path) -> bool:
    """Returns whether an update holds the index folder's lock now."""
    try:
        fd = os.open(index_dir / LOCK_FILE, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False
