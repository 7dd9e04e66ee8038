"""The embedded default backend: a Whoosh index on local disk, one open view per worker.

Matching is Whoosh's query form; ranking is BM25F (`whoosh_bm25f.py`), scored over whole posting
lists with numpy (`whoosh_scoring.py`) and re-ranked in the concept space the build stored beside
the index; facets are counted over every hit with numpy tables built once per index generation
(`whoosh_facets.py`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.searching import Searcher

from analysis.folding import fold
from analysis.tokens import DEFAULT_SETTINGS, TextSettings, text_tokens
from catalogue import EXACT_FIELD, TEXT_FIELDS, Article, day_number
from indexer.index.concepts import MIN_ARTICLES, ConceptSpace, has_space, read_concepts
from indexer.index.mapped_files import release_pages
from indexer.index.schema import from_stored
from search.backend import (
    Bucket,
    FacetCounts,
    FacetRequest,
    Filters,
    Match,
    Retrieval,
    Retrieved,
)
from search.backends.whoosh_bm25f import weighting
from search.backends.whoosh_facets import (
    BoolArray,
    FacetTable,
    IndexTables,
    build_tables,
    date_order,
)
from search.backends.whoosh_facets import histogram as month_histogram
from search.backends.whoosh_query import compile_query, multiterm_query, pattern_fields
from search.backends.whoosh_scoring import FloatArray, IntArray, ScoringIndex, score_query
from search.errors import IndexUnavailable
from search.ranking import DEFAULT_RANKING, RankingConfig
from search.rerank import rerank
from search.syntax import Everything, Fuzzy, Node, Pattern

logger = logging.getLogger(__name__)

# A wildcard's expansion walks at most this many times `max_expansions` index terms.
EXPANSION_WALK = 10
# The expansions of this many (wildcard or fuzzy word, field, limit) are kept per generation.
EXPANSIONS_KEPT = 64


@dataclass(frozen=True, slots=True)
class _Matched:
    """A query's matching documents: their mask, and their numbers (ascending) and scores."""

    mask: BoolArray
    docs: IntArray
    scores: FloatArray


def _best_first(docs: IntArray, scores: FloatArray, count: int) -> tuple[IntArray, FloatArray]:
    """Returns the first `count` documents by score, best first, equal scores by document
    number (as Whoosh's collector orders them); `docs` ascending."""
    if count <= 0 or not len(docs):
        return docs[:0], scores[:0]
    if count < len(docs):
        # Only the documents scoring at least the count-th best are sorted (all of those
        # tied with it too, so that the lowest numbers among them come first).
        threshold = scores[np.argpartition(scores, len(docs) - count)[len(docs) - count]]
        chosen = np.flatnonzero(scores >= threshold)
    else:
        chosen = np.arange(len(docs))
    order = chosen[np.argsort(-scores[chosen], kind="stable")[:count]]
    return docs[order], scores[order]


@dataclass(slots=True)
class WhooshBackend:
    """One generation of the index: a searcher, its tables and its concept space."""

    searcher: Searcher
    tables: IndexTables
    config: RankingConfig
    concepts: ConceptSpace | None = None  # None: built without one (too few articles)
    _cache: dict[Node, _Matched] = field(default_factory=dict)
    _ids: Any = None  # the id column, read when first needed
    _scoring: ScoringIndex | None = None  # postings and lengths as arrays, made when first needed
    _expanded: dict[tuple[Pattern | Fuzzy, str, int], list[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def generation(self) -> str:
        return str(self.searcher.reader().generation())

    @property
    def text_settings(self) -> TextSettings:
        analyzer = getattr(self.searcher.schema["body"], "analyzer", None)
        return getattr(analyzer, "settings", DEFAULT_SETTINGS)

    def article_count(self) -> int:
        return int(self.searcher.doc_count())

    def _scoring_index(self) -> ScoringIndex:
        if self._scoring is None:
            self._scoring = ScoringIndex(self.searcher, live=self.tables.live)
        return self._scoring

    def _matched(self, query: Node) -> _Matched:
        """Returns the documents a query matches and their scores, from one scored pass (the
        last few queries are kept: the engine counts a query before it searches it)."""
        with self._lock:
            cached = self._cache.get(query)
        if cached is not None:
            return cached
        tables = self.tables
        docs, scores = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        if isinstance(query, Everything):
            matched = _Matched(tables.live.copy(), docs, scores)
        else:
            mask = np.zeros(tables.doc_count, dtype=np.bool_)
            compiled = self._compile(query)
            if compiled is not wq.NullQuery:
                # Every match scored, Whoosh's scores from arrays of postings: the one pass
                # that counting, facets and ranking all read.
                found = score_query(compiled, self._scoring_index())
                docs, scores = found.docs, found.scores
                mask[docs] = True
            matched = _Matched(mask, docs, scores)
        with self._lock:
            if len(self._cache) >= 4:
                self._cache.pop(next(iter(self._cache)))
            self._cache[query] = matched
        return matched

    def count(self, query: Node) -> int:
        return int(np.count_nonzero(self._matched(query).mask))

    def search(self, retrieval: Retrieval) -> Retrieved:
        tables = self.tables
        matched = self._matched(retrieval.query)
        base = matched.mask.copy()
        date_mask = _date_mask(tables, retrieval.filters)
        if date_mask is not None:
            base &= date_mask
        for facet, values in retrieval.filters.excluded:
            if facet in tables.facets:
                base &= ~tables.facets[facet].mask_for(values, tables.doc_count)
        masks = {
            facet: tables.facets[facet].mask_for(values, tables.doc_count)
            for facet, values in retrieval.filters.facets
            if facet in tables.facets
        }
        hits = base.copy()
        for mask in masks.values():
            hits &= mask
        total = int(np.count_nonzero(hits))
        wanted = total and retrieval.limit
        ranked = self._ranked(retrieval, matched, hits) if wanted else []
        matches = tuple(self._match(docnum, score, retrieval.fetch) for docnum, score in ranked)
        # The facets no filter narrows further count the same documents: found once.
        base_hits = np.flatnonzero(base) if retrieval.facets else None
        facets = tuple(
            _facet_counts(
                tables.facets[request.name], request, retrieval.filters, base, masks, base_hits
            )
            for request in retrieval.facets
        )
        histogram = month_histogram(tables, hits) if retrieval.histogram else ()
        return Retrieved(total, matches, facets, histogram)

    def _match(self, docnum: int, score: float, fetch: bool) -> Match:
        if fetch:
            article = from_stored(self.searcher.stored_fields(docnum))
            return Match(article.id, score, article)
        if self._ids is None:
            self._ids = self.searcher.reader().column_reader("id")
        return Match(self._ids[docnum], score)

    def _concept_vectors(self, space: ConceptSpace, docnums: list[int]) -> Any:
        """Returns the concept vectors of documents (zeros for an article the space lacks)."""
        if self._ids is None:
            self._ids = self.searcher.reader().column_reader("id")
        return space.vectors(space.rows_of([self._ids[docnum] for docnum in docnums]))

    def _ranked(
        self, retrieval: Retrieval, matched: _Matched, hits: BoolArray
    ) -> list[tuple[int, float]]:
        """Returns (docnum, score) for the requested page of hits, in the requested order."""
        start, limit = retrieval.offset, retrieval.offset + retrieval.limit
        if retrieval.sort == "relevance":
            docs, scores = matched.docs, matched.scores
            if retrieval.filters:
                kept = hits[docs]
                docs, scores = docs[kept], scores[kept]
            space = self.concepts if self.config.concept_weight else None
            # Only the hits the page or the re-ranking can show are ordered.
            depth = limit if space is None else max(limit, self.config.rerank_depth)
            best_docs, best_scores = _best_first(docs, scores, depth)
            scored = list(zip(best_docs.tolist(), best_scores.tolist(), strict=True))
            if space is None:
                return scored[start:limit]
            # The top hits are re-ranked together, whichever page shows them.
            vector = space.query_vector(retrieval.topic)
            reranked = rerank(
                scored, lambda docnums: self._concept_vectors(space, docnums), vector, self.config
            )
            return reranked[start:limit]
        # By date, undated articles last, then in index order; only relevance has a score.
        order = date_order(self.tables, retrieval.sort)
        return [(docnum, 0.0) for docnum in order[hits[order]][start:limit].tolist()]

    def fetch(self, article_id: str) -> Article | None:
        docnum = self.searcher.document_number(id=article_id)
        if docnum is None:
            return None
        return from_stored(self.searcher.stored_fields(docnum))

    def more_like(self, article_id: str, limit: int) -> tuple[Article, ...]:
        docnum = self.searcher.document_number(id=article_id)
        if docnum is None:
            return ()
        body = from_stored(self.searcher.stored_fields(docnum)).body
        similar = self.searcher.more_like(docnum, "body", text=body, top=limit)
        return tuple(from_stored(hit.fields()) for hit in similar)

    def _compile(self, query: Node) -> wq.Query:
        return compile_query(query, self.config, self._expansions, self.text_settings)

    def _expansions(
        self, node: Pattern | Fuzzy, index_field: str, limit: int | None = None
    ) -> list[str]:
        """Returns the most frequent index terms of a field that a wildcard or fuzzy word
        matches, at most `limit` (`config.max_expansions`), from a walk of ten times that."""
        limit = self.config.max_expansions if limit is None else limit
        key = (node, index_field, limit)
        # Kept: the engine asks for a query's expansions to highlight and to note them, and
        # compiling asks again (a fuzzy word's walk over the field's words was most of it).
        with self._lock:
            cached = self._expanded.get(key)
        if cached is not None:
            return cached
        reader = self.searcher.reader()
        query = multiterm_query(node, index_field, text=self.text_settings)
        found: list[tuple[int, str]] = []
        for k, btext in enumerate(query._btexts(reader)):  # Whoosh's own expansion
            if k >= EXPANSION_WALK * limit:
                break
            text = btext.decode("utf-8") if isinstance(btext, bytes) else btext
            found.append((-reader.doc_frequency(index_field, text), text))
        found.sort()
        expansions = [text for _, text in found[:limit]]
        with self._lock:
            if len(self._expanded) >= EXPANSIONS_KEPT:
                self._expanded.pop(next(iter(self._expanded)))
            self._expanded[key] = expansions
        return expansions

    def expand(self, node: Pattern | Fuzzy, limit: int) -> frozenset[str]:
        found: set[str] = set()
        for index_field in pattern_fields(node):  # the same words, field by field, as matching
            found.update(self._expansions(node, index_field, limit))
        return frozenset(found)

    def document_frequencies(self, words: Sequence[str]) -> dict[str, int]:
        reader = self.searcher.reader()
        found = {}
        for word in words:
            stems = [t.text for t in text_tokens(word, mode="query", settings=self.text_settings)]
            found[word] = max(
                (reader.doc_frequency(f, stem) for f in TEXT_FIELDS for stem in stems), default=0
            )
        return found

    def has_term(self, index_field: str, term: str) -> bool:
        return bool(self.searcher.doc_frequency(index_field, term))

    def closest_word(self, folded: str, max_distance: int) -> str | None:
        # The first letter is kept, as Lucene's spell checker keeps it: a correction that
        # drops it changes the word ("unclosed" is not "closed").
        corrector = self.searcher.corrector(EXACT_FIELD)
        found = corrector.suggest(folded, limit=1, maxdist=max_distance, prefix=1)
        return found[0] if found else None


def _date_mask(tables: IndexTables, filters: Filters) -> BoolArray | None:
    if not filters.date_from and not filters.date_to:
        return None
    low = day_number(filters.date_from) or 1
    high = day_number(filters.date_to) or 99991231
    return (tables.pubdate >= low) & (tables.pubdate <= high)


def _has_prefix(spellings: tuple[str, ...], prefix: str) -> bool:
    """Returns True when a value, or one of its words, starts with the prefix (folded)."""
    folded = fold(prefix)
    return any(
        word.startswith(folded)
        for spelling in spellings
        for word in (fold(spelling), *fold(spelling).split())
    )


def _most_counted(counts: IntArray, candidates: IntArray, wanted: int) -> IntArray:
    """Returns the first `wanted` candidates by count, most first, ties by value id: only
    those are sorted (a facet of people may count 20,000 values for a page of 10)."""
    # One key per candidate orders both ways: more counted first, then the lower id.
    keys = -counts[candidates] * (int(candidates.max(initial=0)) + 1) + candidates
    if wanted < len(keys):
        keys = keys[np.argpartition(keys, wanted)[:wanted]]
    keys.sort()
    return keys % (int(candidates.max(initial=0)) + 1)


def _facet_counts(
    table: FacetTable,
    request: FacetRequest,
    filters: Filters,
    base: BoolArray,
    masks: dict[str, BoolArray],
    base_hits: IntArray | None = None,
) -> FacetCounts:
    """Returns a facet's values counted over the hits of every other facet's filter (the
    documents of `base`, when given, are `base_hits`)."""
    others = [other_mask for other, other_mask in masks.items() if other != request.name]
    if others:
        mask = base.copy()
        for other_mask in others:
            mask &= other_mask
        counts = table.count(mask)
    else:
        counts = table.count(base, base_hits)
    candidates = np.flatnonzero(counts)
    if request.prefix:
        candidates = np.asarray(
            [i for i in candidates if _has_prefix(table.spellings[i], request.prefix)],
            dtype=np.int64,
        )
    page = [int(i) for i in _most_counted(counts, candidates, request.offset + request.limit)]
    page = page[request.offset :]
    page.sort(key=lambda i: (-counts[i], table.labels[i]))

    def bucket(i: int) -> Bucket:
        return Bucket(table.keys[i], table.labels[i], int(counts[i]), table.spellings[i])

    selected = []
    for value in dict(filters.facets).get(request.name, ()):
        found = table.lookup(value)
        selected.append(bucket(found) if found is not None else Bucket("", value, 0))
    return FacetCounts(
        request.name, tuple(bucket(i) for i in page), tuple(selected), len(candidates)
    )


class WhooshSource:
    """Opens the index once per process and hands out an up-to-date view per request.

    One searcher serves until a newer generation commits; then a new searcher replaces it and
    the old one is closed. Not `Searcher.refresh()`: in whoosh-reloaded 2.7.5 it carries the
    segments of the old reader into the new one, so after a rebuild that replaced every segment
    the refreshed searcher counted every article twice (tests/test_build.py measures both the
    counts and the open descriptors over repeated rebuilds).
    """

    def __init__(self, path: Path, config: RankingConfig = DEFAULT_RANKING) -> None:
        self.path = path
        self.config = config
        self._lock = threading.Lock()
        self._ix: whoosh_index.Index | None = None
        self._current: WhooshBackend | None = None

    def current(self) -> WhooshBackend:
        """Returns the current view, opening the newest generation when one has committed.

        Raises:
            IndexUnavailable: no index at the path, or it cannot be read.
        """
        with self._lock:
            try:
                view = self._open()
            except IndexUnavailable:
                raise
            except Exception as err:  # a damaged or half-written index: report, don't crash
                logger.exception("cannot open the index at %s", self.path)
                if self._current is not None:
                    self._current.searcher.close()
                self._ix, self._current = None, None
                raise IndexUnavailable(f"cannot read the index: {err.__class__.__name__}") from err
            # Each request starts with none of the index mapped into this worker: what the last
            # one read stays in the page cache, shared, not in every worker's resident memory.
            space = view.concepts
            arrays = (space.projection, space.articles) if space is not None else ()
            release_pages(view.searcher.reader(), *arrays)
            return view

    def _open(self) -> WhooshBackend:
        if self._ix is None:
            if not whoosh_index.exists_in(str(self.path)):
                raise IndexUnavailable(f"no index at {self.path}")
            self._ix = whoosh_index.open_dir(str(self.path))
        view = self._current
        if view is not None and view.searcher.up_to_date():
            # An update that fits a new space does so after its commit: a view opened in
            # between serves with the last space, and takes the new one once it is stored.
            generation = int(view.generation)
            stored_for = view.concepts.generation if view.concepts is not None else -1
            if (
                stored_for != generation
                and view.article_count() >= MIN_ARTICLES
                and (view.concepts is None or has_space(self.path, generation))
            ):
                view.concepts = read_concepts(self.path, generation)
            return view
        searcher = self._ix.searcher(weighting=weighting(self.config))
        try:
            generation = searcher.reader().generation()
            opened = WhooshBackend(
                searcher,
                build_tables(searcher.reader()),
                self.config,
                read_concepts(self.path, generation),
            )
        except BaseException:
            searcher.close()
            raise
        self._current = opened
        if view is not None:
            view.searcher.close()
        logger.info("opened index generation %s at %s", generation, self.path)
        return self._current
