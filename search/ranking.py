"""The relevance model: BM25F with per-field length normalisation, tuned on bench/relevance.py."""

from __future__ import annotations

from whoosh import scoring

# BM25's term-frequency saturation and length normalisation. Whoosh's defaults are K1=1.2,
# B=0.75; bench/relevance.py found the K1/B grid flat within 0.01 except for B=0.6, which
# gained NPL MAP 0.006 without losing elsewhere (see the README's table).
K1 = 1.2
B = 0.6
# Titles are short and every word in them counts: less length normalisation than bodies.
FIELD_B = {"title": 0.5, "caption": 0.5}


def weighting() -> scoring.WeightingModel:
    """Returns the weighting model searchers use."""
    field_b = {f"{name}_B": value for name, value in FIELD_B.items()}
    return scoring.BM25F(B=B, K1=K1, **field_b)
