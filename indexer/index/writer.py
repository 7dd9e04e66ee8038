"""Builds the Whoosh index from the corpus: one writer, one atomic commit, a manifest beside it."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.writing import CLEAR

from indexer.errors import ExtractionError, IndexerError, IndexLockedError
from indexer.extract.dedup import DuplicateFinder
from indexer.extract.loader import KINDS, iter_corpus_files, load_file
from indexer.extract.models import Article, Page
from indexer.extract.pipeline import extract_articles
from indexer.extract.recurring import learn_recurring_lines, site_of
from indexer.index.concepts import fit_concepts, write_concepts
from indexer.index.schema import SCHEMA_VERSION, build_schema, to_document

logger = logging.getLogger(__name__)

MANIFEST = "lantern-manifest.json"
# How long a build waits for another writer to finish before giving up.
LOCK_TIMEOUT_SECONDS = 30.0
WRITER_MEMORY_MB = 256
TEXT_SUFFIXES = frozenset(suffix for suffix, kind in KINDS.items() if kind == "text")


class EmptyBuildError(IndexerError):
    """The corpus gave no article: the index is left as it was."""


@dataclass(slots=True)
class BuildReport:
    """What a build read, wrote and skipped."""

    pages_read: int = 0
    articles_indexed: int = 0
    duplicates: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """Returns the report as a JSON object."""
        return {
            "pages_read": self.pages_read,
            "articles_indexed": self.articles_indexed,
            "duplicates": self.duplicates,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "seconds": round(self.seconds, 3),
        }


def iter_corpus_articles(
    corpus_dir: Path, report: BuildReport, paths: list[Path] | None = None
) -> Iterator[Article]:
    """Yields every article of the corpus (or of `paths`), logging and counting unreadable pages.

    Text pages are read twice: first to learn each site's recurring chrome lines, then to
    extract their articles with that chrome removed.
    """
    files = list(paths if paths is not None else iter_corpus_files(corpus_dir))
    recurring = learn_recurring_lines(
        page
        for path in files
        if path.suffix.lower() in TEXT_SUFFIXES
        for page in _quiet_load(path, corpus_dir)
    )
    for path in files:
        try:
            loaded = load_file(path, corpus_dir)
        except ExtractionError as err:
            _skip(report, err)
            continue
        for problem in loaded.problems:
            _skip(report, problem)
        for page in loaded.pages:
            report.pages_read += 1
            site_chrome = recurring.get(site_of(page), frozenset()) if page.kind == "text" else ()
            try:
                yield from extract_articles(page, site_chrome)
            except ExtractionError as err:
                _skip(report, err)


def _quiet_load(path: Path, corpus_dir: Path) -> list[Page]:
    """Returns a file's pages for learning, or none when it cannot be read (reported later)."""
    try:
        return load_file(path, corpus_dir).pages
    except ExtractionError:
        return []


def _skip(report: BuildReport, err: ExtractionError) -> None:
    logger.warning("skipped %s: %s", err.path, err.reason)
    report.skipped.append((err.path, err.reason))


def open_or_create(index_dir: Path) -> whoosh_index.Index:
    """Returns the index in index_dir, creating it when there is none.

    An index of an older schema is opened as it is: the build's one commit replaces its schema
    together with its documents (see `_write_all`), so it keeps serving until then.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    if whoosh_index.exists_in(str(index_dir)):
        return whoosh_index.open_dir(str(index_dir))
    return whoosh_index.create_in(str(index_dir), build_schema())


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    *,
    progress: Callable[[BuildReport], None] | None = None,
) -> BuildReport:
    """Rebuilds the index from the whole corpus in one atomic commit.

    Readers keep the previous generation until the commit; a failed build leaves it in place.

    Args:
        corpus_dir: the folder of pages.
        index_dir: the index folder (created when missing).
        progress: called after every 100 pages read.

    Returns:
        The build's report.

    Raises:
        IndexLockedError: another build holds the index's write lock.
        EmptyBuildError: no article could be extracted; the index is unchanged.
    """
    started = time.monotonic()
    report = BuildReport()
    index_dir.mkdir(parents=True, exist_ok=True)
    finder = DuplicateFinder()
    seen_on: dict[str, list[str]] = {}
    files: dict[str, list[str]] = {}
    with tempfile.TemporaryFile("w+", encoding="utf-8", dir=index_dir) as spool:
        last_progress = 0
        for article in iter_corpus_articles(corpus_dir, report):
            original = finder.add(article.id, article.body)
            if original is not None:
                report.duplicates += 1
                seen_on.setdefault(original, []).append(article.source_file)
                continue
            spool.write(json.dumps(article.to_json(), ensure_ascii=False) + "\n")
            files.setdefault(article.source_file, []).append(article.id)
            report.articles_indexed += 1
            if progress and report.pages_read - last_progress >= 100:
                last_progress = report.pages_read
                progress(report)
        if report.articles_indexed == 0:
            raise EmptyBuildError(f"no article could be extracted from {corpus_dir}")
        spool.seek(0)
        ix = open_or_create(index_dir)
        _write_all(ix, (_article_from_json(line, seen_on) for line in spool))
    _write_concept_space(index_dir)
    report.seconds = time.monotonic() - started
    write_manifest(index_dir, report, files)
    return report


def _write_all(ix: whoosh_index.Index, articles: Iterator[Article]) -> None:
    """Replaces every document of the index by `articles` in one commit."""
    try:
        writer = ix.writer(timeout=LOCK_TIMEOUT_SECONDS, limitmb=WRITER_MEMORY_MB)
    except LockError as err:
        raise IndexLockedError("another process is writing the index; try again later") from err
    try:
        # Every build writes the code's schema: the commit below swaps the schema and the
        # documents together (a writer may change its schema before its first document).
        writer.schema = build_schema()
        for article in articles:
            writer.add_document(**to_document(article))
        # CLEAR drops the old segments in the same commit that adds the new one.
        writer.commit(mergetype=CLEAR)
    except BaseException:
        # A failed commit keeps the write lock until cancel() (WHOOSH-NOTES hazard 1).
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


def _article_from_json(line: str, seen_on: dict[str, list[str]]) -> Article:
    """Returns a spooled article with the other pages it was seen on."""
    article = Article.from_json(json.loads(line))
    return replace(article, seen_on=tuple(seen_on.get(article.id, ())))


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
