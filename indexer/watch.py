"""`python -m indexer watch`: pages are indexed as they land in the corpus folder.

watchdog reports changes under the folder (inotify on Linux); changes are gathered until the
folder has been quiet for `delay` seconds (a crawler writing a hundred pages commits once, not a
hundred times), then one incremental update runs. A page is searchable a second or two after it
lands; bursts are batched.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from indexer.errors import IndexerError
from indexer.extract.loader import KINDS, SIDECAR_SUFFIX
from indexer.index.update import BuildReport, build_index

logger = logging.getLogger(__name__)


class _Changes(FileSystemEventHandler):
    """Sets an event when a page (or a sidecar) under the corpus changes."""

    def __init__(self) -> None:
        self.changed = threading.Event()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        if event.is_directory or any(_is_page(str(p)) for p in paths if p):
            self.changed.set()


def _is_page(path: str) -> bool:
    suffix = Path(path).suffix.lower()
    name = Path(path).name
    return not name.startswith(".") and (suffix in KINDS or suffix == SIDECAR_SUFFIX)


def watch(
    corpus_dir: Path,
    index_dir: Path,
    *,
    workers: int = 1,
    delay: float = 1.0,
    stop: threading.Event | None = None,
) -> None:
    """Updates the index now, then after every burst of changes, until `stop` is set (or the
    process is interrupted)."""
    stop = stop or threading.Event()
    changes = _Changes()
    observer = Observer()
    observer.schedule(changes, str(corpus_dir), recursive=True)
    observer.start()
    try:
        changes.changed.set()  # catch up with what landed while nothing watched
        while not stop.is_set():
            if not changes.changed.wait(timeout=0.2):
                continue
            # Wait for the folder to be quiet: each new change restarts the wait.
            while changes.changed.is_set() and not stop.is_set():
                changes.changed.clear()
                stop.wait(delay)
            if stop.is_set():
                break
            _update(corpus_dir, index_dir, workers)
    except KeyboardInterrupt:
        pass
    finally:
        observer.stop()
        observer.join()


def _update(corpus_dir: Path, index_dir: Path, workers: int) -> BuildReport | None:
    try:
        report = build_index(corpus_dir, index_dir, workers=workers)
    except IndexerError as err:
        logger.error("update failed: %s", err)
        print(f"update failed: {err}", flush=True)
        return None
    print(
        f"generation {report.generation}: {report.added} added, {report.updated} updated, "
        f"{report.deleted} deleted ({report.articles_indexed} articles, "
        f"{len(report.skipped)} pages skipped) in {report.seconds:.1f} s",
        flush=True,
    )
    return report
