"""The archive's concept space (latent semantic indexing), fitted at build time and stored beside
the index, so that ranking can tell which articles are about what a query is about.

Words that occur in the same articles ("detained", "custody", "arrest") fall along the same
few hundred axes of a truncated SVD of the article-word matrix. Articles and queries become
vectors in that space; their cosine is a measure of topic that does not need the same words.
`search/rerank.py` blends it into the ranking of the top hits (bench/relevance.py: TIME, NPL and
SciFact each gain).

The matrix is built from the index's own postings of `title` and `body` (the stems that
search matches; a title made from the lede's first sentence is not counted again), weighted 1 + ln(tf) times ln((N + 1) / (df + 1)), one row per article,
normalised to length 1. A word of one article stays: a query naming it (a rare gene, a
village) is then placed near that article.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import svds
from whoosh.reading import IndexReader

from indexer.index.schema import ARTICLE_FIELD

logger = logging.getLogger(__name__)

# Axes of the concept space; min(this, articles - 1, words - 1) in a small archive.
DIMENSIONS = 200
# Below this many articles the space relates too little to be worth it.
MIN_ARTICLES = 20
# The words placed in the space: the most widespread, when an archive has more.
MAX_WORDS = 300_000
FIELDS = ("title", "body")
_PREFIX = "concepts-"


@dataclass(frozen=True, slots=True)
class ConceptSpace:
    """Word and article vectors of one index generation."""

    words: dict[str, int]  # stem -> row of `projection` and `idf`
    idf: np.ndarray  # (words,) float32
    projection: np.ndarray  # (words, dimensions) float32: a word's place in the space
    articles: np.ndarray  # (docnums, dimensions) float32, rows of length 1 (0 for none)

    def query_vector(self, counts: Mapping[str, int]) -> np.ndarray | None:
        """Returns the unit vector of a query's stems (stem -> times in the query), weighted
        as article rows are, or None when the space knows none of them."""
        known = [(self.words[s], n) for s, n in counts.items() if s in self.words and n > 0]
        if not known:
            return None
        rows = [row for row, _ in known]
        weights = np.array([1.0 + np.log(n) for _, n in known]) * self.idf[rows]
        vector = weights @ self.projection[rows]
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else None


def fit_concepts(reader: IndexReader, dimensions: int = DIMENSIONS) -> ConceptSpace | None:
    """Returns the concept space of the reader's articles, or None for too small an archive."""
    n_docs = reader.doc_count_all()
    if reader.doc_count() < MIN_ARTICLES:
        return None
    counts: dict[str, dict[int, float]] = {}
    # Derived titles repeat the body's first words: counted twice, they would tilt the
    # article towards its first sentence (bench/relevance.py: NPL MAP -0.003).
    repeated = {docnum for docnum, stored in reader.iter_docs() if _title_opens_body(stored)}
    for field in FIELDS:
        if field not in reader.schema:
            continue
        skip = repeated if field == "title" else set()
        for text in reader.lexicon(field):
            postings = counts.setdefault(text.decode("utf-8"), {})
            for docnum, frequency in reader.postings(field, text).items_as("frequency"):
                if docnum not in skip:
                    postings[docnum] = postings.get(docnum, 0.0) + frequency
    widest = sorted(counts, key=lambda w: -len(counts[w]))[:MAX_WORDS]
    words = {w: i for i, w in enumerate(sorted(widest))}
    k = min(dimensions, n_docs - 1, len(words) - 1)
    if k < 2:
        return None
    rows, cols, values = [], [], []
    for word, column in words.items():
        for docnum, frequency in counts[word].items():
            rows.append(docnum)
            cols.append(column)
            values.append(1.0 + np.log(frequency))
    df = np.array([len(counts[w]) for w in words], dtype=np.float64)
    idf = np.log((n_docs + 1) / (df + 1))
    matrix = sparse.csr_matrix((values, (rows, cols)), shape=(n_docs, len(words)))
    matrix = matrix @ sparse.diags(idf)
    matrix = sparse.diags(1 / _norms(matrix)) @ matrix
    # A fixed start vector: the same corpus gives the same space.
    start = np.random.default_rng(0).standard_normal(min(matrix.shape))
    u, s, vt = svds(matrix.tocsc(), k=k, v0=start)
    # A matrix of lower rank than k (a small or repetitive archive) yields axes of singular
    # value 0 whose vectors are arbitrary: they would place every word at random.
    kept = s > s.max() * 1e-6
    u, s, vt = u[:, kept], s[kept], vt[kept]
    articles = u * s
    articles /= np.maximum(np.linalg.norm(articles, axis=1, keepdims=True), 1e-12)
    return ConceptSpace(
        words,
        idf.astype(np.float32),
        np.ascontiguousarray(vt.T, dtype=np.float32),
        articles.astype(np.float32),
    )


def _title_opens_body(stored: dict[str, Any]) -> bool:
    """Returns whether the title is the body's first words (a title derived from the lede)."""
    article = stored.get(ARTICLE_FIELD) or {}
    title = (article.get("title") or "").removesuffix(" …").rstrip(",;:. ")
    body = article.get("body") or ""
    # A dateline ("ALMATY, Kazakhstan --") may stand before the sentence the title came from.
    return bool(title) and title in body[: len(title) + 80]


def _norms(matrix: sparse.csr_matrix) -> np.ndarray:
    squares = np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()
    return np.maximum(np.sqrt(squares), 1e-12)


def write_concepts(index_dir: Path, generation: int, space: ConceptSpace | None) -> None:
    """Stores the space of an index generation (atomically) and removes older ones."""
    if space is not None:
        staging = Path(tempfile.mkdtemp(dir=index_dir, prefix=".concepts-"))
        try:
            (staging / "words.json").write_text(json.dumps(list(space.words)), encoding="utf-8")
            np.save(staging / "idf.npy", space.idf)
            np.save(staging / "projection.npy", space.projection)
            np.save(staging / "articles.npy", space.articles)
            os.replace(staging, index_dir / f"{_PREFIX}{generation}")
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    for old in index_dir.glob(f"{_PREFIX}*"):
        if old.name != f"{_PREFIX}{generation}":
            shutil.rmtree(old, ignore_errors=True)


def read_concepts(index_dir: Path, generation: int) -> ConceptSpace | None:
    """Returns the stored space of an index generation, or None when it has none."""
    folder = index_dir / f"{_PREFIX}{generation}"
    if not folder.is_dir():
        return None
    try:
        words = json.loads((folder / "words.json").read_text(encoding="utf-8"))
        space = ConceptSpace(
            {w: i for i, w in enumerate(words)},
            np.load(folder / "idf.npy"),
            np.load(folder / "projection.npy", mmap_mode="r"),
            np.load(folder / "articles.npy", mmap_mode="r"),
        )
    except (OSError, ValueError) as err:
        logger.warning("cannot read the concept space in %s: %s", folder, err)
        return None
    if space.projection.shape[0] != len(words) or space.idf.shape[0] != len(words):
        logger.warning("the concept space in %s is inconsistent; ranking goes without", folder)
        return None
    return space
