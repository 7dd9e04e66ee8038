"""RankingConfig: every setting of the relevance model, in one object that the engine, the
backends and the benchmarks pass around (benchmarks vary it; nothing patches constants)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RankingConfig:
    """How hits are scored and re-ranked. The defaults were tuned on bench/relevance.py."""

    # BM25's term-frequency saturation and length normalisation (bench/README-relevance.md).
    k1: float = 1.2
    b: float = 0.6
    # Titles are short and every word in them counts: less length normalisation than bodies.
    field_b: dict[str, float] = field(default_factory=lambda: {"title": 0.5, "caption": 0.5})
    # A word's weight in each text field. A title weight of 0.5 beat 1.0 and 2.5 on all three
    # collections (TIME nDCG@10 +0.12, SciFact +0.06, NPL MAP +0.02 against 2.5): title words
    # usually recur in the body, so they count twice already.
    field_weights: dict[str, float] = field(
        default_factory=lambda: {"title": 0.5, "body": 1.0, "caption": 0.6}
    )
    # A word also matches the other romanizations of a name, scored beside it at this weight:
    # variants at 0.35 rather than 0.7 cost SciFact 0.005 instead of 0.016 nDCG@10.
    name_variant_boost: float = 0.35
    # The top hits re-ranked by topic: score / best score + concept_weight x cosine in the
    # concept space (0 turns re-ranking off). At 0.3 against none, TIME, NPL and SciFact gain.
    concept_weight: float = 0.3
    rerank_depth: int = 100
    # At most this many distinct words of a query are scored: its rarest (the engine says which
    # were left out). Every word of a pasted paragraph is read; this bounds what it costs.
    max_query_words: int = 64
    # A wildcard or fuzzy word matches at most this many index words in each field (its most
    # frequent there), in matching and highlighting alike.
    max_expansions: int = 256

    def b_for(self, field_name: str) -> float:
        """Returns the length normalisation of a field."""
        return self.field_b.get(field_name, self.b)

    def __hash__(self) -> int:
        return hash(
            (
                self.k1,
                self.b,
                tuple(sorted(self.field_b.items())),
                tuple(sorted(self.field_weights.items())),
                self.name_variant_boost,
                self.concept_weight,
                self.rerank_depth,
                self.max_query_words,
                self.max_expansions,
            )
        )


DEFAULT_RANKING = RankingConfig()
