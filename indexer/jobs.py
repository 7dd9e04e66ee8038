"""Index updates as background jobs for the web API: each a `python -m indexer build` process of
its own, its progress and outcome in a JSON status file, `<jobs folder>/<job id>.json`.

The web process never writes the index. It takes the index's update lock itself (so a second
job is refused at once, with no gap in which two could start), starts the update holding that
locked descriptor (LANTERN_LOCK_FD: the build uses it as its lock) and closes its own copy. The
lock is then the update's until its process ends, and the system releases it however it ends.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from indexer.errors import UpdateRunning
from indexer.index.lock import LOCK_FD_ENV, LOCK_FILE, acquire, is_updating
from indexer.progress import write_json

logger = logging.getLogger(__name__)

JobState = Literal["running", "succeeded", "failed"]
STATES: tuple[JobState, ...] = ("running", "succeeded", "failed")
JOB_ID = re.compile(r"[0-9a-f]{32}")
# Touched when pages arrive during an update: the update then runs again before it finishes.
PENDING_FILE = "pending"
# The id of the job started last, written while its starter holds the lock.
LAST_FILE = "last"
# An upload that finds the last job finished (past its last look at the pending file) but its
# process not yet ended waits this long to start the next job.
FINISHING_SECONDS = 10.0
# The status files and logs of this many jobs are kept; older ones go when a job starts.
KEEP_JOBS = 100
# The web process's secrets, which the update process is not given.
SECRET_VARIABLES = frozenset({"LANTERN_ADMIN_TOKEN"})
# `python -m indexer` run from here is the code the web process imported.
CODE_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Jobs:
    """Where jobs work: the corpus they read, the index they update, the folder of their files."""

    corpus: Path
    index: Path
    folder: Path

    def status_file(self, job_id: str) -> Path:
        """Returns the path of a job's status file."""
        return self.folder / f"{job_id}.json"

    def log_file(self, job_id: str) -> Path:
        """Returns the path of a job's log (its process's output)."""
        return self.folder / f"{job_id}.log"

    @property
    def pending_file(self) -> Path:
        """Returns the path of the file that asks a running update to run again."""
        return self.folder / PENDING_FILE


@dataclass(frozen=True, slots=True)
class Job:
    """A job as its status file tells it (or failed, when its process died unannounced)."""

    id: str
    state: JobState
    pid: int | None = None
    stage: str | None = None
    files_done: int | None = None
    files_total: int | None = None
    articles: int | None = None
    errors: int | None = None
    eta_seconds: float | None = None
    started_at: str | None = None
    finished_at: str | None = None
    report: dict[str, Any] | None = None
    error: str | None = None


def start_update(jobs: Jobs, *, full: bool = False, wait: float = 0.0) -> Job:
    """Starts an update of the index from the corpus, in a process of its own.

    Args:
        jobs: the corpus, the index and the jobs folder.
        full: read every page again.
        wait: seconds to wait for an update that holds the lock to end.

    Returns:
        The new job, running; its status file exists.

    Raises:
        UpdateRunning: another update held the index's lock (after `wait` seconds).
    """
    jobs.folder.mkdir(parents=True, exist_ok=True)
    jobs.index.mkdir(parents=True, exist_ok=True)
    fd = os.open(jobs.index / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _lock(fd, jobs, wait)
        _prune(jobs, KEEP_JOBS - 1)
        job_id = uuid.uuid4().hex
        _write_text(jobs.folder / LAST_FILE, job_id)
        process = _spawn(jobs, job_id, fd, full=full)
    finally:
        os.close(fd)  # the update's copy of the descriptor holds the lock now
    # The update writes the same first status itself: whichever comes first stays.
    _create_json(
        jobs.status_file(job_id), {"state": "running", "pid": process.pid, "started_at": now()}
    )
    reaper = threading.Thread(
        target=_reap, args=(process, jobs, job_id), name=f"job-{job_id}", daemon=True
    )
    reaper.start()
    logger.info("started index update job %s (pid %d, full=%s)", job_id, process.pid, full)
    return read_job(jobs, job_id) or Job(job_id, "running", pid=process.pid)


def request_update(jobs: Jobs) -> Job | None:
    """Has pages just saved into the corpus indexed: starts a job, or has the running job run
    again before it finishes (the pending file).

    Returns:
        The job that indexes them, or None when an update started elsewhere (the command line,
        `watch`) holds the index: the next update reads them.
    """
    try:
        return start_update(jobs)
    except UpdateRunning:
        pass
    jobs.pending_file.touch()
    deadline = time.monotonic() + FINISHING_SECONDS
    seen_elsewhere = False
    while True:
        last = last_job(jobs)
        if last is not None and last.state == "running":
            return last  # it looks at the pending file before it finishes, or started since
        if last is None or last.pid is None or not _is_process(last.pid):
            # Not a job of ours: unless one was starting just now (its id not yet written).
            if seen_elsewhere:
                return None
            seen_elsewhere = True
        # Else the last job has finished and its process is ending (then it releases the lock).
        try:
            return start_update(jobs)
        except UpdateRunning:
            if time.monotonic() >= deadline:
                return None
        time.sleep(0.1)


def read_job(jobs: Jobs, job_id: str) -> Job | None:
    """Returns a job's status, or None for an unknown id. A job whose file says running but
    whose process is gone (killed, or the machine restarted) is reported failed."""
    if not JOB_ID.fullmatch(job_id):
        return None
    path = jobs.status_file(job_id)
    status = _read_json(path)
    if status is None:
        return None
    if status.get("state") == "running" and not _is_running(jobs, status):
        status = _read_json(path) or status  # it may have finished meanwhile
        if status.get("state") == "running":
            status = {**status, "state": "failed", "error": _stopped(job_id)}
    return _job(job_id, status)


def last_job(jobs: Jobs) -> Job | None:
    """Returns the job started last, as it is now, or None when no job was started."""
    try:
        job_id = (jobs.folder / LAST_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not JOB_ID.fullmatch(job_id):
        return None
    job = read_job(jobs, job_id)
    if job is None and is_updating(jobs.index):
        return Job(job_id, "running")  # started a moment ago: no status yet
    return job


def now() -> str:
    """Returns the time as the status files give it (UTC, ISO 8601, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _lock(fd: int, jobs: Jobs, wait: float) -> None:
    if not acquire(fd, wait):
        last = last_job(jobs)
        raise UpdateRunning(last.id if last and last.state == "running" else None)


def _prune(jobs: Jobs, keep: int) -> None:
    """Removes the files of all but the `keep` jobs started last. Called with the index's lock
    held: no job is running then (one that says so has died, and reads as failed)."""
    started = []
    for path in jobs.folder.glob("*.json"):
        if JOB_ID.fullmatch(path.stem):
            with contextlib.suppress(OSError):
                started.append((path.stat().st_mtime_ns, path.stem))
    started.sort(reverse=True)
    for _, job_id in started[keep:]:
        for path in (jobs.status_file(job_id), jobs.log_file(job_id)):
            with contextlib.suppress(OSError):
                path.unlink()


def _spawn(jobs: Jobs, job_id: str, fd: int, *, full: bool) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "indexer",
        "build",
        "--corpus",
        str(jobs.corpus),
        "--index",
        str(jobs.index),
        "--status-file",
        str(jobs.status_file(job_id)),
        "--pending-file",
        str(jobs.pending_file),
    ]
    if full:
        command.append("--full")
    env = {k: v for k, v in os.environ.items() if k not in SECRET_VARIABLES}
    env[LOCK_FD_ENV] = str(fd)
    with jobs.log_file(job_id).open("ab") as log:
        # A session of its own: the update outlives a web worker that is restarted meanwhile.
        return subprocess.Popen(
            command,
            cwd=CODE_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(fd,),
            start_new_session=True,
        )


def _reap(process: subprocess.Popen[bytes], jobs: Jobs, job_id: str) -> None:
    """Waits for a job's process to end (so it leaves no zombie), records a death it did not
    announce, and starts the next job when pages arrived after its last look for them."""
    try:
        returncode = process.wait()
        path = jobs.status_file(job_id)
        status = _read_json(path) or {}
        if status.get("state") == "running" or not status:
            logger.warning("index update job %s ended (%d) without a status", job_id, returncode)
            failed = {"state": "failed", "finished_at": now(), "error": _stopped(job_id)}
            write_json(path, {**status, **failed})
        elif status.get("state") == "succeeded" and jobs.pending_file.exists():
            with contextlib.suppress(UpdateRunning):  # else that update reads them
                start_update(jobs)
    except Exception:  # a thread's error would go unseen
        logger.exception("while ending index update job %s", job_id)


def _is_running(jobs: Jobs, status: dict[str, Any]) -> bool:
    pid = _int(status.get("pid"))
    if pid is not None and not _is_process(pid):
        return False
    return is_updating(jobs.index)  # the pid may have been given to another process since


def _is_process(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's
    return True


def _stopped(job_id: str) -> str:
    return f"the update stopped unexpectedly; its output is in {job_id}.log in the jobs folder"


def _job(job_id: str, status: dict[str, Any]) -> Job:
    state = status.get("state")
    eta = status.get("eta_seconds")
    report = status.get("report")
    return Job(
        id=job_id,
        state=state if state in STATES else "failed",
        pid=_int(status.get("pid")),
        stage=_str(status.get("stage")),
        files_done=_int(status.get("files_done")),
        files_total=_int(status.get("files_total")),
        articles=_int(status.get("articles")),
        errors=_int(status.get("errors")),
        eta_seconds=float(eta) if isinstance(eta, int | float) and eta >= 0 else None,
        started_at=_str(status.get("started_at")),
        finished_at=_str(status.get("finished_at")),
        report=report if isinstance(report, dict) else None,
        error=_str(status.get("error")),
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _read_json(path: Path) -> dict[str, Any] | None:
    """Returns a status file's object, None when there is no file; a file that cannot be read
    says the job failed."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict):
        return {"state": "failed", "error": "the job's status file cannot be read"}
    return data


def _write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)


def _create_json(path: Path, data: dict[str, Any]) -> None:
    """Writes a JSON file unless it exists, atomically either way (a link cannot replace)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out)
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)
