"""run_search(backend, request) -> SearchPage, and get_article(): the search logic, no Flask
and no engine. What depends on the engine (matching, ranking, counting) is the backend's."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace

from catalogue import FACET_NAMES, FACETS, FACETS_BY_NAME, Article, group_key
from search.backend import Backend, Bucket, FacetCounts, FacetRequest, Retrieval, Retrieved
from search.errors import ArticleNotFound, BadRequest
from search.models import (
    ArticlePage,
    Facet,
    FacetValue,
    Hit,
    QueryReading,
    SearchPage,
    SearchRequest,
)
from search.query import ParsedQuery, parse_user_query
from search.ranking import DEFAULT_RANKING, RankingConfig
from search.rerank import query_counts
from search.snippets import MatchTerms, highlight_body, make_snippets
from search.suggest import suggest
from search.syntax import Word, describe, positive_leaves, without_words
from search.terms import expansion_notes, match_terms

RELATED_ARTICLES = 5
# An export fetches its hits this many at a time.
EXPORT_BATCH = 500
# With fewer hits than this (or none holding every word), the page suggests a correction.
FEW_HITS = 3
# Facet values are ranked by count; a facet lists at most this many beyond the selected ones.
MAX_FACET_VALUES = 100


def read_query(
    backend: Backend, request: SearchRequest, config: RankingConfig = DEFAULT_RANKING
) -> tuple[ParsedQuery, bool]:
    """Returns the query the request means and whether it was relaxed: with every word
    required and no article holding them all, any word (excluded words stay excluded)."""
    settings = backend.text_settings
    parsed = parse_user_query(request.q, match=request.match, text_settings=settings)
    parsed = _bounded(backend, parsed, config)
    relaxable = request.match == "all" and not parsed.is_browse and len(parsed.words) > 1
    if relaxable and backend.count(parsed.node) == 0:
        any_word = parse_user_query(request.q, match="any", text_settings=settings)
        any_word = _bounded(backend, any_word, config)
        if backend.count(any_word.node):
            return any_word, True
    return parsed, False


def _bounded(backend: Backend, parsed: ParsedQuery, config: RankingConfig) -> ParsedQuery:
    """Returns the query with at most `config.max_query_words` distinct words to score: its
    rarest, the most informative; the note names how many of the others were left out."""
    words = list(
        dict.fromkeys(
            leaf.text
            for leaf in positive_leaves(parsed.node)
            if isinstance(leaf, Word) and leaf.field is None
        )
    )
    if len(words) <= config.max_query_words:
        return parsed
    frequencies = backend.document_frequencies(words)
    # Rarest first; a word no article holds scores nothing, so it goes first of all.
    order = {w: k for k, w in enumerate(words)}
    by_rarity = sorted(words, key=lambda w: (not frequencies.get(w), frequencies.get(w), order[w]))
    dropped = frozenset(by_rarity[config.max_query_words :])
    node = without_words(parsed.node, dropped)
    note = (
        f"the query has {len(words)} distinct words; its {config.max_query_words} rarest were"
        f" searched, and {len(dropped)} others (the most common, or in no article) left out"
    )
    return replace(parsed, node=node, interpreted=describe(node), notes=(*parsed.notes, note))


def _retrieval(
    request: SearchRequest,
    parsed: ParsedQuery,
    terms: MatchTerms,
    *,
    offset: int,
    limit: int,
    facets: tuple[FacetRequest, ...] = (),
    fetch: bool = True,
) -> Retrieval:
    sort = "newest" if parsed.is_browse and request.sort == "relevance" else request.sort
    topic = query_counts(parsed.text, terms.stems, terms.text) if sort == "relevance" else {}
    return Retrieval(
        query=parsed.node,
        filters=request.as_filters(),
        sort=sort,
        offset=offset,
        limit=limit,
        topic=topic,
        facets=facets,
        histogram=bool(facets),
        fetch=fetch,
    )


def ranked_ids(
    backend: Backend,
    request: SearchRequest,
    depth: int,
    config: RankingConfig = DEFAULT_RANKING,
) -> tuple[list[str], bool]:
    """Returns the ids of the request's first `depth` hits in order, and whether the query was
    relaxed: the ranking run_search pages through, without rendering (benchmarks use it)."""
    parsed, relaxed = read_query(backend, request, config)
    terms = match_terms(backend, parsed, config)
    found = backend.search(_retrieval(request, parsed, terms, offset=0, limit=depth, fetch=False))
    return [match.id for match in found.hits], relaxed


def iter_hits(
    backend: Backend,
    request: SearchRequest,
    config: RankingConfig = DEFAULT_RANKING,
    *,
    batch: int = EXPORT_BATCH,
) -> Iterator[tuple[Article, float]]:
    """Yields every hit of the request (not a page of them), in its order, with its score: what
    an export streams. The request's page and per_page are ignored."""
    parsed, _relaxed = read_query(backend, request, config)
    terms = match_terms(backend, parsed, config)
    offset = 0
    while True:
        found = backend.search(_retrieval(request, parsed, terms, offset=offset, limit=batch))
        for match in found.hits:
            if match.article is not None:
                yield match.article, match.score
        offset += batch
        if offset >= found.total or not found.hits:
            return


def run_search(
    backend: Backend, request: SearchRequest, config: RankingConfig = DEFAULT_RANKING
) -> SearchPage:
    """Returns one page of results for the request, with facets counted over all hits.

    Args:
        backend: the current view of the index.
        request: the validated request.
        config: the ranking settings the backend was opened with.

    Returns:
        The SearchPage that both the HTML page and the JSON API render.
    """
    parsed, relaxed = read_query(backend, request, config)
    terms = match_terms(backend, parsed, config)
    limit = min(request.facet_limit, MAX_FACET_VALUES)
    facets = tuple(FacetRequest(name, limit) for name in FACET_NAMES)
    found = backend.search(
        _retrieval(
            request,
            parsed,
            terms,
            offset=(request.page - 1) * request.per_page,
            limit=request.per_page,
            facets=facets,
        )
    )
    hits = tuple(
        Hit(m.article, m.score, make_snippets(m.article.body, terms))
        for m in found.hits
        if m.article is not None
    )
    notes = [*parsed.notes, *expansion_notes(backend, parsed, config)]
    if request.date_from and request.date_to and request.date_from > request.date_to:
        notes.append("the date range is empty: 'to' is before 'from'")
    if relaxed:
        notes.append("no article holds every word; showing articles with any of them")
    suggestion = None
    if request.q and (relaxed or found.total < FEW_HITS):
        suggestion = suggest(backend, parsed.text or request.q)
    reading = QueryReading(
        interpreted=parsed.interpreted, relaxed=relaxed, notes=tuple(notes), suggestion=suggestion
    )
    return SearchPage(
        request=request,
        total=found.total,
        hits=hits,
        facets=tuple(_facet(counts, request) for counts in found.facets),
        reading=reading,
        histogram=found.histogram,
        pages=math.ceil(found.total / request.per_page) if found.total else 0,
    )


def _toggle(
    request: SearchRequest, facet: str, value: str, spellings: tuple[str, ...] = ()
) -> tuple[tuple[str, str], ...]:
    """Returns the parameters of the request with a facet value switched: off, with every
    spelling the request selected it by, when it is on; else on."""
    selected = request.selected(facet)
    new = tuple(v for v in selected if v not in spellings) if spellings else (*selected, value)
    filters = tuple((f, vs) for f, vs in request.filters if f != facet)
    if new:
        filters = (*filters, (facet, new))
    filters = tuple(sorted(filters, key=lambda fv: FACET_NAMES.index(fv[0])))
    return tuple(request.link(filters=filters))


def _exclusion(
    request: SearchRequest, facet: str, value: str, *, add: bool
) -> tuple[tuple[str, str], ...]:
    """Returns the parameters of the request with a facet value excluded, or let back in."""
    excluded = request.excluded(facet)
    new = (*excluded, value) if add else tuple(v for v in excluded if v != value)
    exclusions = tuple((f, vs) for f, vs in request.exclusions if f != facet)
    if new:
        exclusions = (*exclusions, (facet, tuple(dict.fromkeys(new))))
    exclusions = tuple(sorted(exclusions, key=lambda fv: FACET_NAMES.index(fv[0])))
    return tuple(request.link(exclusions=exclusions))


def _facet(counts: FacetCounts, request: SearchRequest, *, first_page: bool = True) -> Facet:
    """Returns a facet's values as the page shows them: by count, each with the query that
    toggles it, and (on the first page of values) the selected ones wherever they rank."""
    name = counts.name
    facet_field = FACETS_BY_NAME[name]
    selected = request.selected(name)
    # The spellings by which the request selected each value, by its merge key (two spellings
    # of one name are one value, on or off together).
    chosen: dict[str, tuple[str, ...]] = {}
    for found, spelling in zip(counts.selected, selected, strict=True):
        key = found.key or group_key(facet_field, spelling)
        chosen[key] = (*chosen.get(key, ()), spelling)
    buckets = list(counts.buckets)
    if first_page:
        shown = {b.key for b in buckets}
        for found in counts.selected:
            if found.key and found.key not in shown:
                buckets.append(found)
                shown.add(found.key)
    buckets.sort(key=lambda b: (-b.count, b.label))

    def value(bucket: Bucket) -> FacetValue:
        spellings = chosen.get(bucket.key, ())
        return FacetValue(
            value=bucket.label,
            count=bucket.count,
            selected=bool(spellings),
            toggle_params=_toggle(request, name, bucket.label, spellings),
            variants=tuple(s for s in bucket.spellings if s != bucket.label),
            exclude_params=_exclusion(request, name, bucket.label, add=True),
        )

    values = [value(b) for b in buckets]
    # A selected value the index does not hold stays visible with a zero count.
    if first_page:
        values += [
            FacetValue(b.label, 0, True, _toggle(request, name, b.label, (b.label,)))
            for b in counts.selected
            if not b.key
        ]
    excluded = tuple(
        (value, _exclusion(request, name, value, add=False)) for value in request.excluded(name)
    )
    return Facet(name, facet_field.label, tuple(values), counts.total_values, excluded)


def facet_values(
    backend: Backend,
    request: SearchRequest,
    facet: str,
    *,
    prefix: str = "",
    page: int = 1,
    config: RankingConfig = DEFAULT_RANKING,
) -> Facet:
    """Returns one page of a facet's values for the request's hits, optionally by prefix.

    Raises:
        BadRequest: the facet does not exist.
    """
    if facet not in FACETS_BY_NAME:
        raise BadRequest("facet", facet, f"facet must be one of: {', '.join(FACET_NAMES)}")
    parsed, _relaxed = read_query(backend, request, config)
    limit = min(request.facet_limit, MAX_FACET_VALUES)
    wanted = FacetRequest(facet, limit, offset=(page - 1) * limit, prefix=prefix)
    retrieval = Retrieval(parsed.node, request.as_filters(), limit=0, facets=(wanted,))
    found: Retrieved = backend.search(retrieval)
    return _facet(found.facets[0], request, first_page=page == 1 and not prefix)


def get_article(backend: Backend, article_id: str, q: str = "") -> ArticlePage:
    """Returns an article with the query's words highlighted, and articles like it.

    Raises:
        ArticleNotFound: no article has this id.
    """
    article = backend.fetch(article_id)
    if article is None:
        raise ArticleNotFound(article_id)
    parsed = parse_user_query(q, text_settings=backend.text_settings) if q else None
    terms = match_terms(backend, parsed) if parsed else MatchTerms()
    body_html, marks = highlight_body(article.body, terms)
    related = backend.more_like(article_id, RELATED_ARTICLES)
    entities = tuple((f.name, f.label, article.facet_values(f)) for f in FACETS if f.name_keys)
    return ArticlePage(article, body_html, marks, related, entities)
