"""The top hits re-ranked by topic: the BM25F score blended with the concept-space cosine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from analysis.tokens import DEFAULT_SETTINGS, TextSettings, text_tokens
from search.ranking import RankingConfig

Key = TypeVar("Key")
Vectors = Callable[[list[Key]], npt.NDArray[np.float32]]


def query_counts(
    text: str, stems: frozenset[str], settings: TextSettings = DEFAULT_SETTINGS
) -> dict[str, int]:
    """Returns how often each of the query's matched stems occurs in its text (at least once).

    `stems` are what the parsed query matches (excluded words are not among them); the text
    gives their counts, as an article's text gives its words' counts.
    """
    counts = dict.fromkeys(stems, 0)
    for token in text_tokens(text, mode="query", settings=settings):
        if token.text in counts:
            counts[token.text] += 1
    return {stem: max(n, 1) for stem, n in counts.items()}


def rerank(
    scored: Sequence[tuple[Key, float]],
    vectors: Vectors[Key],
    query: npt.NDArray[np.float32] | None,
    config: RankingConfig,
) -> list[tuple[Key, float]]:
    """Returns (key, score) best first: the top `config.rerank_depth` by the blend, then the rest.

    Scores become score / best score (+ concept_weight x cosine in the top hits, a negative
    cosine counting 0), so that they still fall from the first hit to the last.

    Args:
        scored: (hit key, BM25F score), best first, as the backend ranked them.
        vectors: the unit concept vectors of a list of hit keys, one row each.
        query: the query's unit vector in the same space; None leaves the order as it is.
        config: the ranking settings (weight and depth of the blend).
    """
    head = list(scored[: config.rerank_depth])
    best = head[0][1] if head else 0.0
    if query is None or best <= 0:
        return list(scored)
    rows = vectors([key for key, _ in head])
    cosines = np.maximum(np.asarray(rows @ query, dtype=np.float64), 0.0)
    blended = [
        (key, score / best + config.concept_weight * float(cosine))
        for (key, score), cosine in zip(head, cosines, strict=True)
    ]
    blended.sort(key=lambda pair: -pair[1])
    return blended + [(key, score / best) for key, score in scored[config.rerank_depth :]]
