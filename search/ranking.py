"""The relevance model: BM25F over title, body and caption, tuned on bench/relevance.py."""

from __future__ import annotations

from whoosh import query as wq
from whoosh import scoring

from search.bm25f import FieldsWord, bm25_idf

# BM25's term-frequency saturation and length normalisation (see bench/README-relevance.md).
K1 = 1.2
B = 0.6
# Titles are short and every word in them counts: less length normalisation than bodies.
FIELD_B = {"title": 0.5, "caption": 0.5}


class LuceneIdfBM25F(scoring.BM25F):
    """Whoosh's per-field BM25 for the query forms FieldsWord does not cover (phrases, prefixes,
    fuzzy words, field queries), with the same idf as FieldsWord so that their scores add up on
    one scale."""

    def idf(self, searcher, fieldname, text):  # type: ignore[no-untyped-def]
        parent = searcher.get_parent()
        return bm25_idf(parent.doc_count_all(), parent.doc_frequency(fieldname, text))


def weighting() -> scoring.WeightingModel:
    """Returns the weighting model searchers use."""
    field_b = {f"{name}_B": value for name, value in FIELD_B.items()}
    return LuceneIdfBM25F(B=B, K1=K1, **field_b)


def word_query(terms: list[wq.Query], boost: float = 1.0) -> wq.Query:
    """Returns one query word's field terms (their boosts the field weights) as one BM25F word."""
    return FieldsWord(terms, boost=boost, field_b=FIELD_B, b=B, k1=K1)
