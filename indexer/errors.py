"""The indexer's errors: a page that cannot be read, an index that cannot be written."""

from __future__ import annotations


class IndexerError(Exception):
    """Base of every error the indexer raises on purpose."""


class ExtractionError(IndexerError):
    """A page could not be read or yielded nothing; the build logs it, counts it and goes on."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexLockedError(IndexerError):
    """Another process is writing the index."""


class UpdateRunning(IndexLockedError):
    """An update holds the index's lock, so no job starts; `job_id` names it when it is a job."""

    def __init__(self, job_id: str | None) -> None:
        running = f" (job {job_id})" if job_id else ""
        super().__init__(f"an index update is running{running}; try again when it has finished")
        self.job_id = job_id


class BadPageName(IndexerError):
    """A name given for an uploaded page leaves nothing usable once made safe."""
