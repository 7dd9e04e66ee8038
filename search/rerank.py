"""The top hits re-ranked by topic: BM25F's score blended with the concept-space cosine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
from whoosh.analysis import Analyzer

from indexer.index.concepts import ConceptSpace
from indexer.index.schema import text_analyzer

# The hits re-ranked, best first; the rest keep BM25F's order below them.
RERANK_DEPTH = 100
# score / best score + CONCEPT_WEIGHT x cosine. bench/relevance.py (match=any) at 0.3 against
# none: TIME, NPL and SciFact all gain; README-relevance.md has the grid.
CONCEPT_WEIGHT = 0.3


def query_counts(text: str, stems: frozenset[str]) -> dict[str, int]:
    """Returns how often each of the query's matched stems occurs in its text (at least once).

    `stems` are what the parsed query matches (negated words are not among them); the text
    gives their counts, as an article's text gives its words' counts.
    """
    counts = dict.fromkeys(stems, 0)
    for token in _analyzer()(text):
        if token.text in counts:
            counts[token.text] += 1
    return {stem: max(n, 1) for stem, n in counts.items()}


@lru_cache(maxsize=1)
def _analyzer() -> Analyzer:
    return text_analyzer()


def rerank(
    scored: Sequence[tuple[int, float]], query: Mapping[str, int], space: ConceptSpace | None
) -> list[tuple[int, float]]:
    """Returns (docnum, score) best first: the top RERANK_DEPTH by the blend, then the rest.

    Scores become score / best score (+ CONCEPT_WEIGHT x cosine in the top hits, a negative
    cosine counting 0), so that they still fall from the first hit to the last.

    Args:
        scored: (docnum, BM25F score), best first, as the searcher ranked them.
        query: the query's stems and their counts (`query_counts`).
        space: the index generation's concept space; None leaves the order as it is.
    """
    head = list(scored[:RERANK_DEPTH])
    vector = space.query_vector(query) if space is not None and head else None
    best = head[0][1] if head else 0.0
    if vector is None or space is None or best <= 0:
        return list(scored)
    docnums = np.fromiter((d for d, _ in head), dtype=np.int64, count=len(head))
    cosines = np.maximum(np.asarray(space.articles[docnums] @ vector, dtype=np.float64), 0.0)
    blended = [
        (docnum, score / best + CONCEPT_WEIGHT * float(cosine))
        for (docnum, score), cosine in zip(head, cosines, strict=True)
    ]
    blended.sort(key=lambda pair: -pair[1])
    return blended + [(docnum, score / best) for docnum, score in scored[RERANK_DEPTH:]]
