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
