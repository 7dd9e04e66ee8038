"""Ranking quality on five IR test collections: nDCG@10 and MAP beside plain BM25 in the same run.

Usage (from the repo root):

    python bench/relevance.py                              # the defaults, both match modes
    python bench/relevance.py --collection scifact --limit-queries 50
    python bench/relevance.py --k1 0.9,1.2,1.5 --b 0.4,0.75 --match any --jobs 2   # a grid
    python bench/relevance.py --k1 0.9,1.2,1.5 --match any --loo  # settings chosen held-out
    python bench/relevance.py --index-dir /tmp/lantern-ir  # keep the indexes between runs

Each collection of $LANTERN_SHARED_DATA/ir (default ../shared/data/ir beside the repo; TIME, NPL,
SciFact, MED and Cranfield) is written as one JSON Lines file (id, title, body) into a temporary
corpus folder and indexed by our own `indexer.index.writer.build_index`, so titles, duplicates
and analysis are what a real build gives. Every query is then run through our own query reading
and ranking, and the top 1000 are scored with trec_eval's semantics (the ir README defines
them):

- nDCG@10: binary gains, DCG = sum rel_i / log2(i + 1), the ideal ranking built from every
  judged-relevant document;
- MAP: AP over the top 1000, (1/R) * sum of P@k at the ranks k of relevant documents,
  R = the number of relevant documents in the qrels.

Documents are scored in the engine's order (trec_eval would reorder equal scores by docno).

Merged duplicates. The build merges near-identical documents (NPL's 3 repeats) and the article
that stands for them lists their ids in `Article.duplicates`. Those lists are read once per
build from the index (`WhooshSource(path).current()`, every stored article through
`indexer.index.schema.from_stored`), and each ranked list is expanded with an article's merged
copies right after it, then cut at 1000, before scoring: a merged copy counts as found where the
article that stands for it is found.

The peer. Plain Lucene-style BM25 runs in the same process on the same corpus files and is
scored by the same metric code: bm25s, method "lucene", k1 1.2, b 0.75, title and body as one
field, Porter stems (PyStemmer's "porter"), Lucene's 33 English stop words, top 1000
(`bench/bm25_peer.py`, the configuration of the ir READMEs' BM25 figures). Each table prints
Lantern beside it: nDCG@10 and MAP, the difference, and a paired 95% interval of the per-query
differences (mean +- t(0.975, n - 1) standard errors). The published BM25 baselines of TIME,
NPL and SciFact are printed as before.

How queries run. `--engine fast` (default) calls `search.engine.ranked_ids`: the engine's own
query reading, any-word fallback (match=all, no document holding every word) and ranking, the
ranking that `run_search` pages through, without rendering a page. Paging run_search ten times
at per_page=100 costs 0.3-5 s a query here (each page re-runs the query, the facets, snippets
for 100 hits and the spelling suggestion), 20-100x more. `--check N` runs the first N queries of
every collection both ways and prints how many top-1000 lists agree exactly; `--engine paged`
uses run_search for every query.

Settings are tried without editing search/ or indexer/ and without patching anything: each
setting is a `search.ranking.RankingConfig`, `dataclasses.replace(DEFAULT_RANKING, ...)` with
the flags given (k1, b, field_b["title"], field_weights["title"/"body"], name_variant_boost,
concept_weight, max_query_words), passed to the backend (`WhooshSource(index, config)`) and to
the engine; `--query-form` changes the text sent. A flag left out keeps DEFAULT_RANKING's value,
which is printed. Flags take comma-separated lists; the grid is their product, spread over
`--jobs` processes; `--one-axis` varies one flag at a time around the defaults instead.
`--vs-defaults` adds the defaults and prints each setting's paired per-query difference from
them with a 95% interval.

`--loo` chooses settings leave-one-collection-out: for each collection, the setting of the grid
with the best mean, over the other collections, of the absolute difference Lantern nDCG@10 -
BM25 nDCG@10 (not the relative gain: the collections' nDCG@10 run from 0.38 to 0.77 and a
relative gain would weigh Cranfield's points twice TIME's), and that setting's numbers on the
held-out collection beside BM25's. No number in that table was seen when its setting was chosen.

Not here any more (the settings are gone or cannot be passed): the unstemmed-spelling clause
(`--exact-boost`) and the OrGroup coordination factor (`--or-scale`), which the refactored
query compiler no longer has; and the build variants (`--titles empty`, `--stopwords
lucene|none`), which patched the indexer when `build_index` took no
`analysis.tokens.TextSettings` (it does since commit 6e562ca; this bench passes none yet).
Their numbers in bench/README-relevance.md were measured with the code before the refactor
(commit 6ac198f).
Findings so far: bench/README-relevance.md. Prints numbers and asserts nothing; progress goes
to stderr.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import itertools
import json
import logging
import math
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, cast

from scipy.stats import t as student_t

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.bm25_peer import Peer, rank_bm25  # noqa: E402
from bench.shared import shared_data_dir  # noqa: E402
from indexer.index.schema import from_stored  # noqa: E402
from indexer.index.update import build_index  # noqa: E402
from search.backends.whoosh import WhooshBackend, WhooshSource  # noqa: E402
from search.engine import ranked_ids, run_search  # noqa: E402
from search.models import SearchRequest  # noqa: E402
from search.query import Match  # noqa: E402
from search.ranking import DEFAULT_RANKING, RankingConfig  # noqa: E402

COLLECTIONS = ("time", "npl", "scifact", "med", "cran")
DEPTH = 1000
PER_PAGE = 100
# Cached indexes are reused while the code that makes them is unchanged.
BUILD_CODE = ("analysis", "catalogue", "indexer")


@dataclass(frozen=True, slots=True)
class Baseline:
    """A collection's published (or reference) BM25 number and the goal it set (TIME, NPL and
    SciFact; MED and Cranfield have none, only the peer run beside them)."""

    metric: str  # "ndcg10" or "map"
    value: float
    goal: float
    source: str


BASELINES = {
    "time": Baseline("ndcg10", 0.7443, 0.76, "plain BM25 k1=1.2 b=0.75 (ir/time/README, ours)"),
    "npl": Baseline("map", 0.2965, 0.30, "Terrier BM25 (PyTerrier notebook)"),
    "scifact": Baseline("ndcg10", 0.6789, 0.69, "Anserini BM25 flat"),
}
METRIC_NAMES = {"ndcg10": "nDCG@10", "map": "MAP"}


# --- data -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Collection:
    """One test collection: where its corpus is, its queries and its judgments."""

    name: str
    corpus_path: Path
    queries: tuple[tuple[str, str], ...]  # (query id, text)
    qrels: dict[str, frozenset[str]]  # query id -> relevant doc ids


def load_collection(name: str, limit_queries: int | None) -> Collection:
    """Returns a collection's queries and judgments (the corpus is read when indexing)."""
    folder = shared_data_dir() / "ir" / name
    qrels: dict[str, set[str]] = {}
    with open(folder / "qrels.tsv", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                qid, doc, rel = line.split("\t")
                if int(rel) > 0:
                    qrels.setdefault(qid, set()).add(doc)
    queries = []
    with open(folder / "queries.jsonl", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record["id"] in qrels:
                queries.append((record["id"], record["text"]))
    if limit_queries:
        queries = queries[:limit_queries]
    frozen = {q: frozenset(d) for q, d in qrels.items()}
    return Collection(name, folder / "corpus.jsonl.gz", tuple(queries), frozen)


def iter_corpus(path: Path) -> Iterator[dict[str, str]]:
    """Yields the corpus records as {id, title, body}."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            yield {"id": record["id"], "title": record["title"], "body": record["body"]}


# --- metrics ----------------------------------------------------------------------------------


def ndcg_at(ranked: Sequence[str], relevant: frozenset[str], k: int = 10) -> float:
    """Returns nDCG@k with binary gains; the ideal ranking has every judged-relevant document."""
    dcg = sum(1.0 / math.log2(i + 2) for i, doc in enumerate(ranked[:k]) if doc in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def average_precision(ranked: Sequence[str], relevant: frozenset[str]) -> float:
    """Returns trec_eval's AP over the ranked list: sum of P@k at relevant ranks, over R."""
    hits, total = 0, 0.0
    for rank, doc in enumerate(ranked, start=1):
        if doc in relevant:
            hits += 1
            total += hits / rank
    return total / len(relevant) if relevant else 0.0


def recall_at(ranked: Sequence[str], relevant: frozenset[str], k: int) -> float:
    """Returns the share of the relevant documents found in the top k."""
    return len(relevant.intersection(ranked[:k])) / len(relevant) if relevant else 0.0


# --- settings: RankingConfig objects ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Setting:
    """One ranking configuration; None keeps DEFAULT_RANKING's value."""

    match: Match = "all"
    k1: float | None = None
    b: float | None = None
    title_b: float | None = None
    title_boost: float | None = None
    body_boost: float | None = None
    name_boost: float | None = None
    concept_weight: float | None = None  # 0: no concept re-ranking
    max_words: int | None = None
    query_form: str = "raw"  # raw | lower | words

    def config(self) -> RankingConfig:
        """Returns DEFAULT_RANKING with the setting's values in place of the defaults."""
        changes: dict[str, Any] = {}
        if self.k1 is not None:
            changes["k1"] = self.k1
        if self.b is not None:
            changes["b"] = self.b
        if self.title_b is not None:
            changes["field_b"] = {**DEFAULT_RANKING.field_b, "title": self.title_b}
        if self.title_boost is not None or self.body_boost is not None:
            weights = dict(DEFAULT_RANKING.field_weights)
            if self.title_boost is not None:
                weights["title"] = self.title_boost
            if self.body_boost is not None:
                weights["body"] = self.body_boost
            changes["field_weights"] = weights
        if self.name_boost is not None:
            changes["name_variant_boost"] = self.name_boost
        if self.concept_weight is not None:
            changes["concept_weight"] = self.concept_weight
        if self.max_words is not None:
            changes["max_query_words"] = self.max_words
        return replace(DEFAULT_RANKING, **changes)

    def label(self) -> str:
        """Returns the non-default parts of the setting, for tables."""
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and value != "raw":
                parts.append(f"{f.name}={value}")
        return " ".join(parts)


def query_text(text: str, form: str) -> str:
    """Returns the query as sent: raw, lower-cased (no AND/OR/NOT operators), or words only."""
    if form == "lower":
        return text.lower()
    if form == "words":
        return " ".join(re.findall(r"\w+(?:['.]\w+)*", text)).lower()
    return text


# --- indexing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Built:
    """An index built from one collection, and what the build reported."""

    collection: str
    path: str
    corpus_docs: int
    indexed: int
    duplicates: int
    skipped: int
    dropped: tuple[str, ...]  # corpus ids not in the index
    seconds: float
    reused: bool = False
    # Each indexed article that stands for merged copies, and their ids (Article.duplicates);
    # read from the index at every run, not saved with the stamp.
    merged: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def merged_ids(self) -> int:
        """Returns how many corpus ids were merged into another article."""
        return sum(len(copies) for _, copies in self.merged)


def _code_stamp() -> str:
    """Returns a digest of the code an index is made by (the analysis, the catalogue and the
    indexer): a cached index is reused only while it matches."""
    digest = hashlib.sha256()
    paths = (path for folder in BUILD_CODE for path in (REPO / folder).rglob("*"))
    for path in sorted(paths):
        if path.is_file() and path.suffix in {".py", ".json", ".txt", ".tsv", ".csv"}:
            digest.update(path.relative_to(REPO).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_collection(name: str, root: Path, reuse_stale: bool = False) -> Built:
    """Builds (or reuses, when the code that builds it is unchanged) one collection's index."""
    folder = root / name
    stamp_file = folder / "bench-stamp.json"
    stamp = {"code": _code_stamp(), "corpus": os.path.getsize(_corpus_path(name))}
    if stamp_file.is_file():
        saved = json.loads(stamp_file.read_text())
        if saved.get("stamp") == stamp or (
            reuse_stale and saved.get("stamp", {}).get("corpus") == stamp["corpus"]
        ):
            if saved.get("stamp") != stamp:
                print(
                    f"[build] {name}: reusing an index built by other code (--reuse-stale)",
                    file=sys.stderr,
                )
            built = Built(**{**saved["built"], "dropped": tuple(saved["built"]["dropped"])})
            _, merged = read_index(Path(built.path))
            return replace(built, reused=True, merged=merged)
    if folder.exists():
        shutil.rmtree(folder)
    corpus_dir, index_dir = folder / "corpus", folder / "index"
    corpus_dir.mkdir(parents=True)
    ids = []
    with open(corpus_dir / f"{name}.jsonl", "w", encoding="utf-8") as out:
        for record in iter_corpus(_corpus_path(name)):
            ids.append(record["id"])
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"[build] {name}: {len(ids)} docs ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    report = build_index(corpus_dir, index_dir)
    seconds = time.monotonic() - started
    indexed_ids, merged = read_index(index_dir)
    dropped = tuple(i for i in ids if i not in indexed_ids)
    shutil.rmtree(corpus_dir)  # the index is all we need; the corpus copy is 10 MB
    built = Built(
        name,
        str(index_dir),
        len(ids),
        len(indexed_ids),
        report.duplicates,
        len(report.skipped),
        dropped,
        seconds,
        merged=merged,
    )
    saved_built = {k: v for k, v in asdict(built).items() if k not in ("reused", "merged")}
    stamp_file.write_text(json.dumps({"stamp": stamp, "built": saved_built}))
    print(
        f"[build] {name}: {built.indexed} indexed, {built.duplicates} duplicates, {seconds:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    return built


def read_index(index_dir: Path) -> tuple[set[str], tuple[tuple[str, tuple[str, ...]], ...]]:
    """Returns the ids of the indexed articles, and each article that stands for merged copies
    with their ids (its `Article.duplicates`), read once from the stored articles."""
    backend = WhooshSource(index_dir).current()
    ids: set[str] = set()
    merged: list[tuple[str, tuple[str, ...]]] = []
    try:
        for stored in backend.searcher.all_stored_fields():
            article = from_stored(stored)
            ids.add(article.id)
            if article.duplicates:
                merged.append((article.id, article.duplicates))
    finally:
        backend.searcher.close()
    return ids, tuple(sorted(merged))


def with_merged(ranked: Sequence[str], merged: dict[str, tuple[str, ...]]) -> list[str]:
    """Returns the ranking with each article's merged copies right after it, cut at DEPTH: a
    merged copy is found where the article that stands for it is."""
    if not merged:
        return list(ranked[:DEPTH])
    expanded: list[str] = []
    for doc in ranked:
        expanded.append(doc)
        expanded.extend(merged.get(doc, ()))
        if len(expanded) >= DEPTH:
            break
    return expanded[:DEPTH]


def _corpus_path(name: str) -> Path:
    return shared_data_dir() / "ir" / name / "corpus.jsonl.gz"


# --- retrieval --------------------------------------------------------------------------------


_OPENED: dict[tuple[str, RankingConfig], WhooshBackend] = {}


def open_index(built: Built, config: RankingConfig) -> WhooshBackend:
    """Returns a view of the index whose searcher scores by the config (cached per process)."""
    key = (built.path, config)
    if key not in _OPENED:
        if len(_OPENED) >= 6:
            _OPENED.pop(next(iter(_OPENED))).searcher.close()
        _OPENED[key] = WhooshSource(Path(built.path), config).current()
    return _OPENED[key]


def close_opened() -> None:
    """Closes the views this process opened (forked workers open their own)."""
    while _OPENED:
        _OPENED.popitem()[1].searcher.close()


def retrieve_paged(
    backend: WhooshBackend, text: str, match: Match, config: RankingConfig
) -> tuple[list[str], bool]:
    """Returns the top DEPTH ids by paging run_search itself (per_page=100), and whether relaxed."""
    ranked: list[str] = []
    relaxed = False
    for page in range(1, DEPTH // PER_PAGE + 1):
        request = SearchRequest(q=text, per_page=PER_PAGE, page=page, match=match)
        result = run_search(backend, request, config)
        ranked.extend(hit.article.id for hit in result.hits)
        relaxed = result.reading.relaxed
        if page * PER_PAGE >= result.total:
            break
    return ranked, relaxed


# --- one evaluation ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    """The scores of one setting (or of the BM25 peer) on one collection."""

    collection: str
    setting: Setting | Peer
    queries: int
    ndcg10: float
    map: float
    recall100: float
    relaxed: int  # queries that fell back to any-word ranking
    empty: int  # queries that returned nothing
    seconds: float
    per_query: dict[str, tuple[float, float]]  # query id -> (nDCG@10, AP)

    def metric(self, name: str) -> float:
        """Returns the named metric ("ndcg10" or "map")."""
        return float(getattr(self, name))


Task = tuple[Collection, Built, Setting | Peer, str]


def evaluate(task: Task) -> Result:
    """Runs every query of a collection under a setting (or the BM25 peer) and scores the
    rankings, each expanded with its articles' merged copies."""
    collection, built, setting, engine = task
    started = time.monotonic()
    rankings: dict[str, list[str]] = {}
    relaxed = 0
    if isinstance(setting, Peer):
        documents = (
            (record["id"], record["title"], record["body"])
            for record in iter_corpus(collection.corpus_path)
        )
        rankings = rank_bm25(documents, collection.queries, DEPTH, setting)
    else:
        config = setting.config()
        backend = open_index(built, config)
        merged = dict(built.merged)
        for qid, text in collection.queries:
            sent = query_text(text, setting.query_form)
            if engine == "paged":
                ranked, was_relaxed = retrieve_paged(backend, sent, setting.match, config)
            else:
                request = SearchRequest(q=sent, match=setting.match)
                ranked, was_relaxed = ranked_ids(backend, request, DEPTH, config)
            rankings[qid] = with_merged(ranked, merged)
            relaxed += was_relaxed
    per_query: dict[str, tuple[float, float]] = {}
    recalls, empty = [], 0
    for qid, _ in collection.queries:
        ranked, relevant = rankings[qid], collection.qrels[qid]
        per_query[qid] = (ndcg_at(ranked, relevant), average_precision(ranked, relevant))
        recalls.append(recall_at(ranked, relevant, 100))
        empty += not ranked
    seconds = time.monotonic() - started
    n = len(per_query) or 1
    return Result(
        collection.name,
        setting,
        len(per_query),
        sum(v[0] for v in per_query.values()) / n,
        sum(v[1] for v in per_query.values()) / n,
        sum(recalls) / n,
        relaxed,
        empty,
        seconds,
        per_query,
    )


def check_engines(collection: Collection, built: Built, setting: Setting, count: int) -> str:
    """Returns how many of the first `count` queries rank the same top 1000 both ways:
    ranked_ids, and run_search paged at per_page=100."""
    config = setting.config()
    backend = open_index(built, config)
    same, fast_s, paged_s = 0, 0.0, 0.0
    queries = collection.queries[:count]
    for _qid, text in queries:
        sent = query_text(text, setting.query_form)
        t0 = time.monotonic()
        fast = ranked_ids(backend, SearchRequest(q=sent, match=setting.match), DEPTH, config)
        t1 = time.monotonic()
        paged = retrieve_paged(backend, sent, setting.match, config)
        t2 = time.monotonic()
        same += fast == paged
        fast_s, paged_s = fast_s + t1 - t0, paged_s + t2 - t1
    n = len(queries) or 1
    return (
        f"{collection.name} match={setting.match}: {same}/{len(queries)} identical top-{DEPTH} "
        f"lists (ranked_ids {fast_s / n:.2f} s/query, run_search paged {paged_s / n:.2f} s/query)"
    )


# --- reporting --------------------------------------------------------------------------------


def relative_gain(result: Result) -> float | None:
    """Returns the result's goal metric relative to its published baseline (0.02 = 2% better),
    or None for a collection without one."""
    base = BASELINES.get(result.collection)
    return result.metric(base.metric) / base.value - 1.0 if base else None


def print_builds(builts: Sequence[Built], collections: dict[str, Collection]) -> None:
    """Prints what each build indexed, merged and dropped."""
    print("\nIndex builds (indexer.index.writer.build_index on one JSON Lines file per collection)")
    print(
        f"{'collection':<10} {'corpus':>7} {'indexed':>7} {'dups':>5} {'merged':>6} "
        f"{'skipped':>7} {'judged dropped':>14} {'build s':>8}"
    )
    for b in builts:
        judged = set().union(*collections[b.collection].qrels.values())
        dropped_judged = [d for d in b.dropped if d in judged]
        seconds = f"{b.seconds:.1f}" + ("*" if b.reused else "")
        print(
            f"{b.collection:<10} {b.corpus_docs:>7} {b.indexed:>7} {b.duplicates:>5} "
            f"{b.merged_ids():>6} {b.skipped:>7} {len(dropped_judged):>14} {seconds:>8}"
        )
        if b.dropped:
            note = f" (judged: {', '.join(dropped_judged)})" if dropped_judged else " (none judged)"
            print(f"{'':<10} dropped ids: {', '.join(b.dropped[:10])}{note}")
        for kept, copies in b.merged[:10]:
            print(f"{'':<10} {kept} stands for {', '.join(copies)} (expanded in each ranking)")
    if any(b.reused for b in builts):
        print("* reused from --index-dir: the time of the build that made it")


def paired_difference(
    result: Result, reference: Result, metric: str | None = None
) -> tuple[float, float]:
    """Returns the mean per-query difference of a metric (default: the collection's goal
    metric, else nDCG@10) and the half-width of its 95% interval, t(0.975, n - 1) standard
    errors of the paired differences."""
    if metric is None:
        base = BASELINES.get(result.collection)
        metric = base.metric if base else "ndcg10"
    index = 0 if metric == "ndcg10" else 1
    diffs = [
        result.per_query[q][index] - reference.per_query[q][index]
        for q in result.per_query
        if q in reference.per_query
    ]
    if len(diffs) < 2:
        return 0.0, 0.0
    mean = sum(diffs) / len(diffs)
    variance = sum((d - mean) ** 2 for d in diffs) / (len(diffs) - 1)
    quantile = float(student_t.ppf(0.975, len(diffs) - 1))
    return mean, quantile * math.sqrt(variance / len(diffs))


def _versus(result: Result, reference: Result, metric: str) -> str:
    diff, half = paired_difference(result, reference, metric)
    return f"{diff:+.4f}±{half:.4f}"


def print_peers(peers: dict[str, Result], builts: dict[str, Built]) -> None:
    """Prints the BM25 peer's numbers on each collection."""
    if not peers:
        return
    label = next(iter(peers.values())).setting.label()
    print(f"\nPeer: {label}, title+body one field, Porter, Lucene's 33 stop words, top {DEPTH}")
    print(f"{'collection':<10} {'docs':>6} {'queries':>7} {'nDCG@10':>8} {'MAP':>7} {'R@100':>6}")
    for c, r in peers.items():
        print(
            f"{c:<10} {builts[c].corpus_docs:>6} {r.queries:>7} {r.ndcg10:>8.4f} "
            f"{r.map:>7.4f} {r.recall100:>6.3f}"
        )


def print_table(
    results: Sequence[Result],
    builts: dict[str, Built],
    title: str,
    peers: dict[str, Result],
    reference: dict[str, Result] | None = None,
) -> None:
    """Prints one row per collection: Lantern beside the BM25 peer, and the published baseline.

    The differences from the peer are paired per query, with a 95% interval (t quantile times
    the standard error): a difference inside its interval is noise. With a reference (the
    code's defaults with --vs-defaults, else the grid's first setting), also the paired
    difference of the goal metric from it.
    """
    print(f"\n{title}")
    print(
        f"{'collection':<9} {'docs':>6} {'queries':>7} {'nDCG@10':>8} {'BM25':>7} "
        f"{'Lantern-BM25':>15} {'MAP':>7} {'BM25':>7} {'Lantern-BM25':>15} {'R@100':>6} "
        f"{'published BM25':>18} {'ours-pub':>8} {'goal':>7} {'relaxed':>7} {'q/s':>6}"
        + (f" {'vs reference':>17}" if reference else "")
    )
    for r in results:
        peer = peers.get(r.collection)
        versus_peer = (
            f"{peer.ndcg10:>7.4f} {_versus(r, peer, 'ndcg10'):>15} {r.map:>7.4f} "
            f"{peer.map:>7.4f} {_versus(r, peer, 'map'):>15}"
            if peer
            else f"{'–':>7} {'–':>15} {r.map:>7.4f} {'–':>7} {'–':>15}"
        )
        base = BASELINES.get(r.collection)
        if base:
            ours = r.metric(base.metric)
            published = f"{METRIC_NAMES[base.metric]} {base.value:.4f}"
            versus_base = f"{ours - base.value:>+8.4f} {'ok' if ours >= base.goal else 'no'} "
            versus_base += f"{base.goal:.2f}"
        else:
            published, versus_base = "–", f"{'–':>8} {'–':>7}"
        qps = r.queries / r.seconds if r.seconds else 0.0
        versus = ""
        if reference and r.collection in reference:
            diff, half = paired_difference(r, reference[r.collection])
            versus = f" {f'{diff:+.4f}±{half:.4f}':>17}"
        print(
            f"{r.collection:<9} {builts[r.collection].indexed:>6} {r.queries:>7} "
            f"{r.ndcg10:>8.4f} {versus_peer} {r.recall100:>6.3f} {published:>18} "
            f"{versus_base} {r.relaxed:>7} {qps:>6.1f}{versus}"
        )


def _by_setting(
    results: Sequence[Result], collections: Sequence[str]
) -> dict[Setting, dict[str, Result]]:
    """Returns each setting's results, for the settings that ran on every collection."""
    by_setting: dict[Setting, dict[str, Result]] = {}
    for r in results:
        if isinstance(r.setting, Setting):
            by_setting.setdefault(r.setting, {})[r.collection] = r
    return {s: per for s, per in by_setting.items() if set(per) >= set(collections)}


def print_grid(
    results: Sequence[Result], collections: Sequence[str], peers: dict[str, Result]
) -> None:
    """Prints every setting's nDCG@10 on each collection and its difference from BM25's,
    ranked by the mean difference (with the published baselines' goal metrics after them)."""
    rows = []
    for setting, per in _by_setting(results, collections).items():
        diffs = [per[c].ndcg10 - peers[c].ndcg10 for c in collections]
        rows.append((sum(diffs) / len(diffs), min(diffs), setting, per))
    rows.sort(key=lambda row: (-row[0], -row[1]))
    heads = " ".join(f"{c + ' nDCG@10 (-BM25)':>24}" for c in collections)
    print(
        f"\nGrid: {len(rows)} settings, ranked by the mean over the collections of "
        "Lantern nDCG@10 - BM25 nDCG@10 (in-sample: every collection helps choose)"
    )
    print(f"{'mean':>8} {'min':>8} {heads}  setting")
    for mean, low, setting, per in rows:
        cells = " ".join(
            f"{f'{per[c].ndcg10:.4f} ({per[c].ndcg10 - peers[c].ndcg10:+.4f})':>24}"
            for c in collections
        )
        print(f"{mean:>+8.4f} {low:>+8.4f} {cells}  {setting.label() or '(defaults)'}")
    print("BM25 nDCG@10: " + ", ".join(f"{c} {peers[c].ndcg10:.4f}" for c in collections))
    print("\nBest per collection (nDCG@10)")
    for c in collections:
        best = max(rows, key=lambda row: row[3][c].ndcg10, default=None)
        if best:
            r = best[3][c]
            print(
                f"  {c:<8} nDCG@10 {r.ndcg10:.4f} (MAP {r.map:.4f})  "
                f"{best[2].label() or '(defaults)'}"
            )


def print_loo(
    results: Sequence[Result], collections: Sequence[str], peers: dict[str, Result]
) -> None:
    """Prints, for each collection, the setting chosen on the others (best mean of Lantern
    nDCG@10 - BM25 nDCG@10 over them) and its held-out numbers beside BM25's."""
    per_setting = _by_setting(results, collections)
    if len(collections) < 2 or not per_setting:
        return
    settings = list(per_setting)  # grid order: ties go to the earlier setting
    print(
        "\nLeave one collection out: each row's setting is the one with the best mean of "
        "(Lantern nDCG@10 - BM25 nDCG@10) over the OTHER collections; its numbers here are "
        f"held out. Grid: {len(settings)} settings."
    )
    print(
        f"{'held out':<9} {'train':>8} {'nDCG@10':>8} {'BM25':>7} {'Lantern-BM25':>15} "
        f"{'MAP':>7} {'BM25':>7} {'Lantern-BM25':>15} {'best here':>9}  chosen setting"
    )
    chosen: list[Setting] = []
    held: list[tuple[float, float]] = []
    for c in collections:
        others = [o for o in collections if o != c]

        def train(setting: Setting, others: list[str] = others) -> float:
            per = per_setting[setting]
            return sum(per[o].ndcg10 - peers[o].ndcg10 for o in others) / len(others)

        pick = max(settings, key=train)
        chosen.append(pick)
        r, peer = per_setting[pick][c], peers[c]
        held.append((r.ndcg10 - peer.ndcg10, r.map - peer.map))
        oracle = max(per[c].ndcg10 for per in per_setting.values())
        print(
            f"{c:<9} {train(pick):>+8.4f} {r.ndcg10:>8.4f} {peer.ndcg10:>7.4f} "
            f"{_versus(r, peer, 'ndcg10'):>15} {r.map:>7.4f} {peer.map:>7.4f} "
            f"{_versus(r, peer, 'map'):>15} {oracle:>9.4f}  {pick.label() or '(defaults)'}"
        )
    n = len(held)
    print(
        f"{'mean':<9} {'':>8} {'':>8} {'':>7} {sum(h[0] for h in held) / n:>+15.4f} "
        f"{'':>7} {'':>7} {sum(h[1] for h in held) / n:>+15.4f}"
    )
    print(
        "train: the chosen setting's mean difference on the other collections; best here: the "
        "best nDCG@10 any setting of the grid reached on the held-out collection."
    )
    counts = Counter(chosen).most_common()
    print(
        "\nChosen by the folds: "
        + "; ".join(f"{setting.label() or '(defaults)'} x{count}" for setting, count in counts)
    )


# --- command line -----------------------------------------------------------------------------


def _floats(text: str) -> list[float | None]:
    return [float(v) for v in text.split(",")] if text else [None]


def _ints(text: str) -> list[int | None]:
    return [int(v) for v in text.split(",")] if text else [None]


def _words(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def _matches(text: str) -> list[Match]:
    matches = _words(text)
    unknown = [m for m in matches if m not in ("all", "any")]
    if unknown:
        raise SystemExit(f"--match: {', '.join(unknown)} is neither all nor any")
    return cast(list[Match], matches)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Returns the command line's options."""
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument(
        "--collection",
        default=",".join(COLLECTIONS),
        help="comma-separated: time,npl,scifact,med,cran",
    )
    p.add_argument("--limit-queries", type=int, default=None, help="first N queries per collection")
    p.add_argument("--match", default="all,any", help="all (with any-word fallback), any, or both")
    p.add_argument(
        "--engine",
        choices=("fast", "paged"),
        default="fast",
        help="fast: the engine's ranked_ids; paged: run_search x10",
    )
    p.add_argument(
        "--check",
        type=int,
        default=3,
        help="compare fast and paged on the first N queries of each collection (0: off)",
    )
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    p.add_argument(
        "--index-dir",
        default=None,
        help="keep the indexes here and reuse them while analysis/, catalogue/ and indexer/ "
        "are unchanged",
    )
    p.add_argument(
        "--reuse-stale",
        action="store_true",
        help="with --index-dir, reuse indexes even when their code changed since (for grids)",
    )
    p.add_argument(
        "--vs-defaults",
        action="store_true",
        help="also run the defaults and print each setting's paired difference from them",
    )
    p.add_argument(
        "--one-axis",
        action="store_true",
        help="instead of the product of the flags' lists, vary one flag at a time around the "
        "defaults (the defaults' row included)",
    )
    p.add_argument(
        "--loo",
        action="store_true",
        help="choose a setting of the grid for each collection on the other collections "
        "(best mean nDCG@10 - BM25 nDCG@10) and print its held-out numbers",
    )
    grid = p.add_argument_group(
        "RankingConfig settings (comma-separated lists; the grid is their product)"
    )
    grid.add_argument("--k1", default="", help="k1")
    grid.add_argument("--b", default="", help="b")
    grid.add_argument("--title-b", default="", help="field_b['title']")
    grid.add_argument("--title-boost", default="", help="field_weights['title']")
    grid.add_argument("--body-boost", default="", help="field_weights['body']")
    grid.add_argument("--name-boost", default="", help="name_variant_boost")
    grid.add_argument("--concept-weight", default="", help="concept_weight (0: no re-ranking)")
    grid.add_argument("--max-words", default="", help="max_query_words")
    grid.add_argument(
        "--query-form",
        default="raw",
        help="raw | lower (no AND/OR/NOT operators) | words (no syntax at all)",
    )
    return p.parse_args(argv)


def settings_from(args: argparse.Namespace) -> list[Setting]:
    """Returns the grid of settings the options describe."""
    axes: dict[str, list[Any]] = {
        "match": _matches(args.match),
        "k1": _floats(args.k1),
        "b": _floats(args.b),
        "title_b": _floats(args.title_b),
        "title_boost": _floats(args.title_boost),
        "body_boost": _floats(args.body_boost),
        "name_boost": _floats(args.name_boost),
        "concept_weight": _floats(args.concept_weight),
        "max_words": _ints(args.max_words),
        "query_form": _words(args.query_form),
    }
    if not args.one_axis:
        return [
            Setting(**dict(zip(axes, values, strict=True)))
            for values in itertools.product(*axes.values())
        ]
    # The defaults, then each value of each axis with every other axis at its default; a
    # value equal to the default is the defaults' row.
    settings: list[Setting] = []
    for match in axes.pop("match"):
        defaults = Setting(match=match)
        settings.append(defaults)
        for axis, values in axes.items():
            for value in values:
                setting = replace(defaults, **{axis: value})
                if value is not None and setting.config() != defaults.config():
                    settings.append(setting)
    return list(dict.fromkeys(settings))


def _build_task(task: tuple[str, str, bool]) -> Built:
    name, root, reuse_stale = task
    return build_collection(name, Path(root), reuse_stale)


def _config_key(setting: Setting) -> str:
    """Returns what a view of the index depends on: settings that share it run together."""
    return repr(asdict(setting.config()))


def main(argv: Sequence[str] | None = None) -> None:
    """Builds the indexes, runs the settings and prints the tables."""
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("bm25s").setLevel(logging.ERROR)  # it logs each index build at DEBUG
    args = parse_args(argv)
    names = [c for c in _words(args.collection) if c in COLLECTIONS]
    collections = {c: load_collection(c, args.limit_queries) for c in names}
    settings = settings_from(args)
    if args.vs_defaults:
        defaults = [Setting(match=m) for m in _matches(args.match)]
        settings = defaults + [s for s in settings if s not in defaults]
    print(
        f"Lantern relevance bench: {len(settings)} setting(s) x {len(names)} collection(s); "
        f"data {shared_data_dir() / 'ir'}"
    )
    print("defaults (search.ranking.DEFAULT_RANKING):", json.dumps(asdict(DEFAULT_RANKING)))

    temp = None if args.index_dir else tempfile.TemporaryDirectory(prefix="lantern-relevance-")
    root = Path(args.index_dir or temp.name)  # type: ignore[union-attr]
    root.mkdir(parents=True, exist_ok=True)
    context = multiprocessing.get_context("fork")
    try:
        build_tasks = [(c, str(root), args.reuse_stale) for c in names]
        with context.Pool(max(1, min(args.jobs, len(build_tasks)))) as pool:
            builts = pool.map(_build_task, build_tasks, chunksize=1)
        built_by = {b.collection: b for b in builts}
        print_builds(builts, collections)

        if args.check:
            print(
                f"\nranked_ids vs run_search paged (per_page={PER_PAGE}, "
                f"pages 1..{DEPTH // PER_PAGE})"
            )
            checked: dict[str, Setting] = {}  # the first setting of each match mode
            for setting in settings:
                checked.setdefault(setting.match, setting)
            for setting in checked.values():
                for c in names:
                    print(
                        " ",
                        check_engines(collections[c], built_by[c], setting, args.check),
                        flush=True,
                    )
            close_opened()  # the workers open their own searchers

        # The peer first (it is one task a collection), then the settings, grouped by the view
        # of the index they need.
        peer = Peer()
        tasks: list[Task] = [(collections[c], built_by[c], peer, args.engine) for c in names]
        tasks += [
            (collections[c], built_by[c], s, args.engine)
            for s in sorted(settings, key=_config_key)
            for c in names
        ]
        results: list[Result] = []
        started = time.monotonic()
        with context.Pool(max(1, min(args.jobs, len(tasks))), initializer=_OPENED.clear) as pool:
            for done, result in enumerate(pool.imap_unordered(evaluate, tasks, chunksize=1), 1):
                results.append(result)
                print(
                    f"[{done}/{len(tasks)} {time.monotonic() - started:.0f}s] "
                    f"{result.collection} {result.setting.label() or '(defaults)'}: "
                    f"nDCG@10 {result.ndcg10:.4f} MAP {result.map:.4f}",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        if temp is not None:
            temp.cleanup()

    peers = {c: r for c in names for r in results if r.collection == c and r.setting == peer}
    print_peers(peers, built_by)
    ours = [r for r in results if isinstance(r.setting, Setting)]
    order = {s: i for i, s in enumerate(settings)}
    ours.sort(key=lambda r: (order[cast(Setting, r.setting)], names.index(r.collection)))
    for setting in settings:
        rows = [r for r in ours if r.setting == setting]
        label = setting.label().replace(f"match={setting.match}", "").strip()
        # Paired differences from the defaults in the same match mode when they ran
        # (--vs-defaults), else from the first setting.
        ref_setting = Setting(match=setting.match)
        if ref_setting not in order:
            ref_setting = settings[0]
        reference = {r.collection: r for r in ours if r.setting == ref_setting}
        print_table(
            rows,
            built_by,
            f"Setting: match={setting.match} {label or '(defaults)'}",
            peers,
            reference if setting != ref_setting else None,
        )
    if len(settings) > 1:
        print_grid(ours, names, peers)
    if args.loo:
        print_loo(ours, names, peers)


if __name__ == "__main__":
    main()
