"""run_search(snapshot, request) -> SearchPage, and get_article(): the search logic, no Flask."""

from __future__ import annotations

import math

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher
from whoosh.sorting import FieldFacet, MultiFacet

from indexer.schema import from_stored
from search.errors import ArticleNotFound
from search.facets import BoolArray, IndexTables, histogram
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
from search.snippets import MatchTerms, highlight_body, make_snippets, terms_for

RELATED_ARTICLES = 5
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
    low = _day(request.date_from) if request.date_from else 1
    high = _day(request.date_to) if request.date_to else 99991231
    return (tables.pubdate >= low) & (tables.pubdate <= high)


def _day(value: object) -> int:
    return value.year * 10000 + value.month * 100 + value.day  # type: ignore[attr-defined]


def _toggle(request: SearchRequest, facet: str, value: str) -> tuple[tuple[str, str], ...]:
    """Returns the parameters of the request with one facet value switched on or off."""
    selected = request.selected(facet)
    new = tuple(v for v in selected if v != value) if value in selected else (*selected, value)
    filters = tuple((f, vs) for f, vs in request.filters if f != facet)
    if new:
        filters = (*filters, (facet, new))
    order = list(FACET_FIELDS)
    filters = tuple(sorted(filters, key=lambda fv: order.index(fv[0])))
    changed = SearchRequest(
        q=request.q,
        filters=filters,
        page=1,
        per_page=request.per_page,
        sort=request.sort,
        match=request.match,
        date_from=request.date_from,
        date_to=request.date_to,
        facet_limit=request.facet_limit,
    )
    return tuple(changed.to_params())


def _facets(
    tables: IndexTables,
    request: SearchRequest,
    base: BoolArray,
    masks: dict[str, BoolArray],
) -> tuple[Facet, ...]:
    """Returns each facet's top values, counted over the hits of every other facet's filter."""
    facets = []
    for name, table in tables.facets.items():
        mask = base.copy()
        for other, other_mask in masks.items():
            if other != name:
                mask &= other_mask
        counts = table.count(mask)
        selected = request.selected(name)
        selected_ids = {table.lookup(v) for v in selected}
        order = np.lexsort((np.arange(len(counts)), -counts))
        values: list[FacetValue] = []
        shown: set[int] = set()
        for value_id in order[: min(request.facet_limit, MAX_FACET_VALUES)]:
            if counts[value_id] == 0:
                break
            shown.add(int(value_id))
        shown |= {i for i in selected_ids if i is not None}
        for value_id in sorted(shown, key=lambda i: (-counts[i], table.labels[i])):
            label = table.labels[value_id]
            values.append(
                FacetValue(
                    value=label,
                    count=int(counts[value_id]),
                    selected=value_id in selected_ids,
                    toggle_params=_toggle(request, name, _selected_form(selected, table, value_id)),
                    variants=tuple(s for s in table.spellings[value_id] if s != label),
                )
            )
        # A selected value the index does not hold stays visible with a zero count.
        for value in selected:
            if table.lookup(value) is None:
                values.append(FacetValue(value, 0, True, _toggle(request, name, value)))
        facets.append(Facet(name, tuple(values), int(np.count_nonzero(counts))))
    return tuple(facets)


def _selected_form(selected: tuple[str, ...], table: object, value_id: int) -> str:
    """Returns the spelling by which the request selected a value, else its label."""
    lookup = table.lookup  # type: ignore[attr-defined]
    for value in selected:
        if lookup(value) == value_id:
            return value
    return table.labels[value_id]  # type: ignore[attr-defined,no-any-return]


def _ranked(
    searcher: Searcher,
    parsed: ParsedQuery,
    request: SearchRequest,
    hits: BoolArray,
    filtered: bool,
) -> list[tuple[int, float]]:
    """Returns (docnum, score) for the request's page of hits, in the requested order."""
    start = (request.page - 1) * request.per_page
    limit = start + request.per_page
    sort = request.sort
    if parsed.is_browse and sort == "relevance":
        sort = "newest"
    sortedby = None
    if sort != "relevance":
        sortedby = MultiFacet(
            [FieldFacet("undated"), FieldFacet("pubdate", reverse=sort == "newest")]
        )
    allowed = set(np.flatnonzero(hits).tolist()) if filtered else None
    results = searcher.search(parsed.query, limit=limit, filter=allowed, sortedby=sortedby)
    # Sorted results carry their sort key as the score: only relevance has a score to show.
    return [
        (hit.docnum, float(hit.score) if sortedby is None and hit.score else 0.0)
        for hit in results[start:limit]
    ]


def _match_terms(searcher: Searcher, parsed: ParsedQuery) -> MatchTerms:
    if parsed.is_browse:
        return MatchTerms()
    negated = negated_leaves(parsed.query)
    pairs = {p for p in query_terms(parsed.query, searcher.reader()) if p not in negated}
    return terms_for(pairs)


def run_search(snapshot: Snapshot, request: SearchRequest) -> SearchPage:
    """Returns one page of results for the request, with facets counted over all hits.

    Args:
        snapshot: the worker's current index snapshot.
        request: the validated request.

    Returns:
        The SearchPage that both the HTML page and the JSON API render.
    """
    searcher, tables = snapshot.searcher, snapshot.tables
    schema = searcher.schema
    parsed = parse_user_query(request.q, schema, match=request.match)
    relaxed = False
    base = _query_mask(searcher, tables, parsed)
    if request.match == "all" and not base.any() and len(parsed.words) > 1:
        any_word = parse_user_query(request.q, schema, match="any")
        any_mask = _query_mask(searcher, tables, any_word)
        if any_mask.any():
            parsed, base, relaxed = any_word, any_mask, True
    masks: dict[str, BoolArray] = {}
    date_mask = _date_mask(tables, request)
    if date_mask is not None:
        base &= date_mask
    for facet, values in request.filters:
        masks[facet] = tables.facets[facet].mask_for(values, tables.doc_count)
    hits = base.copy()
    for mask in masks.values():
        hits &= mask
    total = int(np.count_nonzero(hits))
    filtered = bool(masks) or date_mask is not None
    ranked = _ranked(searcher, parsed, request, hits, filtered) if total else []
    terms = _match_terms(searcher, parsed)
    page_hits = []
    for docnum, score in ranked:
        article = from_stored(searcher.stored_fields(docnum))
        page_hits.append(Hit(article, score, make_snippets(article.body, terms)))
    notes = list(parsed.notes)
    if relaxed:
        notes.append("no article holds every word; showing articles with any of them")
    reading = QueryReading(interpreted=parsed.interpreted, relaxed=relaxed, notes=tuple(notes))
    return SearchPage(
        request=request,
        total=total,
        hits=tuple(page_hits),
        facets=_facets(tables, request, base, masks),
        reading=reading,
        histogram=histogram(tables, hits),
        pages=math.ceil(total / request.per_page) if total else 0,
    )


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
    terms = _match_terms(searcher, parse_user_query(q, searcher.schema)) if q else MatchTerms()
    body_html, marks = highlight_body(article.body, terms)
    related = tuple(
        from_stored(hit.fields())
        for hit in searcher.more_like(docnum, "body", text=article.body, top=RELATED_ARTICLES)
    )
    return ArticlePage(article=article, body_html=body_html, marks=marks, related=related)
