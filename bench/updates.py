"""Incremental updates: full builds on 1 and 2 processes, small updates, and searching during one.

Writes a corpus of text pages (one article each: a title line, a blank line, paragraphs between
blank lines) from real articles read in place, Reuters-21578 and BBC News, grown to --articles
with articles made of real sentences from several sources, into a temporary folder (or --keep
DIR, outside the repository). Then, in one run:

1. Full builds into an empty index, as the CLI runs them (`python -m indexer build --full
   --workers 1`, then `--workers 2`; subprocesses, Python's start-up included): articles/s,
   their ratio, and the seconds of each stage, timed from the progress line the CLI prints
   when a stage begins (its progress callback, flushed at once).
2. Updates of the 2-process index: 1 page added (the CLI end to end, and `build_index` in
   this process, warmed up), 1,000 pages added, nothing changed, 1 page changed, 1 removed.
3. Searching during an update: gunicorn (gunicorn.conf.py, 2 sync workers) on that index, 20
   client threads issuing a fixed mix of `/api/search` queries (one and two corpus words, a
   name, a phrase): first idle, then while the CLI adds 1,000 more pages (split by the stage
   the update was in), and 5 s after it ends; failed requests, p50/p95, the slowest requests,
   and a search for one of the new articles afterwards.

    python bench/updates.py [--articles N] [--seed S] [--keep DIR] [--json-out PATH]

Data: $LANTERN_SHARED_DATA, else <repo>/../shared/data, read in place. Prints numbers (progress
to stderr); asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import math
import multiprocessing
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.shared import shared_data_dir  # noqa: E402
from indexer.extract.dedup import DuplicateFinder  # noqa: E402
from indexer.extract.parallel import default_workers  # noqa: E402
from indexer.index.update import Progress, build_index  # noqa: E402

DEFAULT_ARTICLES = 20_000
DEFAULT_SEED = 2024
MIN_WORDS = 40  # real articles shorter than this are left out; made-up ones are at least this
FOLDER_PAGES = 1000  # pages per folder of the archive
BATCH_PAGES = 1000  # the pages of one large update
SINGLE_RUNS = 3  # runs of each small update (the table shows the median)
CLIENTS = 20
IDLE_REQUESTS = 40  # per client
WARMUP_REQUESTS = 2  # per client, before the idle phase (each worker opens the index)
TAIL_SECONDS = 5.0  # the load goes on this long after the update's commit
REQUEST_TIMEOUT = 30.0
STAGES = ("listing", "reading", "merging", "writing", "concepts", "done")
# Goals of the brief.
GOAL_RATIO = 1.8
GOAL_ONE_PAGE_SECONDS = 3.0
GOAL_P95_RATIO = 3.0

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'A-Z0-9])")
_WORD = re.compile(r"[a-z]{4,}")
_SAID_NAME = re.compile(r"\b([A-Z][a-z]+ [A-Z][a-z]{2,}) (?:said|says|told)\b")
_PAIR_WORD = re.compile(r"[a-z]{5,}")
_NOT_NAME = re.compile(r"^(?:The|But|And|In|It|He|She|They|This|That) |(?:Corp|Inc|Co|Ltd|Bank)$")


@dataclass(frozen=True, slots=True)
class Source:
    """One article as a page holds it."""

    key: str
    title: str
    paragraphs: tuple[str, ...]
    folder: str  # where its page goes, relative to the corpus
    dateline: str = ""  # the lede's, as the wire put it: "CLEVELAND, Feb 26 - ..."

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)

    @property
    def page(self) -> str:
        return f"{self.folder}/{self.key}.txt"

    def text(self) -> str:
        return self.title + "\n\n" + "\n\n".join(self.paragraphs) + "\n"


# --- The articles ------------------------------------------------------------------------


def load_reuters(root: Path) -> list[Source]:
    """Returns the Reuters-21578 stories of running text (no tables, no headline-only
    BRIEFs) of at least MIN_WORDS, the 4-space indents read as paragraph breaks and the
    dateline at the head of the lede as on the wire."""
    sources = []
    with gzip.open(root / "reuters-21578" / "reuters21578.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            body, title = record["body"], record["title"]
            if record["text_type"] != "NORM" or not body or not title:
                continue
            if any("   " in row.strip() for row in body.splitlines()):
                continue  # a table
            paragraphs = [" ".join(p.split()) for p in re.split(r"\n {4}", body)]
            paragraphs = [p for p in paragraphs if p]
            dateline = record.get("dateline") or ""
            if dateline:
                paragraphs[0] = f"{dateline} - {paragraphs[0]}"
            title = re.sub(r"(\w)'S\b", r"\1's", re.sub(r"\s*<[^>]*>", "", title).strip().title())
            key = f"r{record['newid']:05d}"
            sources.append(Source(key, title, tuple(paragraphs), "", dateline))
    return [s for s in sources if s.words >= MIN_WORDS]


def load_bbc(root: Path) -> list[Source]:
    """Returns the BBC News articles of at least MIN_WORDS, by section."""
    sources = []
    with gzip.open(root / "bbc-news-2225" / "bbc-news.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            paragraphs = tuple(p.strip() for p in record["body"].split("\n\n") if p.strip())
            key = record["id"].removeprefix("bbc-")
            folder = f"bbc/{record['category']}"
            sources.append(
                Source(key.replace("-", "_"), record["title"].strip(), paragraphs, folder)
            )
    return [s for s in sources if s.words >= MIN_WORDS]


@dataclass(slots=True)
class Pool:
    """The real articles and their paragraphs cut into sentences, from which new ones are made."""

    real: list[Source]
    seed: int
    sentences: list[list[list[str]]] = field(default_factory=list)  # article, paragraph
    finder: DuplicateFinder = field(default_factory=DuplicateFinder)

    def __post_init__(self) -> None:
        # Without the datelines: a dateline lede inside an article reads as a new post.
        self.sentences = [
            [_SENTENCE_END.split(p.removeprefix(f"{s.dateline} - ")) for p in s.paragraphs]
            for s in self.real
        ]
        for source in self.real:
            self.finder.add(source.key, "\n\n".join(source.paragraphs))

    def made_up(self, number: int, folder: str) -> Source:
        """Returns article `number`: 3 to 8 paragraphs, each a run of 2-3 consecutive real
        sentences of another real article, titled with its first source's headline; never a
        duplicate, as Lantern's own DuplicateFinder sees it, of a real article or of one made
        before it (drawn again if so).

        A paragraph of one short sentence would read as a photo caption opening a new post
        (indexer/extract/splitter.py: up to 35 words), so each holds two sentences or more
        than 45 words. The same seed makes the same articles in the same order.
        """
        rng = Random(self.seed * 1_000_003 + number)
        for attempt in itertools.count():
            paragraphs = self._paragraphs(rng)
            if self.finder.add(f"m{number}#{attempt}", "\n\n".join(p for _, p in paragraphs)):
                continue
            title = self.real[paragraphs[0][0]].title
            return Source(f"m{number:06d}", title, tuple(p for _, p in paragraphs), folder)
        raise AssertionError("unreachable")

    def _paragraphs(self, rng: Random) -> list[tuple[int, str]]:
        """Returns (source, paragraph) pairs of at least 3 paragraphs and 120 words."""
        paragraphs: list[tuple[int, str]] = []
        used: set[int] = set()
        while len(paragraphs) < 3 or sum(len(p.split()) for _, p in paragraphs) < 120:
            pick = rng.randrange(len(self.real))
            if pick in used:
                continue
            used.add(pick)
            sentences = rng.choice(self.sentences[pick])
            run = rng.randint(2, 3)
            start = rng.randrange(max(1, len(sentences) - run + 1))
            paragraph = " ".join(sentences[start : start + run])
            words = len(paragraph.split())
            if words < 25 or (". " not in paragraph and words <= 45):
                continue
            paragraphs.append((pick, paragraph))
            if len(paragraphs) >= 8:
                break
        return paragraphs


def archive(pool: Pool, reuters: list[Source], articles: int, seed: int) -> list[Source]:
    """Returns the corpus: every real article (a seeded sample of them when fewer are asked
    for), then made-up ones up to `articles`, in folders of FOLDER_PAGES pages."""
    real = pool.real
    if articles < len(real):
        real = [real[i] for i in sorted(Random(seed).sample(range(len(real)), articles))]
    chosen = []
    reuters_keys = {s.key for s in reuters}
    reuters_count = 0
    for source in real:
        if source.key in reuters_keys:
            folder = f"reuters/{reuters_count // FOLDER_PAGES:03d}"
            reuters_count += 1
            source = Source(source.key, source.title, source.paragraphs, folder, source.dateline)
        chosen.append(source)
    for number in range(articles - len(chosen)):
        chosen.append(pool.made_up(number, f"mixed/{number // FOLDER_PAGES:03d}"))
    return chosen


def write_pages(corpus: Path, sources: Sequence[Source]) -> None:
    for source in sources:
        path = corpus / source.page
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source.text(), encoding="utf-8")


# --- Queries -------------------------------------------------------------------------------


def word_and_name_counts(real: Sequence[Source]) -> tuple[Counter[str], Counter[str]]:
    """Returns the articles each lower-cased word is in, and how often each name "said"."""
    df: Counter[str] = Counter()
    names: Counter[str] = Counter()
    for source in real:
        text = "\n".join(source.paragraphs)
        df.update(set(_WORD.findall(text.lower())))
        names.update(m for m in _SAID_NAME.findall(text) if not _NOT_NAME.search(m))
    return df, names


def search_mix(real: Sequence[Source], seed: int) -> list[str]:
    """Returns a fixed mix of queries from the corpus: 12 words of middling document
    frequency, 8 pairs of words from one paragraph, 4 names and 4 quoted 3-word phrases."""
    rng = Random(seed)
    df, names = word_and_name_counts(real)
    middling = sorted(w for w, n in df.items() if 20 <= n <= 1000)
    queries = rng.sample(middling, 12)
    while len(queries) < 20:
        paragraph = rng.choice(rng.choice(real).paragraphs)
        words = sorted(set(_PAIR_WORD.findall(paragraph.lower())))
        if len(words) >= 2:
            queries.append(" ".join(rng.sample(words, 2)))
    queries += rng.sample(sorted(n for n, _ in names.most_common(40)), 4)
    while len(queries) < 28:
        words = rng.choice(rng.choice(real).paragraphs).split()
        run = [w.strip(",.;:\"'()") for w in words]
        start = rng.randrange(max(1, len(run) - 3))
        phrase = run[start : start + 3]
        if len(phrase) == 3 and all(w.isalpha() for w in phrase):
            queries.append('"' + " ".join(phrase) + '"')
    return queries


def finding_query(source: Source) -> str:
    """Returns a query only `source` should answer: the longest word of three of its
    paragraphs, each from another real article."""
    words = []
    for paragraph in source.paragraphs[:3]:
        candidates = [w for w in re.findall(r"[A-Za-z]{5,}", paragraph) if w.lower() not in words]
        if candidates:
            words.append(max(candidates, key=len).lower())
    return " ".join(words)


# --- Running builds ---------------------------------------------------------------------


@dataclass(slots=True)
class Run:
    """One build: its wall-clock seconds, the seconds of each stage, and its report."""

    seconds: float
    stages: dict[str, float]
    report: dict[str, Any]
    cpu: float = 0.0  # CPU seconds of the build's processes (a subprocess's, with its workers)
    load: float = 0.0  # the machine's 1-minute load average as it began
    marks: list[tuple[str, float]] = field(default_factory=list)  # stage, when it began

    def stage_at(self, moment: float) -> str:
        """Returns the stage the build was in at `moment` (a perf_counter time)."""
        current = "start-up"
        for stage, began in self.marks:
            if began > moment:
                break
            current = "exit" if stage == "done" else stage
        return current

    @property
    def rate(self) -> float:
        return self.report["files_read"] / self.seconds if self.seconds else 0.0


def stage_seconds(started: float, marks: list[tuple[str, float]], ended: float) -> dict[str, float]:
    """Returns the seconds of each stage from the times the stages began: `start-up` before
    the first, `exit` after `done` (the report written, the process ending)."""
    stages = {"start-up": marks[0][1] - started} if marks else {}
    for (stage, at), (_next, until) in zip(marks, [*marks[1:], ("end", ended)], strict=True):
        stages["exit" if stage == "done" else stage] = until - at
    return {name: round(seconds, 3) for name, seconds in stages.items()}


def run_cli(corpus: Path, index: Path, *flags: str) -> Run:
    """Runs `python -m indexer build --json` as a user would; times it and its stages."""
    command = [sys.executable, "-m", "indexer", "build", "--corpus", str(corpus)]
    command += ["--index", str(index), "--json", *flags]
    load_before = os.getloadavg()[0]
    cpu_before = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    marks: list[tuple[str, float]] = []
    other: list[str] = []

    def follow() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            stage = line.split(":", 1)[0]
            if stage not in STAGES:
                other.append(line)
            elif not marks or marks[-1][0] != stage:
                marks.append((stage, time.perf_counter()))

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    assert process.stdout is not None
    out = process.stdout.read()
    process.wait()
    ended = time.perf_counter()
    follower.join()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}): {''.join(other)}")
    stages = stage_seconds(started, marks, ended)
    cpu = round(_children_cpu() - cpu_before, 2)
    return Run(round(ended - started, 3), stages, json.loads(out), cpu, load_before, marks)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_in_process(corpus: Path, index: Path) -> Run:
    """Runs `build_index` in this process (as `watch` does), timing its stages."""
    marks: list[tuple[str, float]] = []

    def clock(progress: Progress) -> None:
        if not marks or marks[-1][0] != progress.stage:
            marks.append((progress.stage, time.perf_counter()))

    started = time.perf_counter()
    report = build_index(corpus, index, workers=default_workers(), progress=clock)
    ended = time.perf_counter()
    stages = stage_seconds(started, marks, ended)
    return Run(round(ended - started, 3), stages, report.to_json())


def _burn(loops: int) -> int:
    total = 0
    for i in range(loops):
        total += i * i
    return total


def parallel_speedup(loops: int = 15_000_000) -> float:
    """Returns how much faster 2 processes do two pure-Python loops than 1 process does them
    one after the other, now: 2.0 on 2 idle cores; less when other programs share them."""
    started = time.perf_counter()
    _burn(loops)
    alone = time.perf_counter() - started
    with multiprocessing.get_context("fork").Pool(2) as pool:
        started = time.perf_counter()
        pool.map(_burn, [loops, loops])
        together = time.perf_counter() - started
    return round(2 * alone / together, 2)


def time_command(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, check=True, capture_output=True)
    return time.perf_counter() - started


def median_run(runs: Sequence[Run]) -> Run:
    return sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]


# --- Load ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sample:
    started: float
    seconds: float
    error: str  # "" when the answer was a 200
    query: str


@dataclass(slots=True)
class Phase:
    """The requests of one phase of the load test."""

    name: str
    samples: list[Sample]
    load: float | None  # the machine's 1-minute load average as it began

    @property
    def failed(self) -> list[Sample]:
        return [s for s in self.samples if s.error]

    def percentile(self, share: float) -> float:
        """Returns the nearest-rank percentile of the latencies, in seconds."""
        latencies = sorted(s.seconds for s in self.samples)
        if not latencies:
            return math.nan
        return latencies[max(0, math.ceil(share * len(latencies)) - 1)]

    def to_json(self) -> dict[str, Any]:
        errors = Counter(s.error for s in self.failed)
        return {
            "requests": len(self.samples),
            "failed": len(self.failed),
            "errors": dict(errors),
            "p50_ms": round(self.percentile(0.50) * 1000, 1),
            "p95_ms": round(self.percentile(0.95) * 1000, 1),
            "max_ms": round(self.percentile(1.0) * 1000, 1),
            "load_average_before": round(self.load, 2) if self.load is not None else None,
        }


def search_client(
    base: str,
    queries: Sequence[str],
    offset: int,
    samples: list[Sample],
    *,
    limit: int | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Issues the queries in turn from `offset`, one at a time, until `limit` or `stop`."""
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as client:
        done = 0
        while (limit is None or done < limit) and not (stop is not None and stop.is_set()):
            query = queries[(offset + done) % len(queries)]
            done += 1
            started = time.perf_counter()
            try:
                response = client.get("/api/search", params={"q": query})
                error = "" if response.status_code == 200 else f"HTTP {response.status_code}"
            except httpx.HTTPError as err:
                error = type(err).__name__
            samples.append(Sample(started, time.perf_counter() - started, error, query))


def load(base: str, queries: Sequence[str], **until: Any) -> list[Sample]:
    """Runs CLIENTS clients at once, each from its own place in the mix; returns the samples."""
    samples: list[Sample] = []
    clients = [
        threading.Thread(
            target=search_client,
            args=(base, queries, i * len(queries) // CLIENTS, samples),
            kwargs=until,
        )
        for i in range(CLIENTS)
    ]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    return samples


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """A server process on a loopback port: started, waited for until `health` answers 200,
    and stopped (terminated, killed after 30 s)."""

    def __init__(
        self,
        command: list[str],
        base: str,
        log: Path,
        *,
        health: str,
        env: dict[str, str] | None = None,
        cwd: Path = REPO,
        start_seconds: float = 60,
    ) -> None:
        self.command, self.base, self.log = command, base, log
        self.health, self.env, self.cwd, self.start_seconds = health, env, cwd, start_seconds
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + self.start_seconds
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + self.health, timeout=5).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"{self.command[0]} did not start; see {self.log}")

    def __exit__(self, *_exc: object) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Gunicorn(Server):
    """gunicorn serving the index, as deployed (gunicorn.conf.py), on a free port."""

    def __init__(self, corpus: Path, index: Path, log: Path) -> None:
        base = f"http://127.0.0.1:{free_port()}"
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "--bind",
            base.removeprefix("http://"),
            "--workers",
            "2",
            "app:create_app()",
        ]
        env = {**os.environ, "LANTERN_INDEX": str(index), "LANTERN_CORPUS": str(corpus)}
        super().__init__(command, base, log, health="/healthz", env=env)

    def __enter__(self) -> Gunicorn:
        super().__enter__()
        return self

    def articles(self) -> int:
        return int(httpx.get(self.base + "/healthz", timeout=REQUEST_TIMEOUT).json()["articles"])

    def finds(self, query: str, page: str) -> tuple[bool, int]:
        """Returns whether `page`'s article is among the first hits of `query`, and the total."""
        response = httpx.get(
            self.base + "/api/search", params={"q": query}, timeout=REQUEST_TIMEOUT
        )
        data = response.json()
        return any(r["source_file"] == page for r in data["results"]), int(data["total"])


def load_test(
    corpus: Path, index: Path, work: Path, queries: Sequence[str], batch: Sequence[Source]
) -> dict[str, Any]:
    """Searches idle, then while the CLI adds `batch`; checks a new article is found."""
    with Gunicorn(corpus, index, work / "gunicorn.log") as server:
        before = server.articles()
        load(server.base, queries, limit=WARMUP_REQUESTS)
        log("load: idle")
        idle_load = os.getloadavg()[0]
        idle = Phase("idle", load(server.base, queries, limit=IDLE_REQUESTS), idle_load)
        write_pages(corpus, batch)
        stop = threading.Event()
        updated: list[Run] = []

        def update() -> None:
            try:
                updated.append(run_cli(corpus, index))
            finally:
                ended.append(time.perf_counter())
                threading.Timer(TAIL_SECONDS, stop.set).start()

        ended: list[float] = []
        log(f"load: during an update adding {len(batch):,} pages")
        updater = threading.Thread(target=update)
        busy_load = os.getloadavg()[0]
        started = time.perf_counter()
        updater.start()
        samples = load(server.base, queries, stop=stop)
        updater.join()
        if not updated:
            raise RuntimeError("the update during the load failed")
        run = updated[0]
        busy = [s for s in samples if s.started < ended[0]]
        during = Phase("during the update", busy, busy_load)
        by_stage = [
            Phase(f"… its {stage}", [s for s in busy if run.stage_at(s.started) == stage], None)
            for stage in ("start-up", *STAGES[:-1], "exit")
        ]
        after = Phase(
            f"{TAIL_SECONDS:.0f} s after it ended",
            [s for s in samples if s.started >= ended[0]],
            os.getloadavg()[0],
        )
        slowest = sorted(busy, key=lambda s: s.seconds, reverse=True)[:5]
        target = batch[len(batch) // 2]
        query = finding_query(target)
        found, total = server.finds(query, target.page)
        after_count = server.articles()
        log_lines = server.log.read_text(encoding="utf-8", errors="replace")
    return {
        "articles_before": before,
        "articles_after": after_count,
        "update": {
            "seconds": run.seconds,
            "since_load_start": round(ended[0] - started, 3),
            "stages": run.stages,
            "committed_after": round(_committed(run) - started, 1),
            "report": run.report,
        },
        "phases": {p.name: p.to_json() for p in (idle, during, *by_stage, after) if p.samples},
        "slowest": [
            {
                "ms": round(s.seconds * 1000),
                "started_after": round(s.started - started, 1),
                "stage": run.stage_at(s.started),
                "query": s.query,
            }
            for s in slowest
        ],
        "p95_ratio": round(during.percentile(0.95) / idle.percentile(0.95), 2),
        "failed": sum(len(p.failed) for p in (idle, during, after)),
        "found_new_article": {"query": query, "page": target.page, "found": found, "total": total},
        "server_tracebacks": log_lines.count("Traceback"),
    }


def _committed(run: Run) -> float:
    """Returns when the update's commit made the new articles searchable: the end of its
    writing stage (a new concept space, if one is fitted, comes after)."""
    after_writing = [
        b for (stage, _), (_, b) in itertools.pairwise(run.marks) if stage == "writing"
    ]
    return after_writing[0] if after_writing else math.nan


# --- Report --------------------------------------------------------------------------------


def save_json(results: dict[str, Any], path: Path | None) -> None:
    """Writes a benchmark's numbers as JSON (nowhere when no path was given)."""
    if path:
        path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


def finish(results: dict[str, Any], text: str, started: float, json_out: Path | None) -> None:
    """Prints a benchmark's report and how long it took, and saves its numbers."""
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    print(text)
    print(f"\n(the whole benchmark took {results['bench_seconds'] / 60:.1f} min)")
    save_json(results, json_out)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], right_from: int = 1) -> str:
    lines = ["| " + " | ".join(header) + " |"]
    lines.append(
        "| " + " | ".join("---:" if i >= right_from else "---" for i in range(len(header))) + " |"
    )
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def report(results: dict[str, Any]) -> str:
    full = results["full"]
    one, two = full["1 process"], full["2 processes"]
    ratio = full["ratio"]
    out = [
        f"corpus: {results['corpus']['pages']:,} text pages ({results['corpus']['real']:,} real "
        f"articles, {results['corpus']['made_up']:,} made of real sentences), "
        f"{results['corpus']['megabytes']:.1f} MB; seed {results['seed']}; "
        f"{results['cores']} cores",
        "",
        "Full build into an empty index (`python -m indexer build --full --workers N`, "
        "end to end):",
        "",
    ]
    stage_names = [s for s in ("start-up", *STAGES[:-1], "exit") if s in one["stages"]]
    rows = []
    for name in stage_names:
        a, b = one["stages"].get(name, 0.0), two["stages"].get(name, 0.0)
        rows.append([name, f"{a:.1f}", f"{b:.1f}", f"{a / b:.2f}" if b else "–"])
    rows.append(
        [
            "**total**",
            f"**{one['seconds']:.1f}**",
            f"**{two['seconds']:.1f}**",
            f"**{one['seconds'] / two['seconds']:.2f}**",
        ]
    )
    rows.append(
        [
            "articles/s",
            f"{one['articles_per_second']:.0f}",
            f"{two['articles_per_second']:.0f}",
            f"{ratio:.2f} (goal {GOAL_RATIO}: {met(ratio >= GOAL_RATIO)})",
        ]
    )
    rows.append(
        [
            "CPU s, all processes",
            f"{one['cpu_seconds']:.0f}",
            f"{two['cpu_seconds']:.0f}",
            f"{one['cpu_seconds'] / two['cpu_seconds']:.2f}",
        ]
    )
    rows.append(
        [
            "load average as it began",
            f"{one['load_average_before']:.1f}",
            f"{two['load_average_before']:.1f}",
            "",
        ]
    )
    rows.append(
        [
            "2 busy loops on 2 processes vs 1, just before",
            f"{one['parallel_speedup_before']:.2f}×",
            f"{two['parallel_speedup_before']:.2f}×",
            "",
        ]
    )
    out.append(table(["stage (seconds)", "1 process", "2 processes", "1 / 2"], rows))
    indexed = two["report"]
    out += [
        "",
        f"({indexed['articles_indexed']:,} articles indexed, {indexed['duplicates']:,} "
        f"duplicates merged, {len(indexed['skipped'])} pages skipped; reading = extraction on "
        f"the workers, ids and state in the writer process; writing = Whoosh's indexing and "
        f"commit, one process; concepts = the concept space's SVD fit, one process). The "
        "ratio if reading alone ran twice as fast on 2 processes and no other stage changed: "
        + " and ".join(f"{v:.2f} {k}" for k, v in full["ceiling"].items())
        + ".",
        "",
        "Updates of that index:",
        "",
    ]
    rows = []
    for name, row in results["updates"].items():
        rows.append(
            [
                name,
                f"{row['cli_seconds']:.2f}" if "cli_seconds" in row else "–",
                f"{row['in_process_seconds']:.2f}" if "in_process_seconds" in row else "–",
                row["read"],
                row["written"],
                row.get("goal", ""),
            ]
        )
    out.append(
        table(
            ["update", "CLI s (end to end)", "in process s", "files read", "written", "goal"],
            rows,
        )
    )
    startup = results["startup"]
    out += [
        "",
        f"(Python start-up alone {startup['python']:.2f} s; `python -m indexer stats` "
        f"{startup['indexer_stats']:.2f} s; CLI runs are medians of {SINGLE_RUNS} for one page "
        "and no-op, in-process runs warmed up.)",
        "Seconds of each stage of the (median) CLI run; reading one page in a fresh process "
        "first loads extraction's data:",
        *(
            f"- {name}: " + ", ".join(f"{k} {v:.2f}" for k, v in row["cli_stages"].items())
            for name, row in results["updates"].items()
            if "cli_stages" in row
        ),
    ]
    lt = results["load"]
    out += [
        "",
        f"Searching during an update ({CLIENTS} clients, gunicorn 2 sync workers, "
        f"{len(results['queries'])} queries in turn; the update adds {BATCH_PAGES:,} pages, "
        f"{lt['update']['seconds']:.1f} s, its articles searchable after "
        f"{lt['update']['committed_after']:.1f} s; the rows under it split its requests by "
        "the update's stage as each began):",
        "",
    ]
    rows = []
    for name, phase in lt["phases"].items():
        rows.append(
            [
                name,
                phase["requests"],
                phase["failed"],
                f"{phase['p50_ms']:.0f}",
                f"{phase['p95_ms']:.0f}",
                f"{phase['max_ms']:.0f}",
                "–"
                if phase["load_average_before"] is None
                else f"{phase['load_average_before']:.1f}",
            ]
        )
    header = ["phase", "requests", "failed", "p50 ms", "p95 ms", "max ms", "load average"]
    out.append(table(header, rows))
    failed = lt["failed"]
    found = lt["found_new_article"]
    out += [
        "",
        f"p95 during / idle: {lt['p95_ratio']:.2f} (goal ≤ {GOAL_P95_RATIO}: "
        f"{met(lt['p95_ratio'] <= GOAL_P95_RATIO)}); failed requests: {failed} (goal 0: "
        f"{met(failed == 0)}); articles served {lt['articles_before']:,} -> "
        f"{lt['articles_after']:,}; a new article found afterwards: "
        f"{'yes' if found['found'] else 'NO'} (q={found['query']!r}, {found['total']} hits); "
        f"server tracebacks: {lt['server_tracebacks']}",
        "Slowest requests during the update: "
        + "; ".join(
            f"{r['ms']:,} ms at +{r['started_after']:.0f} s ({r['stage']}, q={r['query']!r})"
            for r in lt["slowest"]
        ),
    ]
    return "\n".join(out)


def update_row(runs: Sequence[Run], in_process: Sequence[Run] = (), goal: str = "") -> dict:
    row: dict[str, Any] = {}
    if runs:
        chosen = median_run(runs)
        row["cli_seconds"] = chosen.seconds
        row["cli_runs"] = [r.seconds for r in runs]
        row["cli_stages"] = chosen.stages
    if in_process:
        chosen_in = median_run(in_process)
        row["in_process_seconds"] = chosen_in.seconds
        row["in_process_runs"] = [r.seconds for r in in_process]
        row["in_process_stages"] = chosen_in.stages
    last = (runs or in_process)[-1].report
    row["read"] = last["files_read"]
    written = [f"{last[k]} {k}" for k in ("added", "updated", "deleted") if last[k]]
    row["written"] = ", ".join(written) or "nothing"
    row["report"] = last
    if goal:
        row["goal"] = goal
    return row


# --- The run -------------------------------------------------------------------------------


def run(work: Path, articles: int, seed: int) -> dict[str, Any]:
    data = shared_data_dir()
    reuters = load_reuters(data)
    real = reuters + load_bbc(data)
    pool = Pool(real, seed)
    corpus = work / "corpus"
    sources = archive(pool, reuters, articles, seed)
    made_up = max(0, articles - len(real))
    log(f"writing {len(sources):,} pages to {corpus}")
    write_pages(corpus, sources)
    megabytes = sum(p.stat().st_size for p in corpus.rglob("*.txt")) / 2**20
    queries = search_mix(real, seed)
    extra = articles  # the numbers of the made-up articles the updates add
    results: dict[str, Any] = {
        "seed": seed,
        "cores": default_workers(),
        "corpus": {
            "pages": len(sources),
            "real": len(sources) - made_up,
            "made_up": made_up,
            "real_available": len(real),
            "megabytes": round(megabytes, 1),
        },
        "queries": queries,
    }

    full: dict[str, Any] = {}
    for workers in (1, 2):
        label = "1 process" if workers == 1 else f"{workers} processes"
        log(f"full build, {label}")
        speedup = parallel_speedup()
        built = run_cli(corpus, work / f"index-{workers}", "--full", "--workers", str(workers))
        full[label] = {
            "seconds": built.seconds,
            "articles_per_second": round(built.rate, 1),
            "stages": built.stages,
            "cpu_seconds": built.cpu,
            "load_average_before": round(built.load, 2),
            "parallel_speedup_before": speedup,
            "report": built.report,
        }
    full["ratio"] = round(
        full["2 processes"]["articles_per_second"] / full["1 process"]["articles_per_second"], 3
    )
    # What the ratio would be if reading alone ran twice as fast and nothing else changed,
    # from each run's own stages (the machine's other load shifts each run differently).
    one, two = full["1 process"], full["2 processes"]
    full["ceiling"] = {
        "from the 1-process run": round(
            one["seconds"] / (one["seconds"] - one["stages"]["reading"] / 2), 3
        ),
        "from the 2-process run": round(
            (two["seconds"] + two["stages"]["reading"]) / two["seconds"], 3
        ),
    }
    results["full"] = full
    shutil.rmtree(work / "index-1")
    index = work / "index-2"

    results["startup"] = {
        "python": round(
            statistics.median(time_command([sys.executable, "-c", "pass"]) for _ in range(3)), 3
        ),
        "indexer_stats": round(
            statistics.median(
                time_command([sys.executable, "-m", "indexer", "stats", "--index", str(index)])
                for _ in range(3)
            ),
            3,
        ),
    }

    updates: dict[str, Any] = {}
    log("updates: 1 page, CLI")
    cli_runs = []
    for _ in range(SINGLE_RUNS):
        page = pool.made_up(extra, "new/single")
        extra += 1
        write_pages(corpus, [page])
        cli_runs.append(run_cli(corpus, index))
    log("updates: 1 page, in process")
    warm_runs = []
    for _ in range(SINGLE_RUNS + 1):  # the first warms this process up
        page = pool.made_up(extra, "new/single")
        extra += 1
        write_pages(corpus, [page])
        warm_runs.append(run_in_process(corpus, index))
    one_page = f"< {GOAL_ONE_PAGE_SECONDS:.0f} s end to end: " + met(
        median_run(cli_runs).seconds < GOAL_ONE_PAGE_SECONDS
    )
    updates["add 1 page"] = update_row(cli_runs, warm_runs[1:], one_page)
    updates["add 1 page"]["in_process_warm_up"] = warm_runs[0].seconds

    log(f"updates: {BATCH_PAGES:,} pages")
    batch = [pool.made_up(extra + i, "new/batch-1") for i in range(BATCH_PAGES)]
    extra += BATCH_PAGES
    write_pages(corpus, batch)
    updates[f"add {BATCH_PAGES:,} pages"] = update_row([run_cli(corpus, index)])

    log("updates: nothing changed")
    noop_cli = [run_cli(corpus, index) for _ in range(SINGLE_RUNS)]
    noop_in = [run_in_process(corpus, index) for _ in range(SINGLE_RUNS)]
    updates["nothing changed"] = update_row(noop_cli, noop_in)

    log("updates: 1 page changed, 1 removed")
    changed = sources[len(sources) // 2]
    addition = pool.made_up(extra, "").paragraphs[0]
    extra += 1
    (corpus / changed.page).write_text(
        Source(changed.key, changed.title, (*changed.paragraphs, addition), changed.folder).text(),
        encoding="utf-8",
    )
    updates["change 1 page"] = update_row([run_cli(corpus, index)])
    (corpus / sources[len(sources) // 3].page).unlink()
    updates["remove 1 page"] = update_row([run_cli(corpus, index)])
    results["updates"] = updates

    log("load test")
    batch = [pool.made_up(extra + i, "new/batch-2") for i in range(BATCH_PAGES)]
    extra += BATCH_PAGES
    results["load"] = load_test(corpus, index, work, queries, batch)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES, help="corpus pages")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--keep", type=Path, help="work here and keep it (outside the repo)")
    parser.add_argument("--json-out", type=Path, help="write the numbers here as JSON")
    args = parser.parse_args(argv)
    if args.keep and args.keep.resolve().is_relative_to(REPO):
        parser.error("--keep must be outside the repository (the data is for research use)")
    if args.articles < 100:
        parser.error("--articles must be at least 100")
    started = time.perf_counter()
    if args.keep:
        if args.keep.exists() and any(args.keep.iterdir()):
            parser.error(f"--keep {args.keep} is not empty")
        args.keep.mkdir(parents=True, exist_ok=True)
        results = run(args.keep, args.articles, args.seed)
    else:
        with tempfile.TemporaryDirectory(prefix="lantern-updates-") as work:
            results = run(Path(work), args.articles, args.seed)
    finish(results, report(results), started, args.json_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
