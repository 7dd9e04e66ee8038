"""IndexHolder: a worker's one open index and searcher, refreshed when a build commits."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.searching import Searcher

from indexer.index.concepts import ConceptSpace, read_concepts
from search.errors import IndexUnavailable
from search.facets import IndexTables, build_tables
from search.ranking import weighting

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A searcher and the tables of the same index generation."""

    searcher: Searcher
    tables: IndexTables
    generation: int
    concepts: ConceptSpace | None = None  # None: built without one (too few articles)


class IndexHolder:
    """Opens the index once per process and hands out an up-to-date snapshot per request.

    One searcher serves until a newer generation commits; then a new searcher replaces it and
    the old one is closed. Not `Searcher.refresh()`: in whoosh-reloaded 2.7.5 it carries the
    segments of the old reader into the new one, so after a rebuild that replaced every segment
    the refreshed searcher counted every article twice (tests/test_build.py measures both the
    counts and the open descriptors over repeated rebuilds).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._ix: whoosh_index.Index | None = None
        self._snapshot: Snapshot | None = None

    def snapshot(self) -> Snapshot:
        """Returns the current snapshot, refreshing it when the index has a newer generation.

        Raises:
            IndexUnavailable: no index at the path, or it cannot be read.
        """
        with self._lock:
            try:
                return self._current()
            except IndexUnavailable:
                raise
            except Exception as err:  # a damaged or half-written index: report, don't crash
                logger.exception("cannot open the index at %s", self.path)
                self._ix, self._snapshot = None, None
                raise IndexUnavailable(f"cannot read the index: {err.__class__.__name__}") from err

    def _current(self) -> Snapshot:
        if self._ix is None:
            if not whoosh_index.exists_in(str(self.path)):
                raise IndexUnavailable(f"no index at {self.path}")
            self._ix = whoosh_index.open_dir(str(self.path))
        snap = self._snapshot
        if snap is not None and snap.searcher.up_to_date():
            return snap
        searcher = self._ix.searcher(weighting=weighting())
        generation = searcher.reader().generation()
        self._snapshot = Snapshot(
            searcher,
            build_tables(searcher.reader()),
            generation,
            read_concepts(self.path, generation),
        )
        if snap is not None:
            snap.searcher.close()
        logger.info("opened index generation %s at %s", generation, self.path)
        return self._snapshot

    def article_count(self) -> int:
        """Returns the number of live articles in the current snapshot."""
        return self.snapshot().searcher.doc_count()
