"""Scale: Lantern beside Datasette over SQLite FTS5, on the same archive at several sizes.

For each size, in one run (bench/scale_corpus.py makes the corpus: real articles read in place
from ../shared/data, grown with articles made of real sentences; or `reuters`, exactly the
16,618 Reuters-21578 stories of 40 words or more), into a temporary folder (or --keep DIR,
outside the repository):

1. Lantern: a full build into an empty index as the CLI runs it (`python -m indexer build
   --full --workers 2`, a subprocess, end to end: articles/s and the seconds of each stage),
   the index's size on disk; then gunicorn as deployed (gunicorn.conf.py, 2 sync workers, a
   free loopback port, LANTERN_INDEX and LANTERN_CORPUS set) and each worker's VmRSS (and
   PSS) after a warm-up pass of the query mix and again after the measured load.
2. The peer, on the same articles: `sqlite-utils insert DB articles - --nl --pk id` (the
   same JSON Lines), then `sqlite-utils enable-fts DB articles title body --fts5`, each timed,
   the database's size; `datasette serve DB` as Datasette runs (one process: uvicorn with its
   SQL thread pool; it has no worker processes), its VmRSS after the warm-up and the load.
3. The load, the same for both: a fixed mix of --queries (300) queries made from a seeded
   sample of the corpus: every third one broad (a word, or two, in more than a fifth of the
   articles by document frequency), the others one word of middling frequency, two words of
   one paragraph, names found in the text (who "said" something, mostly people, some firms;
   dateline places), quoted 3-word phrases, and a word with a filter (a date range, a source,
   a section or a year). --clients (4) threads of one httpx client code issue the whole mix
   once as a warm-up, then once measured: p50/p95/p99 latency (also per kind of query),
   req/s, failed requests, the servers' CPU per request, the hits each system found.
   Lantern: `/api/search?q=...&per_page=10` (10 hits with snippets, every facet and the
   histogram: the API's default). Datasette: `/archive/articles.json?_search=...&_size=10&
   _facet=source&_facet=year&_facet_size=10&_nosuggest=1` (two facets, facet values capped at
   Lantern's 10; `_nosuggest`: no suggested facets, work Lantern does not do), filters as
   `?source=` / `?section=` / `?year=` and `?published__gte=` / `?published__lte=`; phrases
   keep their quotes (Datasette's escaping keeps them and FTS5 reads them as phrases).

Then a table per size, Lantern beside Datasette with the ratios (Lantern / Datasette: time,
size and memory; req/s too), and one row per size to compare them.

    python bench/scale.py [--sizes 20000,100000,200000] [--reuters] [--format jsonl|text]
        [--seed S] [--clients 4] [--queries 300] [--workers 2] [--fts-tokenize porter]
        [--datasette-arg=-i ...] [--keep DIR] [--json-out PATH]

`--sizes 2000` is a quick run; `--reuters` runs the Reuters-21578 corpus (with --sizes, after
them). `--format text` gives Lantern text pages with sidecars instead of JSON Lines (the peer
still loads JSON Lines). `--datasette-arg` passes an argument to `datasette serve` (`-i` for
immutable mode, `--setting=sql_time_limit_ms=5000`...). --json-out is written after each size.
Needs the `bench` extra (datasette, sqlite-utils: `pip install -e '.[bench]'`). Data:
$LANTERN_SHARED_DATA, else <repo>/../shared/data, read in place. Prints numbers (progress to
stderr); asserts nothing.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from random import Random
from typing import Any, Literal

import httpx

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from analysis.stopwords import STOP_WORDS  # noqa: E402
from bench.scale_corpus import Story, Written, write_corpus  # noqa: E402
from bench.shared import shared_data_dir  # noqa: E402
from bench.updates import (  # noqa: E402
    _NOT_NAME,
    _SAID_NAME,
    Gunicorn,
    Server,
    finish,
    free_port,
    log,
    run_cli,
    save_json,
    table,
)

DEFAULT_SIZES = "20000,100000,200000"
DEFAULT_SEED = 2024
QUERIES = 300
CLIENTS = 4
BUILD_WORKERS = 2
PER_PAGE = 10
REQUEST_TIMEOUT = 120.0
BROAD_SHARE = 0.23  # in the sample: over a fifth of the archive, with a margin for sampling
DB_NAME = "archive"  # the database file's stem: Datasette's URL names it
TABLE = "articles"
DATASETTE_FACETS = ("source", "year")

Size = int | Literal["reuters"]

_WORD = re.compile(r"[a-z]{4,}")
_PAIR_WORD = re.compile(r"[a-z]{5,}")
_DATELINE_PLACE = re.compile(
    r"^([A-Z][A-Z.'\- ]{2,}?)(?:, [A-Z][A-Za-z.'\- ]+)?, [A-Z][a-z]+\.? \d"
)
# What bench/updates.py's "<Name> said" finds that is not a person's name: a title before a
# surname, an organization.
_NOT_PERSON = re.compile(
    r"^(?:Mr|Mrs|Ms|Dr|Sir|Lord|Spokesman|Minister|President|Chairman|Secretary|Senator)\b"
    r"|\b(?:Association|Agency|Bank|Board|Commission|Committee|Company|Council|Department|"
    r"Group|Ministry|Office|Party|Service|Trust|Union)$"
)
# A word Lantern or FTS5 reads as syntax.
_SYNTAX_WORDS = {"and", "or", "not", "near"}


# --- The query mix -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    """One search of the mix: its kind, its text and its filters (Lantern's parameter names:
    source, section, year, from, to)."""

    kind: str  # broad, word, pair, name, phrase, filtered
    text: str
    filters: tuple[tuple[str, str], ...] = ()

    def lantern(self) -> tuple[tuple[str, str], ...]:
        return (("q", self.text), ("per_page", str(PER_PAGE)), *self.filters)

    def datasette(self) -> tuple[tuple[str, str], ...]:
        params: list[tuple[str, str]] = [("_search", self.text), ("_size", str(PER_PAGE))]
        params += [("_facet", name) for name in DATASETTE_FACETS]
        params += [("_facet_size", str(PER_PAGE)), ("_nosuggest", "1")]
        for name, value in self.filters:
            if name == "from":
                params.append(("published__gte", value))
            elif name == "to":
                params.append(("published__lte", value))
            else:
                params.append((name, value))
        return tuple(params)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "q": self.text, "filters": dict(self.filters)}


def _words(story: Story) -> set[str]:
    text = (story.title + "\n" + story.body).lower()
    return {w for w in _WORD.findall(text) if w not in STOP_WORDS and w not in _SYNTAX_WORDS}


def query_mix(sample: Sequence[Story], seed: int, count: int = QUERIES) -> list[Query]:
    """Returns the fixed mix of `count` queries made from a sample of the corpus.

    Every third query is broad: a word (or two words) in more than BROAD_SHARE of the sampled
    articles, by document frequency (repeated in turn when there are fewer than needed). Of the
    others, 30% are one word found in 0.1-5% of them, 20% two words of one paragraph, 20% names
    (who "said" something; dateline places), 20% quoted 3-word runs of a clause, and 10% a
    middling word with a filter: two successive months the archive has, a source, a section
    or a year.
    """
    rng = Random(seed)
    documents = [_words(story) for story in sample]
    df: Counter[str] = Counter(w for words in documents for w in words)
    n = len(sample)
    broad_words = sorted((w for w, k in df.items() if k / n > BROAD_SHARE), key=lambda w: -df[w])
    broad = [Query("broad", w) for w in broad_words]
    for a, b in (
        p for i, a in enumerate(broad_words) for p in ((a, b) for b in broad_words[i + 1 :])
    ):
        together = sum(1 for words in documents if a in words and b in words)
        if together / n > BROAD_SHARE:
            broad.append(Query("broad", f"{a} {b}"))
    rng.shuffle(broad)
    wanted_broad = count // 3
    broad = [broad[i % len(broad)] for i in range(wanted_broad)] if broad else []

    others_wanted = count - len(broad)
    low, high = max(3, round(0.001 * n)), 0.05 * n
    middling = sorted(w for w, k in df.items() if low <= k <= high)
    words = [
        Query("word", w) for w in rng.sample(middling, min(len(middling), others_wanted * 3 // 10))
    ]

    pairs: list[Query] = []
    while len(pairs) < others_wanted // 5:
        paragraph = rng.choice(rng.choice(sample).paragraphs)
        candidates = sorted(
            {w for w in _PAIR_WORD.findall(paragraph.lower()) if w not in _SYNTAX_WORDS}
        )
        if len(candidates) >= 2:
            pairs.append(Query("pair", " ".join(rng.sample(candidates, 2))))

    names = _names(sample, rng, others_wanted // 5)

    phrases: list[Query] = []
    while len(phrases) < others_wanted // 5:
        raw = rng.choice(rng.choice(sample).paragraphs).split()
        start = rng.randrange(max(1, len(raw) - 3))
        phrase = [w.strip("\"'()") for w in raw[start : start + 3]]
        phrase[-1] = phrase[-1].rstrip(",.;:!?")  # one clause: no mark inside the phrase
        if (
            len(phrase) == 3
            and all(w.isalpha() for w in phrase)
            and not {w.lower() for w in phrase} <= STOP_WORDS | _SYNTAX_WORDS
        ):
            phrases.append(Query("phrase", '"' + " ".join(phrase) + '"'))

    filters = _filters(sample, rng)
    filtered: list[Query] = []
    while filters and len(words) + len(pairs) + len(names) + len(phrases) + len(filtered) < (
        others_wanted
    ):
        filtered.append(
            Query("filtered", rng.choice(middling), filters[len(filtered) % len(filters)])
        )

    others = words + pairs + names + phrases + filtered
    rng.shuffle(others)
    mix: list[Query] = []
    for i in range(count):
        if i % 3 == 2 and broad:
            mix.append(broad.pop())
        elif others:
            mix.append(others.pop())
        else:
            mix.append(broad.pop())
    return mix


def _names(sample: Sequence[Story], rng: Random, wanted: int) -> list[Query]:
    """Returns `wanted` names from the text: about 3 people (a name before "said") to 2 places
    (the dateline of a wire story), drawn from the most frequent."""
    people: Counter[str] = Counter()
    places: Counter[str] = Counter()
    for story in sample:
        people.update(
            m
            for m in _SAID_NAME.findall(story.body)
            if not _NOT_NAME.search(m) and not _NOT_PERSON.search(m)
        )
        m = _DATELINE_PLACE.match(story.paragraphs[0])
        if m:
            places[m[1].strip().title()] += 1
    wanted_places = min(len(places), wanted * 2 // 5)
    common_people = sorted(p for p, _ in people.most_common(wanted * 3))
    common_places = sorted(p for p, _ in places.most_common(wanted_places * 2))
    chosen = rng.sample(common_places, min(wanted_places, len(common_places)))
    chosen += rng.sample(common_people, min(wanted - len(chosen), len(common_people)))
    return [Query("name", name) for name in chosen]


def _filters(sample: Sequence[Story], rng: Random) -> list[tuple[tuple[str, str], ...]]:
    """Returns filters the corpus has values for: date ranges of two successive months,
    sources, sections, years (each kind in turn)."""
    months = sorted({s.published[:7] for s in sample if s.published})
    sources = Counter(s.source for s in sample)
    sections = Counter(s.section for s in sample if s.section)
    years = sorted({str(s.year) for s in sample if s.year})
    kinds: list[list[tuple[tuple[str, str], ...]]] = []
    if len(months) >= 2:
        ranges: list[tuple[tuple[str, str], ...]] = []
        for _ in range(5):
            first = rng.randrange(len(months) - 1)
            start, end = months[first], months[first + 1]
            ranges.append((("from", f"{start}-01"), ("to", _month_end(end))))
        kinds.append(ranges)
    if len(sources) >= 2:
        kinds.append([(("source", s),) for s, _ in sources.most_common(5)])
    if sections:
        kinds.append([(("section", s),) for s, _ in sections.most_common(5)])
    if years:
        kinds.append([(("year", y),) for y in years[:5]])
    # Each kind in turn, as long as the longest lasts.
    return [f for group in itertools.zip_longest(*kinds) for f in group if f is not None]


def _month_end(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28]
    days += [31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return f"{month}-{days[number - 1]:02d}"


# --- Processes and their memory ------------------------------------------------------------


def _proc_kb(pid: int, file: str, key: str) -> int:
    """Returns a kB figure of /proc/<pid>/<file> (status: VmRSS; smaps_rollup: Pss), 0 if gone."""
    try:
        text = Path(f"/proc/{pid}/{file}").read_text()
    except OSError:
        return 0
    m = re.search(rf"^{key}:\s+(\d+) kB", text, re.M)
    return int(m[1]) if m else 0


def _status_kb(pid: int, key: str) -> int:
    return _proc_kb(pid, "status", key)


def _pss_kb(pid: int) -> int:
    return _proc_kb(pid, "smaps_rollup", "Pss")


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def memory(pids: Sequence[int]) -> list[dict[str, float]]:
    """Returns each process's VmRSS and PSS in MB (PSS shares the pages forked workers share)."""
    return [
        {
            "pid": pid,
            "rss_mb": round(_status_kb(pid, "VmRSS") / 1024, 1),
            "pss_mb": round(_pss_kb(pid) / 1024, 1),
        }
        for pid in pids
    ]


def _folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class Datasette(Server):
    """`datasette serve DB` on a free loopback port, as Datasette runs by default."""

    def __init__(self, db: Path, log_path: Path, extra: Sequence[str] = ()) -> None:
        port = free_port()
        command = [
            str(Path(sys.executable).parent / "datasette"),
            "serve",
            str(db),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *extra,
        ]
        super().__init__(
            command,
            f"http://127.0.0.1:{port}",
            log_path,
            health="/-/versions.json",
            cwd=log_path.parent,
            start_seconds=120,
        )

    def __enter__(self) -> Datasette:
        super().__enter__()
        return self


# --- The load ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    """One request of the load."""

    index: int  # the query's place in the mix
    seconds: float
    error: str  # "" for a 200
    hits: int | None
    notes: tuple[str, ...] = ()  # "relaxed", "facets timed out", ...
    size: int = 0  # bytes of the body, as sent


@dataclass(frozen=True, slots=True)
class System:
    """How the load asks one system and reads its answers."""

    name: str
    path: str
    params: Callable[[Query], tuple[tuple[str, str], ...]]
    hits: Callable[[dict[str, Any]], int | None]
    notes: Callable[[dict[str, Any]], tuple[str, ...]]


def _datasette_notes(data: dict[str, Any]) -> tuple[str, ...]:
    """Returns what Datasette left out of an answer: its JSON lists only the facets computed
    within facet_time_limit_ms, and the count is null when it ran past sql_time_limit_ms."""
    notes = []
    if set(DATASETTE_FACETS) - set(data.get("facet_results") or {}):
        notes.append("a facet timed out")
    if data.get("filtered_table_rows_count") is None:
        notes.append("count timed out")
    return tuple(notes)


LANTERN = System(
    "Lantern",
    "/api/search",
    Query.lantern,
    lambda data: data.get("total"),
    lambda data: ("relaxed",) if (data.get("reading") or {}).get("relaxed") else (),
)
DATASETTE = System(
    "Datasette",
    f"/{DB_NAME}/{TABLE}.json",
    Query.datasette,
    lambda data: data.get("filtered_table_rows_count"),
    _datasette_notes,
)


def run_load(
    base: str, system: System, mix: Sequence[Query], clients: int
) -> tuple[list[Answer], float]:
    """Issues every query of the mix once from `clients` threads (each takes the next query
    not yet asked); returns the answers, in mix order, and the wall-clock seconds."""
    answers: list[Answer | None] = [None] * len(mix)
    turn = iter(range(len(mix)))
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as http:
            while True:
                with lock:
                    index = next(turn, None)
                if index is None:
                    return
                query = mix[index]
                started = time.perf_counter()
                try:
                    response = http.get(system.path, params=system.params(query))
                    seconds = time.perf_counter() - started
                except httpx.HTTPError as err:
                    seconds = time.perf_counter() - started
                    answers[index] = Answer(index, seconds, type(err).__name__, None)
                    continue
                answers[index] = _read_answer(index, seconds, response, system)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return [a for a in answers if a is not None], wall


def _read_answer(index: int, seconds: float, response: httpx.Response, system: System) -> Answer:
    size = int(response.headers.get("content-length") or len(response.content))
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.status_code != 200:
        message = data.get("error") if isinstance(data, dict) else None
        if isinstance(message, dict):
            message = message.get("message")
        detail = f": {str(message)[:80]}" if message else ""
        return Answer(index, seconds, f"HTTP {response.status_code}{detail}", None, (), size)
    return Answer(index, seconds, "", system.hits(data), system.notes(data), size)


def _percentile(values: Sequence[float], share: float) -> float:
    """Returns the nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summarize(
    answers: Sequence[Answer], wall: float, mix: Sequence[Query], articles: int
) -> dict[str, Any]:
    """Returns the load's numbers: latencies, throughput, failures, hits and notes."""
    ms = [a.seconds * 1000 for a in answers]
    failed = [a for a in answers if a.error]
    by_kind: dict[str, dict[str, float]] = {}
    for kind in sorted({q.kind for q in mix}):
        times = [a.seconds * 1000 for a in answers if mix[a.index].kind == kind]
        by_kind[kind] = {
            "requests": len(times),
            "p50_ms": round(_percentile(times, 0.50), 1),
            "p95_ms": round(_percentile(times, 0.95), 1),
        }
    hits = [a.hits for a in answers if a.hits is not None]
    broad_shares = [
        a.hits / articles for a in answers if mix[a.index].kind == "broad" and a.hits is not None
    ]
    notes: Counter[str] = Counter(n for a in answers for n in a.notes)
    return {
        "requests": len(answers),
        "failed": len(failed),
        "errors": dict(Counter(a.error for a in failed)),
        "p50_ms": round(_percentile(ms, 0.50), 1),
        "p95_ms": round(_percentile(ms, 0.95), 1),
        "p99_ms": round(_percentile(ms, 0.99), 1),
        "max_ms": round(max(ms), 1) if ms else math.nan,
        "mean_ms": round(statistics.fmean(ms), 1) if ms else math.nan,
        "seconds": round(wall, 2),
        "requests_per_second": round(len(answers) / wall, 2) if wall else math.nan,
        "by_kind": by_kind,
        "median_hits": statistics.median(hits) if hits else None,
        "no_hits": sum(1 for h in hits if h == 0),
        "broad_share_min": round(min(broad_shares), 3) if broad_shares else None,
        "broad_share_median": round(statistics.median(broad_shares), 3) if broad_shares else None,
        "broad_under_a_fifth": sum(1 for s in broad_shares if s <= 0.2),
        "notes": dict(notes),
        "mean_kb": round(statistics.fmean(a.size for a in answers) / 1024, 1) if answers else 0,
        "slowest": [
            {"ms": round(a.seconds * 1000), "query": mix[a.index].to_json()}
            for a in sorted(answers, key=lambda a: -a.seconds)[:3]
        ],
    }


def measure(
    base: str,
    system: System,
    pids: Callable[[], list[int]],
    mix: Sequence[Query],
    args: Any,
    articles: int,
) -> dict[str, Any]:
    """Warms the server up with the mix, then measures it: memory after each, the load."""
    log(f"{system.name}: warm-up pass ({len(mix)} queries, {args.clients} clients)")
    warm, warm_wall = run_load(base, system, mix, args.clients)
    after_warm_up = memory(pids())
    log(f"{system.name}: measured pass")
    cpu_before = sum(_cpu_seconds(pid) for pid in pids())
    answers, wall = run_load(base, system, mix, args.clients)
    cpu = sum(_cpu_seconds(pid) for pid in pids()) - cpu_before
    result = summarize(answers, wall, mix, articles)
    result["server_cpu_ms_per_request"] = round(1000 * cpu / max(1, len(answers)), 1)
    result["warm_up"] = {
        "seconds": round(warm_wall, 2),
        "failed": sum(1 for a in warm if a.error),
        "p50_ms": round(_percentile([a.seconds * 1000 for a in warm], 0.5), 1),
    }
    result["memory_after_warm_up"] = after_warm_up
    result["memory_after_load"] = memory(pids())
    log(
        f"{system.name}: p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms, "
        f"p99 {result['p99_ms']:.0f} ms, {result['requests_per_second']:.1f} req/s, "
        f"{result['failed']} failed"
    )
    return result


# --- One size ------------------------------------------------------------------------------


def run_lantern(work: Path, corpus: Path, mix: Sequence[Query], articles: int, args: Any) -> dict:
    index = work / "index"
    log(f"Lantern: python -m indexer build --full --workers {args.workers}")
    built = run_cli(corpus, index, "--full", "--workers", str(args.workers))
    report = built.report
    state = index / "lantern-state.sqlite"
    result: dict[str, Any] = {
        "build_seconds": built.seconds,
        "articles_per_second": round(articles / built.seconds, 1),
        "stages": built.stages,
        "build_cpu_seconds": built.cpu,
        "load_average_before": round(built.load, 2),
        "articles_indexed": report["articles_indexed"],
        "duplicates": report["duplicates"],
        "skipped": len(report["skipped"]),
        "index_mb": round(_folder_bytes(index) / 2**20, 1),
        "state_mb": round(state.stat().st_size / 2**20, 1) if state.exists() else 0.0,
    }
    log(
        f"Lantern: built in {built.seconds:.1f} s ({result['articles_per_second']:.0f} "
        f"articles/s), {result['index_mb']:.0f} MB"
    )
    log("Lantern: gunicorn (gunicorn.conf.py, 2 sync workers)")
    started = time.perf_counter()
    with Gunicorn(corpus, index, work / "gunicorn.log") as server:
        assert server.process is not None
        master = server.process.pid
        load = measure(server.base, LANTERN, lambda: _children(master), mix, args, articles)
        load["master"] = memory([master])
        result["articles_served"] = server.articles()
    result["load"] = load
    result["server_tracebacks"] = (
        (work / "gunicorn.log").read_text(errors="replace").count("Traceback")
    )
    result["serve_and_load_seconds"] = round(time.perf_counter() - started, 1)
    if not args.keep:
        shutil.rmtree(index)
    return result


def run_datasette(
    work: Path, records: Sequence[Path], mix: Sequence[Query], articles: int, args: Any
) -> dict:
    db = work / f"{DB_NAME}.db"
    tools = Path(sys.executable).parent
    log(f"SQLite: sqlite-utils insert ({len(records)} JSON Lines files on its standard input)")
    started = time.perf_counter()
    insert = subprocess.Popen(
        [str(tools / "sqlite-utils"), "insert", str(db), TABLE, "-", "--nl", "--pk", "id"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert insert.stdin is not None
    for path in records:
        insert.stdin.write(path.read_bytes())
    insert.stdin.close()
    insert_stderr = insert.stderr.read() if insert.stderr else b""
    if insert.wait() != 0:
        raise RuntimeError(f"sqlite-utils insert failed: {insert_stderr.decode(errors='replace')}")
    insert_seconds = time.perf_counter() - started
    fts = [str(tools / "sqlite-utils"), "enable-fts", str(db), TABLE, "title", "body", "--fts5"]
    if args.fts_tokenize:
        fts += ["--tokenize", args.fts_tokenize]
    log("SQLite: sqlite-utils enable-fts ... --fts5")
    started_fts = time.perf_counter()
    subprocess.run(fts, check=True, capture_output=True)
    fts_seconds = time.perf_counter() - started_fts
    load_seconds = insert_seconds + fts_seconds
    result: dict[str, Any] = {
        "insert_seconds": round(insert_seconds, 2),
        "fts_seconds": round(fts_seconds, 2),
        "load_seconds": round(load_seconds, 2),
        "articles_per_second": round(articles / load_seconds, 1),
        "db_mb": round(sum(p.stat().st_size for p in work.glob(f"{DB_NAME}.db*")) / 2**20, 1),
        "tokenize": args.fts_tokenize or "unicode61 (the default)",
    }
    log(
        f"SQLite: loaded in {load_seconds:.1f} s (insert {insert_seconds:.1f}, FTS "
        f"{fts_seconds:.1f}), {result['db_mb']:.0f} MB"
    )
    log("Datasette: datasette serve (one process)")
    started = time.perf_counter()
    with Datasette(db, work / "datasette.log", args.datasette_arg) as server:
        assert server.process is not None
        pid = server.process.pid
        result["load"] = measure(server.base, DATASETTE, lambda: [pid], mix, args, articles)
        rows = httpx.get(f"{server.base}/{DB_NAME}/{TABLE}.json?_size=0", timeout=60).json()
        result["rows"] = rows.get("filtered_table_rows_count")
    result["serve_and_load_seconds"] = round(time.perf_counter() - started, 1)
    if not args.keep:
        for path in work.glob(f"{DB_NAME}.db*"):
            path.unlink()
    return result


def run_size(work: Path, size: Size, args: Any) -> dict[str, Any]:
    began = time.perf_counter()
    label = "Reuters-21578" if size == "reuters" else f"{size:,} articles"
    log(f"=== {label}: writing the corpus ({args.format})")
    corpus = work / "corpus"
    written: Written = write_corpus(
        shared_data_dir(), size, args.seed, corpus, work / "records", args.format
    )
    corpus_seconds = time.perf_counter() - began
    log(
        f"{written.stories:,} articles, {written.corpus_bytes / 2**20:.1f} MB in {corpus_seconds:.0f} s"
    )
    mix = query_mix(written.sample, args.seed, args.queries)
    articles = written.stories
    lantern = run_lantern(work, corpus, mix, articles, args)
    datasette = run_datasette(work, written.records, mix, articles, args)
    if not args.keep:
        shutil.rmtree(corpus)
        shutil.rmtree(work / "records", ignore_errors=True)
    return {
        "size": size,
        "label": label,
        "corpus": written.to_json() | {"format": args.format, "seconds": round(corpus_seconds, 1)},
        "queries": [q.to_json() for q in mix],
        "mix": dict(Counter(q.kind for q in mix)),
        "distinct_queries": len({(q.text, q.filters) for q in mix}),
        "lantern": lantern,
        "datasette": datasette,
        "seconds": round(time.perf_counter() - began, 1),
    }


# --- Report --------------------------------------------------------------------------------


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or not b or math.isnan(a) or math.isnan(b):
        return "–"
    return f"{a / b:.2f}"


def _mb(processes: Sequence[dict[str, float]]) -> str:
    return " + ".join(f"{p['rss_mb']:.0f}" for p in processes) or "–"


def _total(processes: Sequence[dict[str, float]], key: str = "rss_mb") -> float:
    return sum(p[key] for p in processes)


def size_report(result: dict[str, Any]) -> str:
    corpus, la, ds = result["corpus"], result["lantern"], result["datasette"]
    ll, dl = la["load"], ds["load"]
    lines = [
        f"### {result['label']}",
        "",
        f"{corpus['articles']:,} articles ({corpus['real']:,} real, {corpus['made_up']:,} made of "
        f"real sentences; {corpus['dated']:,} dated), {corpus['megabytes']:.1f} MB as "
        f"{corpus['format']} ({corpus['files']} JSON Lines files); by source: "
        + ", ".join(f"{k} {v:,}" for k, v in corpus["by_source"].items())
        + f". Mix: {len(result['queries'])} queries ({result['distinct_queries']} distinct): "
        + ", ".join(f"{k} {v}" for k, v in sorted(result["mix"].items()))
        + ".",
        "",
    ]
    rows: list[list[Any]] = [
        [
            "build / load s (end to end)",
            f"{la['build_seconds']:.1f}",
            f"{ds['load_seconds']:.1f} (insert {ds['insert_seconds']:.1f}, FTS {ds['fts_seconds']:.1f})",
            _ratio(la["build_seconds"], ds["load_seconds"]),
        ],
        [
            "articles/s",
            f"{la['articles_per_second']:,.0f}",
            f"{ds['articles_per_second']:,.0f}",
            _ratio(la["articles_per_second"], ds["articles_per_second"]),
        ],
        [
            "articles searchable",
            f"{la['articles_served']:,} ({la['duplicates']:,} duplicates merged)",
            f"{ds['rows']:,}" if ds.get("rows") is not None else "–",
            "",
        ],
        [
            "on disk MB",
            f"{la['index_mb']:.0f} (state {la['state_mb']:.0f})",
            f"{ds['db_mb']:.0f}",
            _ratio(la["index_mb"], ds["db_mb"]),
        ],
        [
            "RSS after warm-up MB",
            f"{_mb(ll['memory_after_warm_up'])} (workers; PSS {_total(ll['memory_after_warm_up'], 'pss_mb'):.0f})",
            _mb(dl["memory_after_warm_up"]),
            _ratio(_total(ll["memory_after_warm_up"]), _total(dl["memory_after_warm_up"])),
        ],
        [
            "RSS after the load MB",
            f"{_mb(ll['memory_after_load'])} (master {_mb(ll['master'])})",
            _mb(dl["memory_after_load"]),
            _ratio(_total(ll["memory_after_load"]), _total(dl["memory_after_load"])),
        ],
        [
            "requests (failed)",
            f"{ll['requests']} ({ll['failed']})",
            f"{dl['requests']} ({dl['failed']})",
            "",
        ],
    ]
    for key, name in (("p50_ms", "p50 ms"), ("p95_ms", "p95 ms"), ("p99_ms", "p99 ms")):
        rows.append([name, f"{ll[key]:,.0f}", f"{dl[key]:,.0f}", _ratio(ll[key], dl[key])])
    rows.append(
        [
            "req/s",
            f"{ll['requests_per_second']:.1f}",
            f"{dl['requests_per_second']:.1f}",
            _ratio(ll["requests_per_second"], dl["requests_per_second"]),
        ]
    )
    for kind in ("broad", "word", "pair", "name", "phrase", "filtered"):
        if kind in ll["by_kind"]:
            lk, dk = ll["by_kind"][kind], dl["by_kind"][kind]
            rows.append(
                [
                    f"… {kind} ({lk['requests']}) p50 / p95 ms",
                    f"{lk['p50_ms']:,.0f} / {lk['p95_ms']:,.0f}",
                    f"{dk['p50_ms']:,.0f} / {dk['p95_ms']:,.0f}",
                    f"{_ratio(lk['p50_ms'], dk['p50_ms'])} / {_ratio(lk['p95_ms'], dk['p95_ms'])}",
                ]
            )
    rows += [
        [
            "server CPU ms per request",
            f"{ll['server_cpu_ms_per_request']:.0f}",
            f"{dl['server_cpu_ms_per_request']:.0f}",
            _ratio(ll["server_cpu_ms_per_request"], dl["server_cpu_ms_per_request"]),
        ],
        [
            "median hits; queries with none",
            f"{ll['median_hits']}; {ll['no_hits']}",
            f"{dl['median_hits']}; {dl['no_hits']}",
            "",
        ],
        [
            "broad queries: share matched, min / median",
            f"{ll['broad_share_min']} / {ll['broad_share_median']}",
            f"{dl['broad_share_min']} / {dl['broad_share_median']}",
            "",
        ],
        [
            "answer: mean KB; notes",
            f"{ll['mean_kb']:.1f}; "
            + (", ".join(f"{k} {v}" for k, v in ll["notes"].items()) or "–"),
            f"{dl['mean_kb']:.1f}; "
            + (", ".join(f"{k} {v}" for k, v in dl["notes"].items()) or "–"),
            "",
        ],
    ]
    lines.append(table(["", "Lantern", "Datasette (SQLite FTS5)", "Lantern / Datasette"], rows))
    errors = [(name, part["load"]["errors"]) for name, part in (("Lantern", la), ("Datasette", ds))]
    for name, found in errors:
        if found:
            lines.append(f"\n{name} errors: " + "; ".join(f"{k} ×{v}" for k, v in found.items()))
    lines += [
        "",
        "Lantern build stages (s): "
        + ", ".join(f"{k} {v:.1f}" for k, v in la["stages"].items())
        + f"; server tracebacks: {la['server_tracebacks']}.",
        "Slowest: Lantern "
        + "; ".join(f"{s['ms']:,} ms {s['query']['q']!r}" for s in ll["slowest"])
        + " — Datasette "
        + "; ".join(f"{s['ms']:,} ms {s['query']['q']!r}" for s in dl["slowest"])
        + ".",
        f"This size took {result['seconds'] / 60:.1f} min: corpus {corpus['seconds']:.0f} s, "
        f"Lantern build {la['build_seconds']:.0f} s and serving {la['serve_and_load_seconds']:.0f} s, "
        f"SQLite load {ds['load_seconds']:.0f} s and Datasette serving "
        f"{ds['serve_and_load_seconds']:.0f} s.",
    ]
    return "\n".join(lines)


def report(results: dict[str, Any]) -> str:
    out = [
        f"Lantern beside Datasette {results['versions']['datasette']} (SQLite "
        f"{results['versions']['sqlite']} FTS5, sqlite-utils {results['versions']['sqlite_utils']}); "
        f"seed {results['seed']}; {results['clients']} client threads; {results['cores']} cores; "
        f"load average {results['load_average_before']:.1f} as the run began.",
        "",
        "What each answer holds: Lantern ranks by BM25F with concept re-ranking, and returns 10 "
        "hits with highlighted snippets, 7 facets over every hit (source, section, person, "
        "organization, place, year, month; 10 values each) and a monthly histogram, from 2 "
        "gunicorn sync workers; words are stemmed, names matched across spellings. Datasette "
        "returns the first 10 matching rows in primary-key order (its table view does not rank "
        "by relevance), whole rows (bodies included, no snippets), 2 facets (source, year; 10 "
        "values), the count of matches, from one process (uvicorn; SQL on a pool of 3 "
        "threads: Datasette does not run several processes); FTS5 does not stem unless "
        "--fts-tokenize porter. Both: every word required, phrases as phrases.",
        "",
    ]
    for result in results["sizes"]:
        out += [size_report(result), ""]
    rows = []
    for result in results["sizes"]:
        ll, dl = result["lantern"]["load"], result["datasette"]["load"]
        rows.append(
            [
                result["label"],
                f"{result['lantern']['articles_per_second']:,.0f} / {result['datasette']['articles_per_second']:,.0f}",
                f"{ll['p50_ms']:,.0f} / {dl['p50_ms']:,.0f} ({_ratio(ll['p50_ms'], dl['p50_ms'])})",
                f"{ll['p95_ms']:,.0f} / {dl['p95_ms']:,.0f} ({_ratio(ll['p95_ms'], dl['p95_ms'])})",
                f"{ll['p99_ms']:,.0f} / {dl['p99_ms']:,.0f} ({_ratio(ll['p99_ms'], dl['p99_ms'])})",
                f"{ll['requests_per_second']:.1f} / {dl['requests_per_second']:.1f} "
                f"({_ratio(ll['requests_per_second'], dl['requests_per_second'])})",
                f"{_total(ll['memory_after_load']):.0f} / {_total(dl['memory_after_load']):.0f}",
                f"{ll['failed']} / {dl['failed']}",
                f"{result['seconds'] / 60:.1f}",
            ]
        )
    out.append("All sizes, Lantern / Datasette (ratio):")
    out.append("")
    out.append(
        table(
            [
                "archive",
                "build articles/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "req/s",
                "RSS after load MB (all workers)",
                "failed",
                "minutes",
            ],
            rows,
        )
    )
    return "\n".join(out)


# --- The run -------------------------------------------------------------------------------


def _versions() -> dict[str, str]:
    import sqlite3
    from importlib.metadata import version

    return {
        "datasette": version("datasette"),
        "sqlite_utils": version("sqlite-utils"),
        "sqlite": sqlite3.sqlite_version,
    }


def parse_sizes(text: str) -> list[Size]:
    sizes: list[Size] = []
    for part in text.split(","):
        part = part.strip().replace("_", "")
        if part == "reuters":
            sizes.append("reuters")
        elif part.isdigit() and int(part) >= 100:
            sizes.append(int(part))
        else:
            raise argparse.ArgumentTypeError(f"not a size: {part!r} (a number >= 100 or reuters)")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        help=f"articles, comma-separated (default {DEFAULT_SIZES}); 'reuters' for the Reuters corpus",
    )
    parser.add_argument(
        "--reuters",
        action="store_true",
        help="the 16,618 Reuters-21578 stories of 40 words or more",
    )
    parser.add_argument(
        "--format",
        choices=("jsonl", "text"),
        default="jsonl",
        help="Lantern's corpus: JSON Lines files or text pages with sidecars",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--clients", type=int, default=CLIENTS, help="concurrent client threads")
    parser.add_argument("--queries", type=int, default=QUERIES, help="queries in the mix")
    parser.add_argument(
        "--workers", type=int, default=BUILD_WORKERS, help="processes of Lantern's build"
    )
    parser.add_argument(
        "--fts-tokenize", help="the FTS5 tokenizer (e.g. porter); default unicode61"
    )
    parser.add_argument(
        "--datasette-arg",
        action="append",
        default=[],
        help="passed to datasette serve, e.g. --datasette-arg=-i",
    )
    parser.add_argument("--keep", type=Path, help="work here and keep it (outside the repo)")
    parser.add_argument("--json-out", type=Path, help="write the numbers here as JSON")
    args = parser.parse_args(argv)
    sizes: list[Size] = args.sizes or ([] if args.reuters else parse_sizes(DEFAULT_SIZES))
    if args.reuters:
        sizes.append("reuters")
    if args.keep and args.keep.resolve().is_relative_to(REPO):
        parser.error("--keep must be outside the repository (the data is for research use)")
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"--keep {args.keep} is not empty")
    for tool in ("datasette", "sqlite-utils"):
        if not (Path(sys.executable).parent / tool).exists():
            parser.error(f"{tool} is missing: pip install -e '.[bench]'")
    started = time.perf_counter()
    results: dict[str, Any] = {
        "seed": args.seed,
        "clients": args.clients,
        "cores": len(os.sched_getaffinity(0)),
        "load_average_before": os.getloadavg()[0],
        "versions": _versions(),
        "sizes": [],
    }
    with tempfile.TemporaryDirectory(prefix="lantern-scale-") as temporary:
        root = args.keep or Path(temporary)
        for size in sizes:
            work = root / f"size-{size}"
            work.mkdir(parents=True)
            results["sizes"].append(run_size(work, size, args))
            save_json(results, args.json_out)  # after each size: a stop keeps the first numbers
    finish(results, report(results), started, args.json_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
