"""Brings the index up to date with the corpus, reading only what changed, in one commit.

The order of an update:

1. List the corpus; a file whose size and time match what the state recorded is unchanged, one
   whose content hash matches too (a `touch`) is only re-stamped; the rest are read.
2. Site chrome: each text page's candidate lines are counted per site in the state. When a page
   comes or goes and a line starts or stops recurring, the site's unchanged pages that hold such
   a line are read again too: their chrome changed.
3. Extraction (on every core) and fingerprints of the files to read; each file's articles keep
   the ids they had (`identity.keep_ids`).
4. Duplicates are merged over the whole corpus in corpus order, from the fingerprints the state
   keeps: removing the first copy of an article makes the next copy the article, adding an
   earlier copy makes it the first, as a full build would.
5. Each article's final digest (its extraction, its `seen_on` and `duplicates`) is compared with
   the digest the index itself stores: articles whose digest differs are written, the index's
   articles that are no longer in the corpus are deleted, in one commit. The index is the truth
   about what it holds, so an update killed between the index's commit and the state's redoes
   its work and converges.
6. The concept space of the new generation: the last fit with the written articles folded in,
   written before the commit; when the archive has changed by a tenth since the last fit, a new
   fit after the commit, once the lock is released (the next update need not wait for it).

One update at a time: `lock.build_lock` is held from the listing to the commit.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.writing import CLEAR

from analysis.tokens import DEFAULT_SETTINGS, TextSettings
from indexer.errors import IndexerError
from indexer.extract.dedup import could_repeat
from indexer.extract.loader import SIDECAR_SUFFIX, Listed, list_corpus
from indexer.extract.parallel import read_files
from indexer.extract.pipeline import (
    PAGE_SECONDS,
    TEXT_SUFFIXES,
    DuplicateMerger,
    ExtractionReport,
    quiet_load,
)
from indexer.extract.recurring import candidate_lines, recurs, site_of
from indexer.index.concepts import MIN_ARTICLES, has_space, read_concepts, write_concepts
from indexer.index.identity import keep_ids
from indexer.index.lock import LOCK_TIMEOUT_SECONDS, build_lock
from indexer.index.schema import DIGEST_FIELD, SCHEMA_VERSION, build_schema, to_document
from indexer.index.state import CorpusState, FileRecord
from indexer.index.writer import (
    fit_and_store_concepts,
    indexed_digests,
    open_or_create,
    open_writer,
    write_report,
)

logger = logging.getLogger(__name__)

# Articles written between two progress reports.
PROGRESS_ARTICLES = 200
# The state's own layout; another one is read anew (every file extracted, ids by position).
STATE_VERSION = "1"


class EmptyBuildError(IndexerError):
    """The corpus gave no article: the index is left as it was."""


@dataclass(slots=True)
class BuildReport(ExtractionReport):
    """What an update read, wrote and skipped.

    `pages_read` and `skipped` are of the whole corpus (a file's problems are kept until it
    changes); `articles` is the number of articles the index holds after the update.
    """

    mode: str = "incremental"  # or "full"
    files: int = 0  # files in the corpus
    files_read: int = 0  # extracted in this update
    files_removed: int = 0
    added: int = 0
    updated: int = 0
    deleted: int = 0
    generation: int = 0
    seconds: float = 0.0  # until the commit: the articles are searchable
    concept_seconds: float = 0.0  # the concept space's fit after it, when one was due

    @property
    def articles_indexed(self) -> int:
        """Returns the number of articles the index holds (duplicates merged)."""
        return self.articles

    def to_json(self) -> dict[str, Any]:
        """Returns the report as a JSON object."""
        return {
            "mode": self.mode,
            "files": self.files,
            "files_read": self.files_read,
            "files_removed": self.files_removed,
            "pages_read": self.pages_read,
            "articles_indexed": self.articles_indexed,
            "added": self.added,
            "updated": self.updated,
            "deleted": self.deleted,
            "duplicates": self.duplicates,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "generation": self.generation,
            "seconds": round(self.seconds, 3),
            "concept_seconds": round(self.concept_seconds, 3),
        }


@dataclass(slots=True)
class Progress:
    """How far an update is: what a progress bar or a job's status shows."""

    stage: str = "listing"  # listing, reading, merging, writing, concepts, done
    files_done: int = 0
    files_total: int = 0
    articles: int = 0
    errors: int = 0
    written: int = 0  # articles written to the index so far
    to_write: int = 0

    def counts(self) -> tuple[int, int, str] | None:
        """Returns (done, total, unit) of the stage, for the stages that count their work."""
        if self.stage == "reading":
            return self.files_done, self.files_total, "file"
        if self.stage == "writing":
            return self.written, self.to_write, "article"
        return None


ProgressCallback = Callable[[Progress], None]


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    *,
    full: bool = False,
    workers: int = 1,
    progress: ProgressCallback | None = None,
    text_settings: TextSettings = DEFAULT_SETTINGS,
    page_seconds: float = PAGE_SECONDS,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
) -> BuildReport:
    """Brings the index in `index_dir` up to date with `corpus_dir` in one commit.

    Args:
        corpus_dir: the folder of pages.
        index_dir: the index folder (created when missing); the state is kept in it.
        full: read every file and rewrite every article (ids are kept).
        workers: processes extracting pages.
        progress: called as the update goes.
        text_settings: the title/body analysis; an index of other settings is rewritten.
        page_seconds: each page's extraction time budget.
        lock_timeout: how long to wait for another update.

    Returns:
        The update's report.

    Raises:
        IndexLockedError: another update kept the lock past `lock_timeout`.
        EmptyBuildError: the corpus gives no article; the index and the state are unchanged.
    """
    started = time.monotonic()
    progress = progress or _quiet
    with build_lock(index_dir, lock_timeout):
        state = CorpusState(index_dir)
        try:
            update = _Update(corpus_dir, index_dir, state, text_settings, progress)
            report = update.run(full=full, workers=workers, page_seconds=page_seconds)
            report.seconds = time.monotonic() - started
        except BaseException:
            state.rollback()
            raise
        finally:
            state.close()
            # Whoosh's closed readers leave their segment files mapped inside reference cycles
            # (an open descriptor each) until the collector runs: a `watch` that updates for
            # days would run out of descriptors.
            gc.collect()
    # The articles are searchable; a new concept space is fitted without the lock, so that the
    # next update need not wait for it (searchers use the last space until this one lands).
    if update.refit:
        update.status.stage = "concepts"
        progress(update.status)
        fitted = time.monotonic()
        fit_and_store_concepts(index_dir)
        report.concept_seconds = time.monotonic() - fitted
    write_report(index_dir, report.to_json())
    update.status.stage = "done"
    progress(update.status)
    return report


def _quiet(_progress: Progress) -> None:
    pass


def _settings_key(settings: TextSettings) -> str:
    """Returns what the index's analysis depends on, the same in every process (a set's repr
    is not: its order follows the process's string hashing)."""
    stoplist = hashlib.blake2b(" ".join(sorted(settings.stoplist)).encode(), digest_size=8)
    return f"{SCHEMA_VERSION}/{settings.stemmer}/{settings.minsize}/{stoplist.hexdigest()}"


def _file_digest(listed: Listed) -> str:
    """Returns the hash of a page and its sidecar, or "" when the page cannot be read now
    (extraction then reports why, and the next update tries again)."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        with listed.path.open("rb") as page:
            while chunk := page.read(1 << 20):
                digest.update(chunk)
        sidecar = listed.path.with_suffix(SIDECAR_SUFFIX)
        if sidecar.is_file():
            digest.update(b"\0sidecar\0" + sidecar.read_bytes())
    except OSError:
        return ""
    return digest.hexdigest()


def _final_digest(extracted: bytes, seen_on: list[str], duplicates: list[str]) -> str:
    """Returns the digest of an article as the index holds it: as extracted, with its copies."""
    digest = hashlib.blake2b(extracted, digest_size=16)
    digest.update("\0".join(seen_on).encode() + b"\1" + "\0".join(duplicates).encode())
    return digest.hexdigest()


class _Update:
    """One update's work, in the order the module's docstring gives."""

    def __init__(
        self,
        corpus_dir: Path,
        index_dir: Path,
        state: CorpusState,
        settings: TextSettings,
        progress: ProgressCallback,
    ) -> None:
        self.corpus_dir = corpus_dir
        self.index_dir = index_dir
        self.state = state
        self.settings = settings
        self.progress = progress
        self.status = Progress()
        self.report = BuildReport()
        self.sites: dict[str, str] = {}  # text file -> its site, for the files read
        self.lines: dict[str, frozenset[str]] = {}  # text file -> its candidate chrome lines
        self.chrome: dict[str, frozenset[str]] = {}  # site -> its learned chrome lines, for
        # every site whose pages are read (all of them among the sites _relearn_chrome counts)
        self.refit = False  # the concept space is to be fitted anew after the update

    def run(self, *, full: bool, workers: int, page_seconds: float) -> BuildReport:
        state, report = self.state, self.report
        created = not any(self.index_dir.glob("_MAIN_*.toc"))  # no generation written yet
        ix = open_or_create(self.index_dir, self.settings)
        if state.get("state_version") != STATE_VERSION:
            state.clear()
        # The index's schema is the one this update writes when it was made just now or by an
        # update of the same settings; otherwise a full update changes it.
        same_schema = created or (
            state.get("settings") == _settings_key(self.settings)
            and DIGEST_FIELD in ix.schema.names()
        )
        known = state.files()
        # A first update (or one without the state) writes everything anew.
        full = full or not same_schema or not known
        report.mode = "full" if full else "incremental"
        self.progress(self.status)
        listing = list_corpus(self.corpus_dir)
        removed = sorted(set(known) - set(listing.files))
        changed = self._changed(listing.files, known, full)
        to_read = self._relearn_chrome(listing.files, known, changed, removed)
        for path in removed:
            state.remove_file(path)
        self.status.stage, self.status.files_total = "reading", len(to_read)
        self.progress(self.status)
        # The chrome each file read is stripped of: its site's lines as counted just now.
        recurring = {site: self.chrome[site] for site in set(self.sites.values())}
        paths = [listing.files[path].path for path in to_read]
        for result, sketches in read_files(
            paths, self.corpus_dir, recurring, workers=workers, page_seconds=page_seconds
        ):
            previous = known.get(result.path)
            identified = keep_ids(
                result.path,
                list(zip(result.articles, sketches, strict=True)),
                state.articles_of(result.path),
                previous.next_number if previous else 0,
                state.owner,
            )
            state.put_articles(result.path, identified.articles)
            listed = listing.files[result.path]
            record = FileRecord(
                result.path,
                listed.size,
                listed.stamp,
                listed.digest if listed.digest is not None else _file_digest(listed),
                self.sites.get(result.path),
                result.pages_read,
                tuple(result.skipped + identified.skipped),
                identified.next_number,
            )
            state.put_file(record, self.lines.get(result.path))
            self.status.files_done += 1
            self.status.articles += len(identified.articles)
            self.status.errors += len(record.skipped)
            self.progress(self.status)
        report.files, report.files_read = len(listing.files), len(to_read)
        report.files_removed = len(removed)
        report.pages_read, skipped = state.pages_and_skipped()
        report.skipped = [*listing.skipped, *skipped]
        generation = ix.latest_generation()
        if to_read or removed or full or state.get("generation") != str(generation):
            # A full update of an index of the same schema writes on every core too.
            self._write(ix, full=full, procs=workers if full and same_schema else 1)
        else:
            # Nothing changed since the update that wrote this generation: nothing to compare.
            report.articles, report.duplicates = state.counts()
            report.generation = generation
            self._commit_state(generation)
            # The fit after the last commit did not finish (the update was killed).
            self.refit = report.articles >= MIN_ARTICLES and not has_space(
                self.index_dir, generation
            )
        return report

    def _changed(
        self, listing: dict[str, Listed], known: dict[str, FileRecord], full: bool
    ) -> list[str]:
        """Returns the files to read: new or changed ones, or every one for a full update."""
        changed = []
        for path, listed in listing.items():
            record = known.get(path)
            # A file that could not be read ("" digest) is tried again every time.
            if full or record is None or record.digest == "":
                changed.append(path)
                continue
            if (record.size, record.mtime_ns) == (listed.size, listed.stamp):
                continue
            listed.digest = _file_digest(listed)
            if record.digest == listed.digest:
                self.state.restamp(path, listed.size, listed.stamp)
                continue
            changed.append(path)
        return changed

    def _learned(self, site: str) -> frozenset[str]:
        pages, counts = self.state.site_counts(site)
        return frozenset(line for line, n in counts.items() if recurs(n, pages))

    def _relearn_chrome(
        self,
        listing: dict[str, Listed],
        known: dict[str, FileRecord],
        changed: list[str],
        removed: list[str],
    ) -> list[str]:
        """Counts the chrome lines of the changed and removed text pages anew, and returns the
        files to read: the changed ones, and the unchanged pages whose site's chrome changed."""
        state = self.state
        for path in changed:
            if Path(path).suffix.lower() in TEXT_SUFFIXES:
                pages = quiet_load(listing[path].path, self.corpus_dir)
                if pages:
                    self.sites[path] = site_of(pages[0])
                    self.lines[path] = candidate_lines(pages[0])
        gone = {
            path: site
            for path in (*changed, *removed)
            if path in known and (site := known[path].site) is not None
        }
        affected = set(self.sites.values()) | set(gone.values())
        before = {site: self._learned(site) for site in affected}
        old_lines = state.file_lines(gone)
        for path, site in gone.items():
            state.count_site(site, old_lines.get(path, ()), -1)
        for path, site in self.sites.items():
            state.count_site(site, self.lines[path], 1)
        reading = set(changed)
        for site in affected:
            self.chrome[site] = self._learned(site)
            differs = before[site] ^ self.chrome[site]
            if not differs:
                continue
            others = [p for p in state.files_of_site(site) if p not in reading and p in listing]
            for path, lines in state.file_lines(others).items():
                if lines & differs:
                    reading.add(path)
                    self.sites[path], self.lines[path] = site, lines
        return sorted(reading)

    def _write(self, ix: whoosh_index.Index, *, full: bool, procs: int) -> None:
        """Merges duplicates over the corpus and writes what differs from the index."""
        state, report = self.state, self.report
        self.status.stage = "merging"
        self.progress(self.status)
        merger = DuplicateMerger()
        keys = list(state.article_keys())
        total = len(keys)
        # Only the articles that could repeat another go through the merger (in corpus order,
        # as a full build would): the rest are kept as they are.
        maybe = could_repeat([key.sketch for key in keys])
        kept = [
            (key.id, key.article_digest)
            for key, candidate in zip(keys, maybe, strict=True)
            if not candidate or merger.add(key.id, key.path, state.sketch(key.id))
        ]
        del keys
        if not kept:
            raise EmptyBuildError(f"no article could be extracted from {self.corpus_dir}")
        final = {
            article_id: _final_digest(
                extracted,
                merger.seen_on.get(article_id, []),
                merger.duplicates.get(article_id, []),
            )
            for article_id, extracted in kept
        }
        report.articles, report.duplicates = len(kept), total - len(kept)
        indexed = {} if full else indexed_digests(ix)
        writes = [
            article_id for article_id, digest in final.items() if indexed.get(article_id) != digest
        ]
        deletes = [article_id for article_id in indexed if article_id not in final]
        report.added = sum(1 for article_id in writes if article_id not in indexed)
        report.updated = len(writes) - report.added
        report.deleted = len(deletes)
        report.generation = ix.latest_generation()
        if not full and not writes and not deletes:
            self._commit_state(report.generation)
            return
        space = None if full else read_concepts(self.index_dir, report.generation)
        if space is not None and space.stale(len(final)):
            space = None
        self.status.stage, self.status.to_write = "writing", len(writes)
        self.progress(self.status)
        writer = open_writer(ix, procs)
        try:
            generation = writer.generation
            if full:
                # The commit swaps the schema and the documents together.
                writer.schema = build_schema(self.settings)
            for article_id in deletes:
                writer.delete_by_term("id", article_id)
            folded = {}
            for article in state.load(writes):
                article = merger.merged(article)
                document = to_document(article, final[article.id])
                if full:
                    writer.add_document(**document)
                else:
                    writer.update_document(**document)
                if space is not None:
                    folded[article.id] = space.fold_in(article, self.settings)
                self.status.written += 1
                if self.status.written % PROGRESS_ARTICLES == 0:
                    self.progress(self.status)
            self.progress(self.status)
            if space is not None:
                write_concepts(self.index_dir, generation, space.updated(set(deletes), folded))
            # CLEAR drops every old segment in the commit that adds the new one.
            writer.commit(mergetype=CLEAR) if full else writer.commit()
        except BaseException:
            # A failed commit keeps Whoosh's write lock until cancel(): release it, re-raise.
            writer.cancel()
            raise
        report.generation = generation
        self._commit_state(generation)
        # No space to fold into, or one fitted on an archive a tenth smaller or larger.
        self.refit = space is None

    def _commit_state(self, generation: int) -> None:
        """Commits the state, with the index generation it was compared with and the counts."""
        self.state.set("state_version", STATE_VERSION)
        self.state.set("settings", _settings_key(self.settings))
        self.state.set("generation", str(generation))
        self.state.set("counts", f"{self.report.articles} {self.report.duplicates}")
        self.state.commit()
