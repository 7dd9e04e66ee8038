"""The archive's concept space (latent semantic indexing), fitted at build time and stored beside
the index, so that ranking can tell which articles are about what a query is about.

Words that occur in the same articles ("detained", "custody", "arrest") fall along the same
few hundred axes of a truncated SVD of the article-word matrix. Articles and queries become
vectors in that space; their cosine is a measure of topic that does not need the same words.
`search/rerank.py` blends it into the ranking of the top hits (bench/relevance.py: TIME, NPL and
SciFact each gain).

A space is fitted on one generation (`fit_concepts`) and keyed by article id. An update between
fits places its new articles in the space by folding them in (their weighted word vector
projected on the fitted axes: what the SVD itself does to a fitted row), so that an update never
waits for a fit; `indexer.index.update` fits anew when the archive has grown or shrunk by a
tenth since the last fit.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from whoosh.reading import IndexReader

from analysis.tokens import TextSettings, text_tokens
from catalogue import Article
from indexer.index.postings import field_postings
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
# A fit sees at most this many articles (an even sample): the rest are placed by their words, as
# an update places new articles, and the fit's cost stops growing with the archive.
FIT_SAMPLE = 50_000
# A space is fitted anew when the archive's size has moved this far from the size it was fitted on.
REFIT_CHANGE = 0.1


@dataclass(frozen=True, slots=True)
class ConceptSpace:
    """Word and article vectors of the archive, the articles keyed by id."""

    words: dict[str, int]  # stem -> row of `projection` and `idf`
    idf: np.ndarray  # (words,) float32
    projection: np.ndarray  # (words, dimensions) float32: a word's place in the space
    articles: np.ndarray  # (ids, dimensions) float32, rows of length 1 (0 for none)
    ids: tuple[str, ...]  # the article of each row of `articles`
    fitted_on: int  # how many articles the fit saw
    generation: int = -1  # the index generation it was stored for (-1: not stored yet)
    _row: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_row", {article_id: i for i, article_id in enumerate(self.ids)})

    def rows_of(self, ids: list[str]) -> np.ndarray:
        """Returns the row of each id in `articles`, -1 for an article the space lacks."""
        return np.array([self._row.get(article_id, -1) for article_id in ids], dtype=np.int64)

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """Returns the article vectors of `rows` (from rows_of): zeros where the row is -1."""
        out = np.zeros((len(rows), self.articles.shape[1]), dtype=np.float32)
        known = rows >= 0
        out[known] = self.articles[rows[known]]
        return out

    def fold_in(self, article: Article, settings: TextSettings) -> np.ndarray:
        """Returns an article's unit vector from its words, as a fitted row would place it."""
        counts: dict[str, int] = {}
        opens = _title_opens_body({"title": article.title, "body": article.body})
        for text in [article.body] if opens else [article.title, article.body]:
            for token in text_tokens(text, settings=settings):
                counts[token.text] = counts.get(token.text, 0) + 1
        known = [(self.words[w], n) for w, n in counts.items() if w in self.words]
        vector = np.zeros(self.projection.shape[1], dtype=np.float32)
        if not known:
            return vector
        rows = [row for row, _ in known]
        weights = (1.0 + np.log([n for _, n in known])) * self.idf[rows]
        vector = (weights @ self.projection[rows]).astype(np.float32)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def updated(self, removed: set[str], added: dict[str, np.ndarray]) -> ConceptSpace:
        """Returns the space with the articles of `removed` and `added` ids taken out and the
        vectors of `added` put in."""
        keep = [i for i, article_id in enumerate(self.ids) if article_id not in removed]
        keep_ids = [self.ids[i] for i in keep if self.ids[i] not in added]
        keep_rows = [i for i in keep if self.ids[i] not in added]
        parts = [np.asarray(self.articles[keep_rows], dtype=np.float32)]
        if added:
            parts.append(np.stack(list(added.values())).astype(np.float32))
        return ConceptSpace(
            self.words,
            self.idf,
            self.projection,
            np.concatenate(parts) if parts else self.articles[:0],
            (*keep_ids, *added),
            self.fitted_on,
        )

    def stale(self, articles: int) -> bool:
        """Returns whether the archive has moved far enough from the fitted size to refit."""
        return abs(articles - self.fitted_on) > REFIT_CHANGE * max(self.fitted_on, 1)

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
    if reader.doc_count() < MIN_ARTICLES:
        return None
    # One row per live article (an update leaves deleted documents in the segments until they
    # are merged away): -1 for the others.
    row_of = np.full(reader.doc_count_all(), -1, dtype=np.int64)
    ids: list[str] = []
    repeated: list[int] = []
    for docnum, stored in reader.iter_docs():
        row_of[docnum] = len(ids)
        ids.append(stored["id"])
        # Derived titles repeat the body's first words: counted twice, they would tilt the
        # article towards its first sentence (bench/relevance.py: NPL MAP -0.003).
        if _title_opens_body(stored.get(ARTICLE_FIELD) or {}):
            repeated.append(docnum)
    n_docs = len(ids)
    columns: dict[bytes, int] = {}
    rows, cols, frequencies = [], [], []
    for name in FIELDS:
        if name not in reader.schema:
            continue
        rows_here = row_of.copy()
        if name == "title":
            rows_here[repeated] = -1
        for btext, docnums, weights in field_postings(reader, name):
            row = rows_here[docnums]
            live = row >= 0
            rows.append(row[live])
            cols.append(np.full(int(live.sum()), columns.setdefault(btext, len(columns))))
            frequencies.append(weights[live])
    # Summed over fields and segments: one (article, word) entry with its frequency.
    found = sparse.csc_matrix(
        (
            np.concatenate(frequencies).astype(np.float64),
            (np.concatenate(rows), np.concatenate(cols)),
        ),
        shape=(n_docs, len(columns)),
    )
    spread = np.diff(found.indptr)  # articles holding each word
    widest = sorted((-spread[column], btext) for btext, column in columns.items() if spread[column])
    chosen = sorted(btext for _, btext in widest[:MAX_WORDS])
    k = min(dimensions, min(n_docs, FIT_SAMPLE) - 1, len(chosen) - 1)
    if k < 2:
        return None
    words = {btext.decode("utf-8"): i for i, btext in enumerate(chosen)}
    matrix = found[:, [columns[btext] for btext in chosen]].tocsr()
    df = np.diff(matrix.tocsc().indptr).astype(np.float64)
    idf = np.log((n_docs + 1) / (df + 1))
    matrix.data = 1.0 + np.log(matrix.data)
    matrix = matrix @ sparse.diags(idf)
    matrix = sparse.diags(1 / _norms(matrix)) @ matrix
    s, vt = _top_axes(_fitting_rows(matrix), k)
    # A matrix of lower rank than k (a small or repetitive archive) yields axes of singular
    # value 0 whose vectors are arbitrary: they would place every word at random.
    vt = vt[s > s.max() * 1e-6]
    # Each article's place is its row on the axes (what U * S is for a fitted row): the rows
    # left out of a sampled fit are folded in exactly as the fitted ones.
    articles = np.asarray(matrix @ vt.T.astype(np.float64))
    articles /= np.maximum(np.linalg.norm(articles, axis=1, keepdims=True), 1e-12)
    return ConceptSpace(
        words,
        idf.astype(np.float32),
        np.ascontiguousarray(vt.T, dtype=np.float32),
        articles.astype(np.float32),
        tuple(ids),
        n_docs,
    )


def _fitting_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Returns the rows the axes are fitted on: every row, or an even sample of FIT_SAMPLE of a
    larger archive (its axes are the same topics; the cost of a fit then stops growing)."""
    if matrix.shape[0] <= FIT_SAMPLE:
        return matrix
    chosen = np.random.default_rng(0).choice(matrix.shape[0], FIT_SAMPLE, replace=False)
    return matrix[np.sort(chosen)]


def _top_axes(matrix: sparse.csr_matrix, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Returns the k largest singular values of a sparse matrix and their right singular
    vectors (k x columns), exact, from a fixed start: the same archive gives the same space.

    PROPACK (scipy's `svds(solver="propack")`) found the same 200 values as ARPACK (to 1e-13)
    at 20,000 articles in 5 s where ARPACK took 9.5; ARPACK stands in for a SciPy without it.
    BLAS runs on one thread: OpenBLAS's threads wait for each other by spinning, and a fit
    shares the machine with the web workers (under load one thread fitted 20,000 articles in
    10 s, two took 50 s). A randomized SVD (Halko et al.) was tried too: its last axes differ,
    and the ranking moved with them (bench/relevance.py: SciFact and MED nDCG@10 -0.0025 to
    +0.0005 by oversampling and passes)."""
    from scipy.sparse.linalg import svds  # a quarter second to import: fits are rare
    from threadpoolctl import threadpool_limits

    start = np.random.default_rng(0).standard_normal(matrix.shape[0])
    with threadpool_limits(limits=1, user_api="blas"):
        try:
            _, values, vt = svds(matrix, k=k, v0=start, solver="propack")
        except ValueError:  # a SciPy built without PROPACK
            _, values, vt = svds(matrix.tocsc(), k=k, v0=start[: min(matrix.shape)])
    order = np.argsort(-values)
    return values[order], vt[order]


def _title_opens_body(article: dict[str, Any]) -> bool:
    """Returns whether the title is the body's first words (a title derived from the lede)."""
    title = (article.get("title") or "").removesuffix(" …").rstrip(",;:. ")
    body = article.get("body") or ""
    # A dateline ("ALMATY, Kazakhstan --") may stand before the sentence the title came from.
    return bool(title) and title in body[: len(title) + 80]


def _norms(matrix: sparse.csr_matrix) -> np.ndarray:
    squares = np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()
    return np.maximum(np.sqrt(squares), 1e-12)


def write_concepts(index_dir: Path, generation: int, space: ConceptSpace | None) -> None:
    """Stores the space of an index generation (atomically) and removes those of generations
    before the one it replaces; words, idf and projection are shared with the space it was
    updated from (hard links) when they are the same arrays."""
    target = index_dir / f"{_PREFIX}{generation}"
    if space is not None:
        staging = Path(tempfile.mkdtemp(dir=index_dir, prefix=".concepts-"))
        try:
            source = getattr(space.projection, "filename", None)
            if source is not None and Path(source).parent.is_dir():
                for name in ("words.json", "idf.npy", "projection.npy"):
                    os.link(Path(source).parent / name, staging / name)
            else:
                (staging / "words.json").write_text(json.dumps(list(space.words)), "utf-8")
                np.save(staging / "idf.npy", space.idf)
                np.save(staging / "projection.npy", space.projection)
            np.save(staging / "articles.npy", np.asarray(space.articles, dtype=np.float32))
            meta = {"ids": list(space.ids), "fitted_on": space.fitted_on}
            (staging / "articles.json").write_text(json.dumps(meta), encoding="utf-8")
            shutil.rmtree(target, ignore_errors=True)
            os.replace(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    # Searchers still on an older generation use the newest space at or before it: keep the
    # space this one replaces (a searcher may still be reading it), drop the ones before.
    older = sorted(g for g in _generations(index_dir) if g < generation)
    for old in older[:-1]:
        shutil.rmtree(index_dir / f"{_PREFIX}{old}", ignore_errors=True)


def _generations(index_dir: Path) -> list[int]:
    found = []
    for folder in index_dir.glob(f"{_PREFIX}*"):
        tail = folder.name.removeprefix(_PREFIX)
        if tail.isdigit():
            found.append(int(tail))
    return found


def has_space(index_dir: Path, generation: int) -> bool:
    """Returns whether a space was stored for exactly this generation."""
    return (index_dir / f"{_PREFIX}{generation}").is_dir()


def read_concepts(index_dir: Path, generation: int) -> ConceptSpace | None:
    """Returns the newest stored space at or before an index generation, or None.

    An update writes its generation's space before it commits; a fit writes after its commit.
    Either way a space of an earlier generation still serves: it is keyed by article id, and an
    article it lacks only goes without its concept term.
    """
    candidates = [g for g in _generations(index_dir) if g <= generation]
    if not candidates:
        return None
    folder = index_dir / f"{_PREFIX}{max(candidates)}"
    try:
        words = json.loads((folder / "words.json").read_text(encoding="utf-8"))
        meta = json.loads((folder / "articles.json").read_text(encoding="utf-8"))
        space = ConceptSpace(
            {w: i for i, w in enumerate(words)},
            np.load(folder / "idf.npy"),
            np.load(folder / "projection.npy", mmap_mode="r"),
            np.load(folder / "articles.npy", mmap_mode="r"),
            tuple(meta["ids"]),
            int(meta["fitted_on"]),
            max(candidates),
        )
    except (OSError, ValueError, KeyError, TypeError) as err:
        logger.warning("cannot read the concept space in %s: %s", folder, err)
        return None
    consistent = space.projection.shape[0] == len(words) == space.idf.shape[
        0
    ] and space.articles.shape[0] == len(space.ids)
    if not consistent:
        logger.warning("the concept space in %s is inconsistent; ranking goes without", folder)
        return None
    return space
