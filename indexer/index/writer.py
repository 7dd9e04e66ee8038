"""Writing the Whoosh index: opening or creating it, its one writer, what it holds, and the
files beside it (the concept space, the last update's report). `indexer.index.update` decides
what to write."""

from __future__ import annotations

import gc
import json
import logging
import os
import pickle
import tempfile
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.writing import SegmentWriter

from analysis.tokens import DEFAULT_SETTINGS, TextSettings
from indexer.errors import IndexLockedError
from indexer.index.concepts import fit_concepts, write_concepts
from indexer.index.parallel_writer import ParallelWriter
from indexer.index.schema import DIGEST_FIELD, SCHEMA_VERSION, build_schema

logger = logging.getLogger(__name__)

MANIFEST = "lantern-manifest.json"
# How long the writer waits for Whoosh's own lock (the update lock is held already).
WRITE_LOCK_SECONDS = 30.0
WRITER_MEMORY_MB = 256


def open_or_create(
    index_dir: Path, text_settings: TextSettings = DEFAULT_SETTINGS
) -> whoosh_index.Index:
    """Returns the index in index_dir, creating it when there is none.

    An index of an older schema is opened as it is: a full update's one commit replaces its
    schema together with its documents, so it keeps serving until then.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    unreadable = None
    with warnings.catch_warnings():
        # Whoosh leaves the file of a schema it cannot read open for the collector to close.
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            if whoosh_index.exists_in(str(index_dir)):  # exists_in reads the schema too
                return whoosh_index.open_dir(str(index_dir))
        except (ImportError, AttributeError, EOFError, pickle.UnpicklingError) as err:
            # Its schema names analysis code that no longer exists (an index built before
            # schema 5): this version cannot read it, so nothing can serve it; start anew.
            unreadable = repr(err)
        if unreadable is not None:
            gc.collect()
    if unreadable is not None:
        logger.warning(
            "the index in %s is unreadable (%s); building it anew", index_dir, unreadable
        )
    return whoosh_index.create_in(str(index_dir), build_schema(text_settings))


def open_writer(ix: whoosh_index.Index, procs: int = 1) -> SegmentWriter:
    """Returns the index's writer; with procs > 1, one that writes in that many processes
    (only for a full build into an index of the schema it writes: see parallel_writer).

    Raises:
        IndexLockedError: another process holds Whoosh's write lock.
    """
    try:
        if procs > 1:
            return ParallelWriter(ix, procs, timeout=WRITE_LOCK_SECONDS, limitmb=WRITER_MEMORY_MB)
        return ix.writer(timeout=WRITE_LOCK_SECONDS, limitmb=WRITER_MEMORY_MB)
    except LockError as err:
        raise IndexLockedError("another process is writing the index; try again later") from err


def indexed_digests(ix: whoosh_index.Index) -> dict[str, str]:
    """Returns the digest of every article the index holds, by id."""
    with ix.reader() as reader:
        if reader.doc_count() == 0:
            return {}
        ids = reader.column_reader("id")
        digests = reader.column_reader(DIGEST_FIELD)
        return {ids[docnum]: digests[docnum] for docnum in reader.all_doc_ids()}


def fit_and_store_concepts(index_dir: Path) -> None:
    """Fits and stores the concept space of the generation just committed.

    The articles are searchable already; without a space (a failure here is logged) ranking
    goes on without its concept term.
    """
    try:
        with whoosh_index.open_dir(str(index_dir)).reader() as reader:
            generation = reader.generation()
            space = fit_concepts(reader)
        write_concepts(index_dir, generation, space)
    except (OSError, ValueError, MemoryError, ArithmeticError, RuntimeError):  # ARPACK too
        logger.exception("cannot fit the concept space of %s; ranking goes without it", index_dir)


def write_report(index_dir: Path, report: dict[str, Any]) -> None:
    """Writes the last update's report beside the index (atomically), for `indexer stats`."""
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "report": report,
    }
    fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=".manifest-")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(manifest, out, ensure_ascii=False, indent=1)
    os.replace(tmp, index_dir / MANIFEST)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """Returns the last update's report and schema version, or {} when there is none."""
    try:
        data = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
