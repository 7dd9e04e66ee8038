"""Ranking quality on three IR test collections: nDCG@10 and MAP against published BM25 runs.

Usage (from the repo root):

    python bench/relevance.py                              # current defaults, both match modes
    python bench/relevance.py --collection scifact --limit-queries 50
    python bench/relevance.py --k1 0.9,1.2,1.5 --b 0.4,0.75 --match any --jobs 2   # a grid
    python bench/relevance.py --index-dir /tmp/lantern-ir  # keep the indexes between runs

Each collection of $LANTERN_SHARED_DATA/ir (default ../shared/data/ir beside the repo) is
written as one JSON Lines file (id, title, body) into a temporary corpus folder and indexed by
our own `indexer.index.writer.build_index`, so titles, duplicates and analysis are what a real build
gives. Every query is then run through our own query reading and ranking, and the top 1000
are scored with trec_eval's semantics (the ir README defines them):

- nDCG@10: binary gains, DCG = sum rel_i / log2(i + 1), the ideal ranking built from every
  judged-relevant document (also those the build dropped as duplicates);
- MAP: AP over the top 1000, (1/R) * sum of P@k at the ranks k of relevant documents,
  R = the number of relevant documents in the qrels.

Documents are scored in the engine's order (trec_eval would reorder equal scores by docno).

How queries run. `--engine fast` (default) does what `search.engine.run_search` does for a
relevance-sorted request without filters, minus the page rendering: `parse_user_query`, then
`searcher.search(query, limit=None)` on the snapshot's searcher, and with match=all the same
fallback (no document has every word and the query has more than one word: any-word ranking).
Paging run_search ten times at per_page=100 costs 0.3-5 s a query here (each page re-runs the
query, the facets, snippets for 100 hits and the spelling suggestion), 20-100x the fast path.
`--check N` runs the first N queries of every collection both ways and prints how many
top-1000 lists agree exactly; `--engine paged` uses run_search for every query.

Settings are tried WITHOUT editing search/ or indexer/: each flag monkeypatches one module
constant (search.ranking.K1, B, FIELD_B; search.query.FIELD_BOOSTS, EXACT_BOOST,
NAME_VARIANT_BOOST, MAX_QUERY_WORDS, the OrGroup factor; search.rerank.CONCEPT_WEIGHT) or one function (`--titles`,
`--stopwords`); `--query-form` changes the text sent. A flag left out keeps the
code's current value, which is printed. Flags take comma-separated lists; the grid is their
product, spread over `--jobs` processes. `--vs-defaults` adds the code's defaults and prints
each setting's paired per-query difference from them with a 95% interval. Findings so far:
bench/README-relevance.md. Prints numbers and asserts nothing; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
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
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from whoosh import query as wq  # noqa: E402

import indexer.extract.metadata  # noqa: E402
import indexer.index.schema  # noqa: E402
import search.query  # noqa: E402
import search.ranking  # noqa: E402
import search.rerank  # noqa: E402
from bench.shared import shared_data_dir  # noqa: E402
from indexer.index.writer import build_index  # noqa: E402
from search.engine import match_terms, run_search  # noqa: E402
from search.index import IndexHolder, Snapshot  # noqa: E402
from search.models import SearchRequest  # noqa: E402

COLLECTIONS = ("time", "npl", "scifact")
DEPTH = 1000
PER_PAGE = 100


@dataclass(frozen=True, slots=True)
class Baseline:
    """A collection's published (or reference) BM25 number and the issue's goal."""

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


# --- settings: monkeypatches of search/ and indexer/ ----------------------------------------


@dataclass(frozen=True, slots=True)
class BuildVariant:
    """What an index build may be varied by (each value needs its own index)."""

    titles: str = "derived"  # "derived": our loader's titles; "empty": no derived title
    stopwords: str = "default"  # "default" (the schema's), "lucene" (33 words), "none"

    def key(self) -> str:
        """Returns a short name for folders and tables."""
        return f"titles={self.titles},stop={self.stopwords}"


@dataclass(frozen=True, slots=True)
class Setting:
    """One ranking configuration; None keeps the code's current value."""

    match: str = "all"
    k1: float | None = None
    b: float | None = None
    title_b: float | None = None
    title_boost: float | None = None
    body_boost: float | None = None
    exact_boost: float | None = None
    name_boost: float | None = None
    concept_weight: float | None = None  # 0: no concept re-ranking
    or_scale: float | None = None  # 0 = plain OrGroup, no coordination factor
    max_words: int | None = None
    query_form: str = "raw"  # raw | lower | words
    build: BuildVariant = field(default_factory=BuildVariant)

    def weighting_key(self) -> tuple[Any, ...]:
        """Returns what the searcher's weighting model depends on."""
        return (self.build, self.k1, self.b, self.title_b)

    def label(self) -> str:
        """Returns the non-default parts of the setting, for tables."""
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "build":
                if value != BuildVariant():
                    parts.append(value.key())
            elif value is not None and value != "raw":
                parts.append(f"{f.name}={value}")
        return " ".join(parts)


def current_defaults() -> dict[str, Any]:
    """Returns the code's current values of the constants the settings patch."""
    return {
        "K1": getattr(search.ranking, "K1", None),
        "B": getattr(search.ranking, "B", None),
        "FIELD_B": getattr(search.ranking, "FIELD_B", None),
        "FIELD_BOOSTS": getattr(search.query, "FIELD_BOOSTS", None),
        "EXACT_BOOST": getattr(search.query, "EXACT_BOOST", None),
        "NAME_VARIANT_BOOST": getattr(search.query, "NAME_VARIANT_BOOST", None),
        "MAX_QUERY_WORDS": getattr(search.query, "MAX_QUERY_WORDS", None),
        "CONCEPT_WEIGHT": getattr(search.rerank, "CONCEPT_WEIGHT", None),
    }


@contextlib.contextmanager
def patched(module: Any, name: str, value: Any) -> Iterator[None]:
    """Sets module.name to value for the duration; warns when the code has no such name."""
    if not hasattr(module, name):
        print(f"warning: {module.__name__}.{name} does not exist; not patched", file=sys.stderr)
        yield
        return
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, old)


def _or_group_shim(scale: float) -> Any:
    """Returns a stand-in for qparser.OrGroup whose factory() uses `scale` (0: no factor)."""
    from whoosh.qparser import OrGroup

    class Shim:
        @staticmethod
        def factory(_code_scale: float = 1.0) -> Any:
            return OrGroup.factory(scale) if scale else OrGroup

    return Shim


@contextlib.contextmanager
def applied(setting: Setting) -> Iterator[None]:
    """Applies a setting's patches to search.ranking and search.query for the duration."""
    with contextlib.ExitStack() as stack:
        if setting.k1 is not None:
            stack.enter_context(patched(search.ranking, "K1", setting.k1))
        if setting.b is not None:
            stack.enter_context(patched(search.ranking, "B", setting.b))
        if setting.title_b is not None:
            field_b = {**search.ranking.FIELD_B, "title": setting.title_b}
            stack.enter_context(patched(search.ranking, "FIELD_B", field_b))
        if setting.title_boost is not None or setting.body_boost is not None:
            boosts = dict(search.query.FIELD_BOOSTS)
            if setting.title_boost is not None:
                boosts["title"] = setting.title_boost
            if setting.body_boost is not None:
                boosts["body"] = setting.body_boost
            stack.enter_context(patched(search.query, "FIELD_BOOSTS", boosts))
        if setting.exact_boost is not None:
            stack.enter_context(patched(search.query, "EXACT_BOOST", setting.exact_boost))
        if setting.name_boost is not None:
            stack.enter_context(patched(search.query, "NAME_VARIANT_BOOST", setting.name_boost))
        if setting.concept_weight is not None:
            stack.enter_context(patched(search.rerank, "CONCEPT_WEIGHT", setting.concept_weight))
        if setting.max_words is not None:
            stack.enter_context(patched(search.query, "MAX_QUERY_WORDS", setting.max_words))
        if setting.or_scale is not None:
            stack.enter_context(patched(search.query, "OrGroup", _or_group_shim(setting.or_scale)))
        yield


def query_text(text: str, form: str) -> str:
    """Returns the query as sent: raw, lower-cased (no AND/OR/NOT operators), or words only."""
    if form == "lower":
        return text.lower()
    if form == "words":
        return " ".join(re.findall(r"\w+(?:['.]\w+)*", text)).lower()
    return text


# --- indexing ---------------------------------------------------------------------------------


LUCENE_STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with".split()
)


@contextlib.contextmanager
def build_patches(variant: BuildVariant) -> Iterator[None]:
    """Applies a build variant's patches to the indexer for the duration."""
    with contextlib.ExitStack() as stack:
        if variant.titles == "empty":
            stack.enter_context(patched(indexer.extract.metadata, "derive_title", lambda lede: ""))
        if variant.stopwords != "default":
            stops = LUCENE_STOPWORDS if variant.stopwords == "lucene" else frozenset()
            analyzer = functools.partial(
                indexer.index.schema.text_analyzer, stoplist=stops, minsize=1
            )
            stack.enter_context(patched(indexer.index.schema, "text_analyzer", analyzer))
        yield


@dataclass(frozen=True, slots=True)
class Built:
    """An index built from one collection, and what the build reported."""

    collection: str
    variant: BuildVariant
    path: str
    corpus_docs: int
    indexed: int
    duplicates: int
    skipped: int
    dropped: tuple[str, ...]  # corpus ids not in the index
    seconds: float
    reused: bool = False


def _code_stamp() -> str:
    """Returns a digest of the indexer's code: a cached index is reused only while it matches."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "indexer").rglob("*")):
        if path.is_file() and path.suffix in {".py", ".json", ".txt", ".tsv", ".csv"}:
            digest.update(path.relative_to(REPO).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_collection(
    name: str, variant: BuildVariant, root: Path, reuse_stale: bool = False
) -> Built:
    """Builds (or reuses, when the indexer code is unchanged) the index of one collection."""
    from whoosh import index as whoosh_index

    folder = root / f"{name}-{variant.titles}-{variant.stopwords}"
    stamp_file = folder / "bench-stamp.json"
    stamp = {"code": _code_stamp(), "corpus": os.path.getsize(_corpus_path(name))}
    if stamp_file.is_file():
        saved = json.loads(stamp_file.read_text())
        if saved.get("stamp") == stamp or (
            reuse_stale and saved.get("stamp", {}).get("corpus") == stamp["corpus"]
        ):
            if saved.get("stamp") != stamp:
                print(
                    f"[build] {name}: reusing an index built by other indexer code (--reuse-stale)",
                    file=sys.stderr,
                )
            built = Built(
                **{
                    **saved["built"],
                    "variant": variant,
                    "dropped": tuple(saved["built"]["dropped"]),
                }
            )
            return replace(built, reused=True)
    if folder.exists():
        shutil.rmtree(folder)
    corpus_dir, index_dir = folder / "corpus", folder / "index"
    corpus_dir.mkdir(parents=True)
    ids = []
    with open(corpus_dir / f"{name}.jsonl", "w", encoding="utf-8") as out:
        for record in iter_corpus(_corpus_path(name)):
            ids.append(record["id"])
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"[build] {name} ({variant.key()}): {len(ids)} docs ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    with build_patches(variant):
        report = build_index(corpus_dir, index_dir)
    seconds = time.monotonic() - started
    ix = whoosh_index.open_dir(str(index_dir))
    with ix.searcher() as searcher:
        indexed_ids = {fields["id"] for fields in searcher.all_stored_fields()}
    dropped = tuple(i for i in ids if i not in indexed_ids)
    shutil.rmtree(corpus_dir)  # the index is all we need; the corpus copy is 10 MB
    built = Built(
        name,
        variant,
        str(index_dir),
        len(ids),
        len(indexed_ids),
        report.duplicates,
        len(report.skipped),
        dropped,
        seconds,
    )
    saved_built = {k: v for k, v in asdict(built).items() if k not in ("variant", "reused")}
    stamp_file.write_text(json.dumps({"stamp": stamp, "built": saved_built}))
    print(
        f"[build] {name}: {built.indexed} indexed, {built.duplicates} duplicates, {seconds:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    return built


def _corpus_path(name: str) -> Path:
    return shared_data_dir() / "ir" / name / "corpus.jsonl.gz"


# --- retrieval --------------------------------------------------------------------------------


@dataclass(slots=True)
class Opened:
    """A snapshot of one index under one weighting, and its docnum -> id table."""

    snapshot: Snapshot
    ids: list[str]


_OPENED: dict[tuple[Any, ...], Opened] = {}


def open_index(built: Built, setting: Setting) -> Opened:
    """Returns a snapshot whose searcher uses the setting's weighting (cached per process)."""
    key = (built.path, *setting.weighting_key())
    if key not in _OPENED:
        if len(_OPENED) >= 6:
            _OPENED.pop(next(iter(_OPENED)))
        with applied(setting):
            snapshot = IndexHolder(Path(built.path)).snapshot()  # weighting() read here
        searcher = snapshot.searcher
        ids = [""] * searcher.doc_count_all()
        for docnum, stored in enumerate(searcher.all_stored_fields()):
            ids[docnum] = stored["id"]
        _OPENED[key] = Opened(snapshot, ids)
    return _OPENED[key]


def retrieve_fast(opened: Opened, text: str, match: str) -> tuple[list[str], bool]:
    """Returns the top DEPTH ids as run_search ranks them (no filters), and whether relaxed."""
    searcher = opened.snapshot.searcher
    schema = searcher.schema
    parsed = search.query.parse_user_query(text, schema, match=match)
    if parsed.is_browse or parsed.query is wq.NullQuery:
        return [], False
    results = searcher.search(parsed.query, limit=None)
    relaxed = False
    if match == "all" and results.is_empty() and len(parsed.words) > 1:
        any_word = search.query.parse_user_query(text, schema, match="any")
        if not any_word.is_browse and any_word.query is not wq.NullQuery:
            any_results = searcher.search(any_word.query, limit=None)
            if not any_results.is_empty():
                parsed, results, relaxed = any_word, any_results, True
    scored = [(hit.docnum, float(hit.score)) for hit in results]
    query = search.rerank.query_counts(parsed.text, match_terms(searcher, parsed).stems)
    ranked = search.rerank.rerank(scored, query, opened.snapshot.concepts)
    return [opened.ids[docnum] for docnum, _ in ranked[:DEPTH]], relaxed


def retrieve_paged(opened: Opened, text: str, match: str) -> tuple[list[str], bool]:
    """Returns the top DEPTH ids by paging run_search itself (per_page=100), and whether relaxed."""
    ranked: list[str] = []
    relaxed = False
    for page in range(1, DEPTH // PER_PAGE + 1):
        request = SearchRequest(q=text, per_page=PER_PAGE, page=page, match=match)  # type: ignore[arg-type]
        result = run_search(opened.snapshot, request)
        ranked.extend(hit.article.id for hit in result.hits)
        relaxed = result.reading.relaxed
        if page * PER_PAGE >= result.total:
            break
    return ranked, relaxed


# --- one evaluation ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    """The scores of one setting on one collection."""

    collection: str
    setting: Setting
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


def evaluate(task: tuple[Collection, Built, Setting, str]) -> Result:
    """Runs every query of a collection under a setting and scores the rankings."""
    collection, built, setting, engine = task
    opened = open_index(built, setting)
    retrieve = retrieve_paged if engine == "paged" else retrieve_fast
    per_query: dict[str, tuple[float, float]] = {}
    recalls, relaxed, empty = [], 0, 0
    started = time.monotonic()
    with applied(setting):
        for qid, text in collection.queries:
            ranked, was_relaxed = retrieve(
                opened, query_text(text, setting.query_form), setting.match
            )
            relevant = collection.qrels[qid]
            per_query[qid] = (ndcg_at(ranked, relevant), average_precision(ranked, relevant))
            recalls.append(recall_at(ranked, relevant, 100))
            relaxed += was_relaxed
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
    """Returns how many of the first `count` queries rank the same top 1000 both ways."""
    opened = open_index(built, setting)
    same, fast_s, paged_s = 0, 0.0, 0.0
    queries = collection.queries[:count]
    with applied(setting):
        for _qid, text in queries:
            text = query_text(text, setting.query_form)
            t0 = time.monotonic()
            fast = retrieve_fast(opened, text, setting.match)
            t1 = time.monotonic()
            paged = retrieve_paged(opened, text, setting.match)
            t2 = time.monotonic()
            same += fast == paged
            fast_s, paged_s = fast_s + t1 - t0, paged_s + t2 - t1
    n = len(queries) or 1
    return (
        f"{collection.name} match={setting.match}: {same}/{len(queries)} identical top-{DEPTH} "
        f"lists (fast {fast_s / n:.2f} s/query, run_search paged {paged_s / n:.2f} s/query)"
    )


# --- reporting --------------------------------------------------------------------------------


def relative_gain(result: Result) -> float:
    """Returns the result's goal metric relative to the baseline (0.02 = 2% better)."""
    base = BASELINES[result.collection]
    return result.metric(base.metric) / base.value - 1.0


def print_builds(builts: Sequence[Built], collections: dict[str, Collection]) -> None:
    """Prints what each build indexed and dropped."""
    print("\nIndex builds (indexer.index.writer.build_index on one JSON Lines file per collection)")
    print(
        f"{'collection':<10} {'variant':<28} {'corpus':>7} {'indexed':>7} {'dups':>5} "
        f"{'skipped':>7} {'judged dropped':>14} {'build s':>8}"
    )
    for b in builts:
        judged = set().union(*collections[b.collection].qrels.values())
        dropped_judged = [d for d in b.dropped if d in judged]
        seconds = f"{b.seconds:.1f}" + ("*" if b.reused else "")
        print(
            f"{b.collection:<10} {b.variant.key():<28} {b.corpus_docs:>7} {b.indexed:>7} "
            f"{b.duplicates:>5} {b.skipped:>7} {len(dropped_judged):>14} {seconds:>8}"
        )
        if b.dropped:
            note = f" (judged: {', '.join(dropped_judged)})" if dropped_judged else " (none judged)"
            print(f"{'':<10} dropped ids: {', '.join(b.dropped[:10])}{note}")
    if any(b.reused for b in builts):
        print("* reused from --index-dir: the time of the build that made it")


def paired_difference(result: Result, reference: Result) -> tuple[float, float]:
    """Returns the mean per-query difference of the goal metric and its 95% half-width."""
    index = 0 if BASELINES[result.collection].metric == "ndcg10" else 1
    diffs = [
        result.per_query[q][index] - reference.per_query[q][index]
        for q in result.per_query
        if q in reference.per_query
    ]
    if len(diffs) < 2:
        return 0.0, 0.0
    mean = sum(diffs) / len(diffs)
    variance = sum((d - mean) ** 2 for d in diffs) / (len(diffs) - 1)
    return mean, 1.96 * math.sqrt(variance / len(diffs))


def print_table(
    results: Sequence[Result],
    builts: dict[str, Built],
    title: str,
    reference: dict[str, Result] | None = None,
) -> None:
    """Prints one row per collection: the metrics, the baseline and the difference.

    With a reference (the code's defaults with --vs-defaults, else the grid's first setting),
    also the paired per-query difference of the goal metric from it, with a 95% interval
    (1.96 standard errors): a gain inside the interval is noise.
    """
    print(f"\n{title}")
    print(
        f"{'collection':<9} {'docs':>6} {'queries':>7} {'nDCG@10':>8} {'MAP':>7} {'R@100':>6} "
        f"{'baseline':>16} {'ours-base':>9} {'goal':>9} {'relaxed':>7} {'q/s':>6}"
        + (f" {'vs reference':>17}" if reference else "")
    )
    for r in results:
        base = BASELINES[r.collection]
        ours = r.metric(base.metric)
        goal = f"{'ok' if ours >= base.goal else 'no'} {base.goal:.2f}"
        qps = r.queries / r.seconds if r.seconds else 0.0
        versus = ""
        if reference and r.collection in reference:
            diff, half = paired_difference(r, reference[r.collection])
            versus = f" {f'{diff:+.4f}±{half:.4f}':>17}"
        print(
            f"{r.collection:<9} {builts[r.collection].indexed:>6} {r.queries:>7} "
            f"{r.ndcg10:>8.4f} {r.map:>7.4f} {r.recall100:>6.3f} "
            f"{METRIC_NAMES[base.metric] + ' ' + f'{base.value:.4f}':>16} {ours - base.value:>+9.4f} "
            f"{goal:>9} {r.relaxed:>7} {qps:>6.1f}{versus}"
        )


def print_grid(results: Sequence[Result], collections: Sequence[str]) -> None:
    """Prints every setting's goal metrics, ranked by the mean gain over the baselines."""
    by_setting: dict[Setting, dict[str, Result]] = {}
    for r in results:
        by_setting.setdefault(r.setting, {})[r.collection] = r
    rows = []
    for setting, per in by_setting.items():
        if set(per) != set(collections):
            continue
        gains = [relative_gain(per[c]) for c in collections]
        rows.append((sum(gains) / len(gains), min(gains), setting, per))
    rows.sort(key=lambda row: (-row[0], -row[1]))
    heads = " ".join(f"{c + ' ' + METRIC_NAMES[BASELINES[c].metric]:>17}" for c in collections)
    print(
        f"\nGrid: {len(rows)} settings, ranked by mean gain over the baselines "
        "(goal metric / baseline - 1)"
    )
    print(f"{'mean':>7} {'min':>7} {heads}  setting")
    for mean, low, setting, per in rows:
        cells = " ".join(f"{per[c].metric(BASELINES[c].metric):>17.4f}" for c in collections)
        print(f"{mean:>+7.2%} {low:>+7.2%} {cells}  {setting.label() or '(code defaults)'}")
    print("\nBest per collection")
    for c in collections:
        metric = BASELINES[c].metric
        best = max(rows, key=lambda row: row[3][c].metric(metric), default=None)
        if best:
            r = best[3][c]
            print(
                f"  {c:<8} {METRIC_NAMES[metric]} {r.metric(metric):.4f} "
                f"(nDCG@10 {r.ndcg10:.4f}, MAP {r.map:.4f})  {best[2].label() or '(code defaults)'}"
            )


# --- command line -----------------------------------------------------------------------------


def _floats(text: str) -> list[float | None]:
    return [float(v) for v in text.split(",")] if text else [None]


def _ints(text: str) -> list[int | None]:
    return [int(v) for v in text.split(",")] if text else [None]


def _words(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Returns the command line's options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--collection", default=",".join(COLLECTIONS), help="comma-separated: time,npl,scifact"
    )
    p.add_argument("--limit-queries", type=int, default=None, help="first N queries per collection")
    p.add_argument("--match", default="all,any", help="all (with any-word fallback), any, or both")
    p.add_argument(
        "--engine",
        choices=("fast", "paged"),
        default="fast",
        help="fast: the engine's query reading and ranking; paged: run_search x10",
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
        help="keep the indexes here and reuse them while indexer/ is unchanged",
    )
    p.add_argument(
        "--reuse-stale",
        action="store_true",
        help="with --index-dir, reuse indexes even when indexer/ changed since (for grids)",
    )
    p.add_argument(
        "--vs-defaults",
        action="store_true",
        help="also run the code's defaults and print each setting's paired difference from them",
    )
    grid = p.add_argument_group("settings (comma-separated lists; the grid is their product)")
    grid.add_argument("--k1", default="", help="search.ranking.K1")
    grid.add_argument("--b", default="", help="search.ranking.B")
    grid.add_argument("--title-b", default="", help="search.ranking.FIELD_B['title']")
    grid.add_argument("--title-boost", default="", help="search.query.FIELD_BOOSTS['title']")
    grid.add_argument("--body-boost", default="", help="search.query.FIELD_BOOSTS['body']")
    grid.add_argument("--exact-boost", default="", help="search.query.EXACT_BOOST")
    grid.add_argument("--name-boost", default="", help="search.query.NAME_VARIANT_BOOST")
    grid.add_argument("--concept-weight", default="", help="search.rerank.CONCEPT_WEIGHT")
    grid.add_argument("--or-scale", default="", help="the OrGroup factor (0: no coordination)")
    grid.add_argument("--max-words", default="", help="search.query.MAX_QUERY_WORDS")
    grid.add_argument(
        "--query-form",
        default="raw",
        help="raw | lower (no AND/OR/NOT operators) | words (no syntax at all)",
    )
    grid.add_argument(
        "--titles",
        default="derived",
        help="derived (the loader derives a title from the lede) | empty",
    )
    grid.add_argument("--stopwords", default="default", help="default | lucene | none")
    return p.parse_args(argv)


def settings_from(args: argparse.Namespace) -> list[Setting]:
    """Returns the grid of settings the options describe."""
    variants = [BuildVariant(t, s) for t in _words(args.titles) for s in _words(args.stopwords)]
    axes: dict[str, list[Any]] = {
        "match": _words(args.match),
        "k1": _floats(args.k1),
        "b": _floats(args.b),
        "title_b": _floats(args.title_b),
        "title_boost": _floats(args.title_boost),
        "body_boost": _floats(args.body_boost),
        "exact_boost": _floats(args.exact_boost),
        "name_boost": _floats(args.name_boost),
        "concept_weight": _floats(args.concept_weight),
        "or_scale": _floats(args.or_scale),
        "max_words": _ints(args.max_words),
        "query_form": _words(args.query_form),
        "build": variants,
    }
    return [
        Setting(**dict(zip(axes, values, strict=True)))
        for values in itertools.product(*axes.values())
    ]


def _build_task(task: tuple[str, BuildVariant, str, bool]) -> Built:
    name, variant, root, reuse_stale = task
    return build_collection(name, variant, Path(root), reuse_stale)


def main(argv: Sequence[str] | None = None) -> None:
    """Builds the indexes, runs the settings and prints the tables."""
    logging.basicConfig(level=logging.ERROR)
    args = parse_args(argv)
    names = [c for c in _words(args.collection) if c in COLLECTIONS]
    collections = {c: load_collection(c, args.limit_queries) for c in names}
    settings = settings_from(args)
    if args.vs_defaults:
        defaults = [Setting(match=m) for m in _words(args.match)]
        settings = defaults + [s for s in settings if s not in defaults]
    variants = sorted({s.build for s in settings}, key=BuildVariant.key)
    print(
        f"Lantern relevance bench: {len(settings)} setting(s) x {len(names)} collection(s); "
        f"data {shared_data_dir() / 'ir'}"
    )
    print("code defaults:", json.dumps(current_defaults()))

    temp = None if args.index_dir else tempfile.TemporaryDirectory(prefix="lantern-relevance-")
    root = Path(args.index_dir or temp.name)  # type: ignore[union-attr]
    root.mkdir(parents=True, exist_ok=True)
    context = multiprocessing.get_context("fork")
    try:
        build_tasks = [(c, v, str(root), args.reuse_stale) for v in variants for c in names]
        with context.Pool(max(1, min(args.jobs, len(build_tasks)))) as pool:
            builts = pool.map(_build_task, build_tasks, chunksize=1)
        built_by = {(b.collection, b.variant): b for b in builts}
        print_builds(builts, collections)

        if args.check:
            print(
                f"\nfast path vs run_search paged (per_page={PER_PAGE}, pages 1..{DEPTH // PER_PAGE})"
            )
            checked: dict[str, Setting] = {}  # the first setting of each match mode
            for setting in settings:
                checked.setdefault(setting.match, setting)
            for setting in checked.values():
                for c in names:
                    built = built_by[(c, setting.build)]
                    print(
                        " ", check_engines(collections[c], built, setting, args.check), flush=True
                    )
            _OPENED.clear()  # the workers open their own searchers

        tasks = [
            (collections[c], built_by[(c, s.build)], s, args.engine)
            for s in sorted(settings, key=lambda s: repr(s.weighting_key()))
            for c in names
        ]
        results: list[Result] = []
        started = time.monotonic()
        with context.Pool(max(1, min(args.jobs, len(tasks))), initializer=_OPENED.clear) as pool:
            for done, result in enumerate(pool.imap_unordered(evaluate, tasks, chunksize=1), 1):
                results.append(result)
                base = BASELINES[result.collection]
                print(
                    f"[{done}/{len(tasks)} {time.monotonic() - started:.0f}s] "
                    f"{result.collection} {result.setting.label() or '(defaults)'}: "
                    f"nDCG@10 {result.ndcg10:.4f} MAP {result.map:.4f} "
                    f"({METRIC_NAMES[base.metric]} {relative_gain(result):+.1%})",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        if temp is not None:
            temp.cleanup()

    order = {s: i for i, s in enumerate(settings)}
    results.sort(key=lambda r: (order[r.setting], names.index(r.collection)))
    for setting in settings:
        rows = [r for r in results if r.setting == setting]
        built_for = {c: built_by[(c, setting.build)] for c in names}
        label = setting.label().replace(f"match={setting.match}", "").strip()
        # Paired differences from the code's defaults in the same match mode when they ran
        # (--vs-defaults), else from the first setting.
        ref_setting = Setting(match=setting.match)
        if ref_setting not in order:
            ref_setting = settings[0]
        reference = {r.collection: r for r in results if r.setting == ref_setting}
        print_table(
            rows,
            built_for,
            f"Setting: match={setting.match} {label or '(code defaults)'}",
            reference if setting != ref_setting else None,
        )
    if len(settings) > 1:
        print_grid(results, names)


if __name__ == "__main__":
    main()
