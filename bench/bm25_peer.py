"""Plain Lucene-style BM25 (bm25s) as the peer bench/relevance.py measures Lantern against.

The configuration of the BM25 figures in each `$LANTERN_SHARED_DATA/ir/*/README.md`: bm25s
0.3.16, method "lucene" (Lucene's idf ln(1 + (N - df + 0.5) / (df + 0.5)) and its saturation),
title and body as one field (joined by a space), lower-cased words of two or more letters
(bm25s's default token pattern), Lucene's 33 English stop words, Porter's stemmer (PyStemmer's
"porter", the original algorithm, not Snowball's English), the top `depth` documents of each
query. Documents that hold no query word score 0 and are not retrieved, as in Lucene.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import bm25s
import numpy as np
import Stemmer

__all__ = ["LUCENE_STOP_WORDS", "Peer", "rank_bm25"]

# Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET, all 33 words; the ir READMEs name this list.
# (bm25s's "en" list is the same 33 words in 0.3.16; spelling it out keeps the peer fixed if
# bm25s changes its list.)
LUCENE_STOP_WORDS: tuple[str, ...] = tuple(
    """
    a an and are as at be but by for if in into is it no not of on or such that the their then
    there these they this to was will with
    """.split()
)


@dataclass(frozen=True, slots=True)
class Peer:
    """The peer's BM25 parameters (Lucene's defaults)."""

    k1: float = 1.2
    b: float = 0.75

    def label(self) -> str:
        """Returns the peer's name for tables."""
        return f"BM25 (bm25s lucene k1={self.k1} b={self.b})"


def rank_bm25(
    documents: Iterable[tuple[str, str, str]],
    queries: Sequence[tuple[str, str]],
    depth: int,
    peer: Peer = Peer(),
) -> dict[str, list[str]]:
    """Returns each query's top `depth` document ids under plain BM25, best first.

    Args:
        documents: (id, title, body) of every document of the collection.
        queries: (query id, text).
        depth: how many documents to return per query at most.
        peer: k1 and b.

    Returns:
        Query id -> ranked document ids (only documents that hold a query word; ties in
        corpus order).
    """
    ids: list[str] = []
    texts: list[str] = []
    for doc_id, title, body in documents:
        ids.append(doc_id)
        texts.append(f"{title} {body}")
    stemmer = Stemmer.Stemmer("porter")
    stop_words = list(LUCENE_STOP_WORDS)
    corpus_tokens = bm25s.tokenize(
        texts, stopwords=stop_words, stemmer=stemmer, show_progress=False
    )
    retriever = bm25s.BM25(k1=peer.k1, b=peer.b, method="lucene")
    retriever.index(corpus_tokens, show_progress=False)
    query_tokens = bm25s.tokenize(
        [text for _, text in queries],
        stopwords=stop_words,
        stemmer=stemmer,
        return_ids=False,
        show_progress=False,
    )
    ranked: dict[str, list[str]] = {}
    for (qid, _), tokens in zip(queries, query_tokens, strict=True):
        known = [token for token in tokens if token in retriever.vocab_dict]
        if not known:
            ranked[qid] = []
            continue
        scores = np.asarray(retriever.get_scores(known))
        order = np.argsort(-scores, kind="stable")[:depth]
        ranked[qid] = [ids[i] for i in order if scores[i] > 0]
    return ranked
