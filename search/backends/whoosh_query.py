"""The query form (search/syntax.py) compiled to a Whoosh query: every word analysed by the one
analysis, a bare word scored over the text fields by BM25F and matched in its name variants."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from whoosh import query as wq

from analysis.folding import fold
from analysis.tokens import DEFAULT_SETTINGS, TextSettings
from catalogue import NAMES_FIELD, QUERY_FIELDS, TEXT_FIELDS
from search.backends.whoosh_bm25f import word_query
from search.query import analysed_terms, query_name_keys
from search.ranking import RankingConfig
from search.syntax import Bool, Everything, Fuzzy, Node, Pattern, Phrase, Word

# Whoosh's fuzzy terms keep this many first letters (a typo rarely starts a word).
FUZZY_PREFIX = 1
# (node, index field) -> the index terms a wildcard or fuzzy word matches there, bounded.
Expander = Callable[[Pattern | Fuzzy, str], list[str]]


@dataclass(frozen=True, slots=True)
class Compiling:
    """What compiling needs: the ranking settings, and how to expand wildcards and fuzzy words
    within bounds (without an expander, Whoosh expands them without bound)."""

    config: RankingConfig
    expand: Expander | None = None
    text: TextSettings = DEFAULT_SETTINGS  # the title/body analysis the index was built with


def compile_query(
    node: Node,
    config: RankingConfig,
    expand: Expander | None = None,
    text: TextSettings = DEFAULT_SETTINGS,
) -> wq.Query:
    """Returns the Whoosh query of a query form (NullQuery when it matches nothing)."""
    return _compile(node, Compiling(config, expand, text))


def _compile(node: Node, ctx: Compiling) -> wq.Query:
    if isinstance(node, Bool):
        return _bool(node, ctx)
    if isinstance(node, Everything):
        return wq.Every()
    if isinstance(node, Word):
        return _word(node, ctx)
    if isinstance(node, Phrase):
        return _phrase(node, ctx)
    return _multiterm(node, ctx)


def _bool(node: Bool, ctx: Compiling) -> wq.Query:
    must = _compiled(node.must, ctx)
    should = _compiled(node.should, ctx)
    must_not = _compiled(node.must_not, ctx)
    if node.must and not must:
        return wq.NullQuery  # a required clause that can match nothing
    positive: wq.Query | None = None
    if must:
        positive = must[0] if len(must) == 1 else wq.And(must)
    if should:
        optional = should[0] if len(should) == 1 else wq.Or(should)
        positive = wq.AndMaybe(positive, optional) if positive is not None else optional
    if positive is None:
        if node.should or not node.must_not:
            return wq.NullQuery  # its optional words match nothing: neither does it
        positive = wq.Every()  # only exclusions: every article but those
    if must_not:
        excluded = must_not[0] if len(must_not) == 1 else wq.Or(must_not)
        return wq.AndNot(positive, excluded)
    return positive


def _compiled(nodes: tuple[Node, ...], ctx: Compiling) -> list[wq.Query]:
    queries = (_compile(n, ctx) for n in nodes)
    return [q for q in queries if q is not wq.NullQuery]


def _analysed(text: str, field_name: str | None, settings: TextSettings) -> list[str]:
    """Returns the terms a query field's analysis (the text fields' when None) makes of text."""
    analysis = QUERY_FIELDS[field_name].analysis if field_name else "text"
    return analysed_terms(text, analysis, settings)


def _word(node: Word, ctx: Compiling) -> wq.Query:
    if node.field is not None:
        index_field = QUERY_FIELDS[node.field].index_field
        terms = [wq.Term(index_field, t) for t in _analysed(node.text, node.field, ctx.text)]
        return _all(terms)
    words = [
        word_query(
            [wq.Term(f, stem, boost=ctx.config.field_weights.get(f, 1.0)) for f in TEXT_FIELDS],
            ctx.config,
        )
        for stem in _analysed(node.text, None, ctx.text)
    ]
    text = words[0] if len(words) == 1 else _all(words)
    # The word may be a name: its other romanizations score beside it, on their own (a name
    # in any spelling weighs a little more than the word; bench/relevance.py: TIME +0.018,
    # SciFact +0.004 against one BM25F sum).
    keys = query_name_keys(node.text)
    if not keys:
        return text
    variants = wq.Term(NAMES_FIELD, keys[0], boost=ctx.config.name_variant_boost)
    return variants if text is wq.NullQuery else wq.Or([text, variants])


def _all(queries: list[wq.Query]) -> wq.Query:
    if not queries:
        return wq.NullQuery
    return queries[0] if len(queries) == 1 else wq.And(queries)


def _phrase(node: Phrase, ctx: Compiling) -> wq.Query:
    text = " ".join(node.words)
    if node.field is not None:
        index_field = QUERY_FIELDS[node.field].index_field
        if QUERY_FIELDS[node.field].analysis == "keyword":
            return wq.Term(index_field, text)
        return _phrase_of(index_field, _analysed(text, node.field, ctx.text), 1.0)
    stems = _analysed(text, None, ctx.text)
    if len(stems) == 1:  # the other words were stop words: one word, scored as one
        word = next(w for w in node.words if _analysed(w, None, ctx.text))
        return _word(Word(word), ctx)
    alternatives = [
        _phrase_of(f, stems, ctx.config.field_weights.get(f, 1.0)) for f in TEXT_FIELDS if stems
    ]
    # A phrase of names also matches its other romanizations ("Serikzhan Bilashuly").
    keys = [query_name_keys(w) for w in node.words]
    if len(keys) > 1 and all(keys):
        alternatives.append(
            _phrase_of(NAMES_FIELD, [k[0] for k in keys], ctx.config.name_variant_boost)
        )
    alternatives = [q for q in alternatives if q is not wq.NullQuery]
    if not alternatives:
        return wq.NullQuery
    return alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives)


def _phrase_of(index_field: str, terms: list[str], boost: float) -> wq.Query:
    if not terms:
        return wq.NullQuery
    if len(terms) == 1:
        return wq.Term(index_field, terms[0], boost=boost)
    return wq.Phrase(index_field, terms, boost=boost)


def pattern_fields(node: Pattern | Fuzzy) -> list[str]:
    """Returns the index fields a wildcard or fuzzy word searches."""
    if node.field is None:
        return list(TEXT_FIELDS)
    return [QUERY_FIELDS[node.field].index_field]


def _multiterm(node: Pattern | Fuzzy, ctx: Compiling) -> wq.Query:
    queries: list[wq.Query] = []
    for index_field in pattern_fields(node):
        boost = ctx.config.field_weights.get(index_field, 1.0)
        if ctx.expand is None:
            queries.append(multiterm_query(node, index_field, boost, ctx.text))
            continue
        terms = [wq.Term(index_field, t, boost=boost) for t in ctx.expand(node, index_field)]
        if terms:
            queries.append(terms[0] if len(terms) == 1 else wq.Or(terms))
    if not queries:
        return wq.NullQuery
    return queries[0] if len(queries) == 1 else wq.Or(queries)


def multiterm_query(
    node: Pattern | Fuzzy,
    index_field: str,
    boost: float = 1.0,
    text: TextSettings = DEFAULT_SETTINGS,
) -> wq.Query:
    """Returns the Whoosh wildcard or fuzzy query of a node in one index field."""
    if isinstance(node, Pattern):
        folded = fold(node.text)
        if folded.endswith("*") and not any(c in folded[:-1] for c in "*?"):
            return wq.Prefix(index_field, folded[:-1], boost=boost)
        return wq.Wildcard(index_field, folded, boost=boost)
    stems = _analysed(node.text, node.field, text)
    word = stems[0] if stems else fold(node.text)
    return wq.FuzzyTerm(
        index_field, word, boost=boost, maxdist=node.distance, prefixlength=FUZZY_PREFIX
    )
