"""What every process an update starts must do: die with the update."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal

_PR_SET_PDEATHSIG = 1  # prctl(2)


def die_with_parent() -> None:
    """Asks Linux to kill this process when the process that started it dies.

    A forked helper holds copies of everything its parent had open: the update's lock, and the
    write ends of the pipes it waits on, so after a `kill -9` of the update it would wait for
    work forever and keep the lock from every later update.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the parent's own shutdown has to do
        return
    if os.getppid() == 1:  # the parent died before the request took effect
        os._exit(1)
