"""run_search(snapshot, request) -> SearchPage, and get_article(): the search logic, no Flask."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from whoosh import query as wq
from whoosh.searching import Searcher
from whoosh.sorting import FieldFacet, MultiFacet

from indexer.index.schema import day_number, from_stored
from search.errors import ArticleNotFound, BadRequest
from search.facets import BoolArray, FacetTable, IndexTables, histogram
from search.index import Snapshot
from search.models import (
    FACET_FIELDS,
    ArticlePage,
    Facet,
    FacetValue,
    Hit,
    QueryReading,
    SearchPage,
    SearchRequest,
)
from search.query import ParsedQuery, negated_leaves, parse_user_query, query_terms
from search.rerank import RERANK_DEPTH, query_counts, rerank
from search.snippets import MatchTerms, highlight_body, make_snippets, terms_for
from search.suggest import suggest

RELATED_ARTICLES = 5
# With fewer hits than this (or none holding every word), the page suggests a correction.
FEW_HITS = 3
# Facet values are ranked by count; a facet lists at most this many beyond the selected ones.
MAX_FACET_VALUES = 100


def _query_mask(searcher: Searcher, tables: IndexTables, parsed: ParsedQuery) -> BoolArray:
    if parsed.is_browse:
        return tables.live.copy()
    mask = np.zeros(tables.doc_count, dtype=np.bool_)
    if parsed.query is wq.NullQuery:
        return mask
    docs = np.fromiter(searcher.docs_for_query(parsed.query), dtype=np.int64)
    mask[docs] = True
    return mask


def _date_mask(tables: IndexTables, request: SearchRequest) -> BoolArray | None:
    if not request.date_from and not request.date_to:
        return None
    low = day_number(request.date_from) or 1
    high = day_number(request.date_to) or 99991231
    return (tables.pubdate >= low) & (tables.pubdate <= high)


def _toggle(request: SearchRequest, facet: str, value: str) -> tuple[tuple[str, str], ...]:
    """Returns the parameters of the request with one facet value switched on or off."""
    selected = request.selected(facet)
    new = tuple(v for v in selected if v != value) if value in selected else (*selected, value)
    filters = tuple((f, vs) for f, vs in request.filters if f != facet)
    if new:
        filters = (*filters, (facet, new))
    order = list(FACET_FIELDS)
    filters = tuple(sorted(filters, key=lambda fv: order.index(fv[0])))
    return tuple(request.link(filters=filters))


def _facet_counts(
    table: FacetTable, base: BoolArray, masks: dict[str, BoolArray]
) -> npt.NDArray[np.int64]:
    """Returns a facet's counts over the hits of every other facet's filter (OR within one)."""
    mask = base.copy()
    for other, other_mask in masks.items():
        if other != table.name:
            mask &= other_mask
    return table.count(mask)


def _has_prefix(spellings: tuple[str, ...], prefix: str) -> bool:
    """Returns True when a value, or one of its words, starts with the prefix (any case)."""
    folded = prefix.casefold()
    return any(
        word.startswith(folded)
        for spelling in spellings
        for word in (spelling.casefold(), *spelling.casefold().split())
    )


def _facet(
    table: FacetTable,
    request: SearchRequest,
    counts: npt.NDArray[np.int64],
    *,
    prefix: str = "",
    offset: int = 0,
) -> Facet:
    """Returns a facet's values by count (the selected ones always shown), a page of them."""
    name = table.name
    selected = request.selected(name)
    selected_ids = {i for i in (table.lookup(v) for v in selected) if i is not None}
    candidates = np.flatnonzero(counts)
    if prefix:
        candidates = np.asarray(
            [i for i in candidates if _has_prefix(table.spellings[i], prefix)], dtype=np.int64
        )
    order = (
        candidates[np.lexsort((candidates, -counts[candidates]))] if len(candidates) else candidates
    )
    limit = min(request.facet_limit, MAX_FACET_VALUES)
    shown = [int(i) for i in order[offset : offset + limit]]
    if offset == 0 and not prefix:
        shown += [i for i in selected_ids if i not in shown]
    values = [
        FacetValue(
            value=table.labels[i],
            count=int(counts[i]),
            selected=i in selected_ids,
            toggle_params=_toggle(request, name, _selected_form(selected, table, i)),
            variants=tuple(s for s in table.spellings[i] if s != table.labels[i]),
        )
        for i in sorted(shown, key=lambda i: (-counts[i], table.labels[i]))
    ]
    # A selected value the index does not hold stays visible with a zero count.
    values += [
        FacetValue(value, 0, True, _toggle(request, name, value))
        for value in selected
        if table.lookup(value) is None and offset == 0
    ]
    return Facet(name, tuple(values), len(candidates))


def _selected_form(selected: tuple[str, ...], table: FacetTable, value_id: int) -> str:
    """Returns the spelling by which the request selected a value, else its label."""
    for value in selected:
        if table.lookup(value) == value_id:
            return value
    return table.labels[value_id]


def _ranked(
    snapshot: Snapshot,
    parsed: ParsedQuery,
    request: SearchRequest,
    selection: _Selection,
    stems: frozenset[str],
) -> list[tuple[int, float]]:
    """Returns (docnum, score) for the request's page of hits, in the requested order."""
    start = (request.page - 1) * request.per_page
    limit = start + request.per_page
    sort = request.sort
    if parsed.is_browse and sort == "relevance":
        sort = "newest"
    allowed = set(np.flatnonzero(selection.hits).tolist()) if selection.filtered else None
    if sort == "relevance":
        space = snapshot.concepts
        # The top hits are re-ranked together, whichever page shows them.
        depth = max(limit, RERANK_DEPTH) if space is not None else limit
        results = snapshot.searcher.search(parsed.query, limit=depth, filter=allowed)
        scored = [(hit.docnum, float(hit.score)) for hit in results]
        if space is None:
            return scored[start:limit]
        return rerank(scored, query_counts(parsed.text, stems), space)[start:limit]
    sortedby = MultiFacet([FieldFacet("undated"), FieldFacet("pubdate", reverse=sort == "newest")])
    results = snapshot.searcher.search(parsed.query, limit=limit, filter=allowed, sortedby=sortedby)
    # Sorted results carry their sort key as the score: only relevance has a score to show.
    return [(hit.docnum, 0.0) for hit in results[start:limit]]


def match_terms(searcher: Searcher, parsed: ParsedQuery) -> MatchTerms:
    """Returns what a parsed query matches (its stems re-rank, all of it highlights)."""
    if parsed.is_browse:
        return MatchTerms()
    negated = negated_leaves(parsed.query)
    pairs = {p for p in query_terms(parsed.query, searcher.reader()) if p not in negated}
    return terms_for(pairs)


@dataclass(frozen=True, slots=True)
class _Selection:
    """The documents a request selects: by its query, and by each facet's filter."""

    parsed: ParsedQuery
    relaxed: bool
    base: BoolArray  # the query's hits within the date range
    masks: dict[str, BoolArray]  # facet -> documents holding a selected value
    hits: BoolArray
    filtered: bool


def _select(snapshot: Snapshot, request: SearchRequest) -> _Selection:
    searcher, tables = snapshot.searcher, snapshot.tables
    parsed = parse_user_query(request.q, searcher.schema, match=request.match)
    relaxed = False
    base = _query_mask(searcher, tables, parsed)
    if request.match == "all" and not base.any() and len(parsed.words) > 1:
        any_word = parse_user_query(request.q, searcher.schema, match="any")
        any_mask = _query_mask(searcher, tables, any_word)
        if any_mask.any():
            parsed, base, relaxed = any_word, any_mask, True
    date_mask = _date_mask(tables, request)
    if date_mask is not None:
        base &= date_mask
    masks = {
        facet: tables.facets[facet].mask_for(values, tables.doc_count)
        for facet, values in request.filters
    }
    hits = base.copy()
    for mask in masks.values():
        hits &= mask
    filtered = bool(masks) or date_mask is not None
    return _Selection(parsed, relaxed, base, masks, hits, filtered)


def run_search(snapshot: Snapshot, request: SearchRequest) -> SearchPage:
    """Returns one page of results for the request, with facets counted over all hits.

    Args:
        snapshot: the worker's current index snapshot.
        request: the validated request.

    Returns:
        The SearchPage that both the HTML page and the JSON API render.
    """
    searcher, tables = snapshot.searcher, snapshot.tables
    selection = _select(snapshot, request)
    parsed = selection.parsed
    total = int(np.count_nonzero(selection.hits))
    terms = match_terms(searcher, parsed)
    ranked = _ranked(snapshot, parsed, request, selection, terms.stems) if total else []
    page_hits = []
    for docnum, score in ranked:
        article = from_stored(searcher.stored_fields(docnum))
        page_hits.append(Hit(article, score, make_snippets(article.body, terms)))
    notes = list(parsed.notes)
    if selection.relaxed:
        notes.append("no article holds every word; showing articles with any of them")
    suggestion = None
    if request.q and (selection.relaxed or total < FEW_HITS):
        suggestion = suggest(searcher, parsed.text or request.q)
    reading = QueryReading(
        interpreted=parsed.interpreted,
        relaxed=selection.relaxed,
        notes=tuple(notes),
        suggestion=suggestion,
    )
    facets = tuple(
        _facet(table, request, _facet_counts(table, selection.base, selection.masks))
        for table in tables.facets.values()
    )
    return SearchPage(
        request=request,
        total=total,
        hits=tuple(page_hits),
        facets=facets,
        reading=reading,
        histogram=histogram(tables, selection.hits),
        pages=math.ceil(total / request.per_page) if total else 0,
    )


def facet_values(
    snapshot: Snapshot, request: SearchRequest, facet: str, *, prefix: str = "", page: int = 1
) -> Facet:
    """Returns one page of a facet's values for the request's hits, optionally by prefix.

    Raises:
        BadRequest: the facet does not exist.
    """
    table = snapshot.tables.facets.get(facet)
    if table is None:
        raise BadRequest("facet", facet, f"facet must be one of: {', '.join(FACET_FIELDS)}")
    selection = _select(snapshot, request)
    counts = _facet_counts(table, selection.base, selection.masks)
    offset = (page - 1) * min(request.facet_limit, MAX_FACET_VALUES)
    return _facet(table, request, counts, prefix=prefix, offset=offset)


def get_article(snapshot: Snapshot, article_id: str, q: str = "") -> ArticlePage:
    """Returns an article with the query's words highlighted, and articles like it.

    Raises:
        ArticleNotFound: no article has this id.
    """
    searcher = snapshot.searcher
    docnum = searcher.document_number(id=article_id)
    if docnum is None:
        raise ArticleNotFound(article_id)
    article = from_stored(searcher.stored_fields(docnum))
    terms = match_terms(searcher, parse_user_query(q, searcher.schema)) if q else MatchTerms()
    body_html, marks = highlight_body(article.body, terms)
    related = tuple(
        from_stored(hit.fields())
        for hit in searcher.more_like(docnum, "body", text=article.body, top=RELATED_ARTICLES)
    )
    return ArticlePage(article=article, body_html=body_html, marks=marks, related=related)
