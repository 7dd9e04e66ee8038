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
    """Returns the seconds left of the stage at its rate so far, or None before a rate."""
    counts = progress.counts()
    if counts is None or not counts[0] or elapsed <= 0:
        return None
    done, total, _ = counts
    return (total - done) / (done / elapsed)


class TerminalProgress:
    """Shows an update's progress on a stream: a bar per counted stage (reading the files,
    writing the articles) when it is a terminal, lines when not."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self._bar: tqdm[Any] | None = None
        self._stage = ""
        self._last_line = 0.0

    def __call__(self, progress: Progress) -> None:
        counts = progress.counts()
        if self.interactive:
            self._draw(progress, counts)
        else:
            self._line(progress, counts)
        self._stage = progress.stage

    def _line(self, progress: Progress, counts: tuple[int, int, str] | None) -> None:
        now = time.monotonic()
        stage_done = counts is not None and counts[0] == counts[1] > 0
        if (
            progress.stage == self._stage
            and not stage_done
            and now - self._last_line < LINE_SECONDS
        ):
            return
        self._last_line = now
        done = f" {counts[0]}/{counts[1]} {counts[2]}s," if counts else ""
        print(
            f"{progress.stage}:{done} {progress.articles} articles read, {progress.errors} skipped",
            file=self.stream,
            flush=True,
        )

    def _draw(self, progress: Progress, counts: tuple[int, int, str] | None) -> None:
        if progress.stage != self._stage:
            self.close()
            if counts is not None and counts[1]:
                self._bar = tqdm(
                    total=counts[1], unit=counts[2], file=self.stream, desc=progress.stage
                )
            else:
                print(f"{progress.stage} ...", file=self.stream, flush=True)
        if self._bar is None or counts is None:
            return
        self._bar.n = counts[0]
        self._bar.set_postfix(articles=progress.articles, skipped=progress.errors, refresh=False)
        self._bar.refresh()

    def close(self) -> None:
        """Ends the bar, if one is drawn."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class StatusFile:
    """Writes an update's progress as a JSON object to a file, atomically, for the job API."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stage_started = time.monotonic()
        self._written = 0.0
        self._fields: dict[str, Any] = {}

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if progress.stage == self._fields.get("stage") and now - self._written < FILE_SECONDS:
            return
        if progress.stage != self._fields.get("stage"):
            self.stage_started = now
        self._written = now
        eta = eta_seconds(progress, now - self.stage_started)
        self.write(
            stage=progress.stage,
            files_done=progress.files_done,
            files_total=progress.files_total,
            articles=progress.articles,
            errors=progress.errors,
            written=progress.written,
            to_write=progress.to_write,
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
