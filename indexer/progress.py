"""How an update shows its progress: a bar on a terminal (tqdm: files, articles, errors, rate
and ETA), a plain line every few seconds elsewhere (logs, CI), or a JSON status file that the
job API reads (`indexer.jobs`)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from indexer.index.update import Progress

# A plain line at most this often, and a status file rewritten at most this often.
LINE_SECONDS = 5.0
FILE_SECONDS = 0.5


def eta_seconds(progress: Progress, elapsed: float) -> float | None:
    """Returns the seconds left to read the files at the rate so far, or None before a rate."""
    if progress.stage != "reading" or not progress.files_done or elapsed <= 0:
        return None
    rate = progress.files_done / elapsed
    return (progress.files_total - progress.files_done) / rate


class TerminalProgress:
    """Shows an update's progress on a stream: a bar when it is a terminal, lines when not."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self._bar: tqdm[Any] | None = None
        self._stage = ""
        self._last_line = 0.0

    def __call__(self, progress: Progress) -> None:
        if self.interactive:
            self._draw(progress)
            return
        now = time.monotonic()
        finished_reading = progress.stage == "reading" and (
            progress.files_done == progress.files_total > 0
        )
        if (
            progress.stage != self._stage
            or finished_reading
            or now - self._last_line >= LINE_SECONDS
        ):
            self._stage, self._last_line = progress.stage, now
            print(
                f"{progress.stage}: {progress.files_done}/{progress.files_total} files, "
                f"{progress.articles} articles, {progress.errors} skipped",
                file=self.stream,
                flush=True,
            )

    def _draw(self, progress: Progress) -> None:
        if progress.stage == "reading" and self._bar is None and progress.files_total:
            self._bar = tqdm(
                total=progress.files_total, unit="file", file=self.stream, desc="reading"
            )
        if self._bar is None:
            return
        self._bar.n = progress.files_done
        self._bar.set_postfix(articles=progress.articles, skipped=progress.errors, refresh=False)
        self._bar.refresh()
        if progress.stage != "reading":
            self._bar.close()
            self._bar = None
            print(f"{progress.stage} ...", file=self.stream, flush=True)

    def close(self) -> None:
        """Ends the bar, if one is drawn."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class StatusFile:
    """Writes an update's progress as a JSON object to a file, atomically, for the job API."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.started = time.monotonic()
        self._written = 0.0
        self._fields: dict[str, Any] = {}

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if progress.stage == self._fields.get("stage") and now - self._written < FILE_SECONDS:
            return
        self._written = now
        eta = eta_seconds(progress, now - self.started)
        self.write(
            stage=progress.stage,
            files_done=progress.files_done,
            files_total=progress.files_total,
            articles=progress.articles,
            errors=progress.errors,
            eta_seconds=round(eta, 1) if eta is not None else None,
        )

    def write(self, **fields: Any) -> None:
        """Merges fields into the status and rewrites the file."""
        self._fields.update(fields)
        write_json(self.path, self._fields)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Writes a JSON object to a file atomically (a temporary file renamed over it)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False)
    os.replace(tmp, path)
