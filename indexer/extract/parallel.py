"""Extraction on every core: files are read in a pool of processes, in corpus order.

Each worker extracts a file and fingerprints its articles (the MinHash is the costly half of
finding duplicates), so the one writing process only assigns ids, merges and writes. A few files
are read in this process: a pool costs more to start than they take.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from indexer.extract.dedup import Fingerprint, fingerprint
from indexer.extract.pipeline import PAGE_SECONDS, FileResult, extract_file
from indexer.processes import die_with_parent

# Fewer files than this are read in the calling process.
POOL_MIN_FILES = 8
# Files handed to a worker at once: large enough to keep the pool's overhead small, small
# enough that the progress bar moves and the results stay in corpus order without a long wait.
CHUNK_FILES = 4

_job: tuple[Path, dict[str, frozenset[str]], float] | None = None


def default_workers() -> int:
    """Returns the number of processes extraction uses: one per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _start(corpus_dir: Path, recurring: dict[str, frozenset[str]], page_seconds: float) -> None:
    global _job
    _job = (corpus_dir, recurring, page_seconds)


def _start_worker(
    corpus_dir: Path, recurring: dict[str, frozenset[str]], page_seconds: float
) -> None:
    die_with_parent()
    _start(corpus_dir, recurring, page_seconds)


def _read(path: Path) -> tuple[FileResult, list[Fingerprint]]:
    assert _job is not None, "the pool's initializer sets the job"
    corpus_dir, recurring, page_seconds = _job
    result = extract_file(path, corpus_dir, recurring, page_seconds)
    return result, [fingerprint(article.body) for article in result.articles]


def read_files(
    paths: list[Path],
    corpus_dir: Path,
    recurring: dict[str, frozenset[str]],
    *,
    workers: int = 1,
    page_seconds: float = PAGE_SECONDS,
) -> Iterator[tuple[FileResult, list[Fingerprint]]]:
    """Yields each file's extraction and its articles' fingerprints, in the order of `paths`.

    Args:
        paths: the files to read.
        corpus_dir: the corpus root.
        recurring: the chrome lines learned per site.
        workers: processes to use (1: this one).
        page_seconds: each page's time budget (each worker enforces its own).
    """
    if workers <= 1 or len(paths) < POOL_MIN_FILES:
        _start(corpus_dir, recurring, page_seconds)
        for path in paths:
            yield _read(path)
        return
    # fork: the workers start with the extraction modules and gazetteers already loaded.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(corpus_dir, recurring, page_seconds),
    ) as pool:
        yield from pool.map(_read, paths, chunksize=CHUNK_FILES)
