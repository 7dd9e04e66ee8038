"""Builds the Whoosh index from the corpus: one writer, one atomic commit, a manifest beside it."""

from __future__ import annotations

import gc
import itertools
import json
import logging
import os
import pickle
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.writing import CLEAR

from analysis.tokens import DEFAULT_SETTINGS, TextSettings
from catalogue import Article
from indexer.errors import IndexerError, IndexLockedError
from indexer.extract.pipeline import ExtractionReport, extract_corpus
from indexer.index.concepts import fit_concepts, write_concepts
from indexer.index.schema import SCHEMA_VERSION, build_schema, to_document

logger = logging.getLogger(__name__)

MANIFEST = "lantern-manifest.json"
# How long a build waits for another writer to finish before giving up.
LOCK_TIMEOUT_SECONDS = 30.0
WRITER_MEMORY_MB = 256


class EmptyBuildError(IndexerError):
    """The corpus gave no article: the index is left as it was."""


@dataclass(slots=True)
class BuildReport(ExtractionReport):
    """What a build read, wrote and skipped."""

    seconds: float = 0.0

    @property
    def articles_indexed(self) -> int:
        """Returns the number of articles the build wrote (duplicates merged)."""
        return self.articles

    def to_json(self) -> dict[str, Any]:
        """Returns the report as a JSON object."""
        return {
            "pages_read": self.pages_read,
            "articles_indexed": self.articles_indexed,
            "duplicates": self.duplicates,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "seconds": round(self.seconds, 3),
        }


def open_or_create(
    index_dir: Path, text_settings: TextSettings = DEFAULT_SETTINGS
) -> whoosh_index.Index:
    """Returns the index in index_dir, creating it when there is none.

    An index of an older schema is opened as it is: the build's one commit replaces its schema
    together with its documents (see `_write_all`), so it keeps serving until then.
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


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    *,
    progress: Callable[[ExtractionReport], None] | None = None,
    text_settings: TextSettings = DEFAULT_SETTINGS,
) -> BuildReport:
    """Rebuilds the index from the whole corpus in one atomic commit.

    Readers keep the previous generation until the commit; a failed build leaves it in place.

    Args:
        corpus_dir: the folder of pages.
        index_dir: the index folder (created when missing).
        progress: called after every 100 pages extracted.
        text_settings: the title/body analysis (stop words, stemmer); stored in the schema, so
            that searches analyse queries the same way. Benchmarks vary it.

    Returns:
        The build's report.

    Raises:
        IndexLockedError: another build holds the index's write lock.
        EmptyBuildError: no article could be extracted; the index is unchanged.
    """
    started = time.monotonic()
    report = BuildReport()
    index_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[str]] = {}

    def articles() -> Iterator[Article]:
        for article in extract_corpus(corpus_dir, report, progress=progress):
            files.setdefault(article.source_file, []).append(article.id)
            yield article

    # Extraction finishes (its last stage merges duplicates) before the first document is
    # written, so an empty corpus never touches the index.
    stream = articles()
    first = next(stream, None)
    if first is None:
        raise EmptyBuildError(f"no article could be extracted from {corpus_dir}")
    ix = open_or_create(index_dir, text_settings)
    _write_all(ix, itertools.chain([first], stream), text_settings)
    _write_concept_space(index_dir)
    report.seconds = time.monotonic() - started
    write_manifest(index_dir, report, files)
    return report


def _write_all(
    ix: whoosh_index.Index, articles: Iterator[Article], text_settings: TextSettings
) -> None:
    """Replaces every document of the index by `articles` in one commit."""
    try:
        writer = ix.writer(timeout=LOCK_TIMEOUT_SECONDS, limitmb=WRITER_MEMORY_MB)
    except LockError as err:
        raise IndexLockedError("another process is writing the index; try again later") from err
    try:
        # Every build writes the code's schema: the commit below swaps the schema and the
        # documents together (a writer may change its schema before its first document).
        writer.schema = build_schema(text_settings)
        for article in articles:
            writer.add_document(**to_document(article))
        # CLEAR drops the old segments in the same commit that adds the new one.
        writer.commit(mergetype=CLEAR)
    except BaseException:
        # A failed commit keeps Whoosh's write lock until cancel(): release it, then re-raise.
        writer.cancel()
        raise


def _write_concept_space(index_dir: Path) -> None:
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


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """Returns the manifest of the last build, or {} when there is none."""
    try:
        data = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_manifest(index_dir: Path, report: BuildReport, files: dict[str, list[str]]) -> None:
    """Writes the manifest atomically (a temporary file renamed over the old one)."""
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "report": report.to_json(),
        "files": files,
    }
    fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=".manifest-")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(manifest, out, ensure_ascii=False, indent=1)
    os.replace(tmp, index_dir / MANIFEST)
