"""Query latency in process: a fixed mix of queries through `run_search` on a generated archive.

Writes the corpus of bench/updates.py (real Reuters-21578 and BBC News articles, grown to
--articles with articles made of their sentences) into --work DIR and builds its index there,
both once (a later run reuses them). Then opens the index as a worker does
(`WhooshSource(path).current()`, facet tables included, timed) and runs a fixed mix of queries
through `search.engine.run_search`, as the web page asks them: first page of 10, snippets, every
facet, the histogram. The mix (--queries, default 100) is drawn with the seed from the real
articles: single words of middling document frequency, broad words in 5-30% of the articles, two
words of one paragraph, names, quoted three-word phrases, and a few of each of the other forms
(-word, title:, OR, a prefix, a fuzzy word).

    python bench/query_profile.py --work DIR [--articles N] [--passes 3] [--profile]

Each pass runs every query once, in order; the first pass finds the postings caches empty, the
later ones warm. Prints p50/p95/max per pass and per kind of query, and over each query's
fastest warm pass (less of the machine's other load in it); --profile prints the
functions that took the most time over one more pass (cProfile); --json-out writes the numbers.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import pstats
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from random import Random
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.shared import shared_data_dir  # noqa: E402
from bench.updates import (  # noqa: E402
    Pool,
    Source,
    archive,
    load_bbc,
    load_reuters,
    word_and_name_counts,
    write_pages,
)
from indexer.extract.parallel import default_workers  # noqa: E402
from indexer.index.update import build_index  # noqa: E402
from search.backends.whoosh import WhooshSource  # noqa: E402
from search.engine import run_search  # noqa: E402
from search.models import SearchRequest  # noqa: E402

DEFAULT_ARTICLES = 20_000
DEFAULT_SEED = 2024
DEFAULT_QUERIES = 100
# Shares of the mix, by kind (the rest, after rounding, are single words).
SHARES = {"broad": 0.15, "pair": 0.25, "name": 0.10, "phrase": 0.15, "syntax": 0.05}
_WORD = re.compile(r"[a-z]{4,}")
_PAIR_WORD = re.compile(r"[a-z]{5,}")
_SAID_NAME = re.compile(r"\b([A-Z][a-z]+ [A-Z][a-z]{2,}) (?:said|says|told)\b")
_NOT_NAME = re.compile(r"^(?:The|But|And|In|It|He|She|They|This|That) |(?:Corp|Inc|Co|Ltd|Bank)$")


def query_mix(real: Sequence[Source], count: int, seed: int) -> list[tuple[str, str]]:
    """Returns (kind, query) pairs: a fixed mix drawn with the seed from the real articles."""
    rng = Random(seed)
    df, names = word_and_name_counts(real)
    wanted = {kind: round(share * count) for kind, share in SHARES.items()}
    wanted["word"] = count - sum(wanted.values())
    middling = sorted(w for w, n in df.items() if 20 <= n <= 1000)
    broad = sorted(w for w, n in df.items() if 0.05 * len(real) <= n <= 0.30 * len(real))
    mix = [("word", w) for w in rng.sample(middling, wanted["word"])]
    mix += [("broad", w) for w in rng.sample(broad, min(len(broad), wanted["broad"]))]
    pairs = 0
    while pairs < wanted["pair"]:
        words = sorted(set(_PAIR_WORD.findall(rng.choice(rng.choice(real).paragraphs).lower())))
        if len(words) >= 2:
            mix.append(("pair", " ".join(rng.sample(words, 2))))
            pairs += 1
    common = sorted(n for n, _ in names.most_common(4 * wanted["name"]))
    mix += [("name", n) for n in rng.sample(common, min(len(common), wanted["name"]))]
    phrases = 0
    while phrases < wanted["phrase"]:
        run = [w.strip(",.;:\"'()") for w in rng.choice(rng.choice(real).paragraphs).split()]
        start = rng.randrange(max(1, len(run) - 3))
        phrase = run[start : start + 3]
        if len(phrase) == 3 and all(w.isalpha() for w in phrase):
            mix.append(("phrase", '"' + " ".join(phrase) + '"'))
            phrases += 1
    forms = [
        lambda: f"{rng.choice(broad)} -{rng.choice(middling)}",
        lambda: f"title:{rng.choice(middling)}",
        lambda: f"{rng.choice(middling)} OR {rng.choice(middling)}",
        lambda: f"{rng.choice(middling)[:4]}*",
        lambda: f"{rng.choice(middling)}~",
    ]
    mix += [("syntax", forms[k % len(forms)]()) for k in range(wanted["syntax"])]
    return mix


def prepare(work: Path, articles: int, seed: int) -> tuple[Path, list[tuple[str, str]], int]:
    """Returns the index folder (written and built when missing), the query mix and the count."""
    data = shared_data_dir()
    reuters = load_reuters(data)
    real = reuters + load_bbc(data)
    corpus, index = work / "corpus", work / "index"
    if not corpus.exists():
        print(f"writing {articles:,} pages to {corpus}", file=sys.stderr)
        write_pages(corpus, archive(Pool(real, seed), reuters, articles, seed))
    if not index.exists():
        print(f"building {index}", file=sys.stderr)
        started = time.perf_counter()
        build_index(corpus, index, workers=default_workers())
        print(f"built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return index, query_mix(real, DEFAULT_QUERIES, seed), articles


def percentile(values: Sequence[float], share: float) -> float:
    """Returns the nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else math.nan


def one_pass(source: WhooshSource, mix: Sequence[tuple[str, str]]) -> list[tuple[str, float]]:
    """Returns (kind, seconds) of each query of the mix, run once through run_search."""
    timings = []
    for kind, query in mix:
        started = time.perf_counter()
        run_search(source.current(), SearchRequest(q=query), source.config)
        timings.append((kind, time.perf_counter() - started))
    return timings


def summary(timings: Sequence[tuple[str, float]]) -> dict[str, Any]:
    """Returns p50/p95/max in ms, over the pass and per kind of query."""

    def stats(values: list[float]) -> dict[str, float]:
        return {
            "n": len(values),
            "p50_ms": round(percentile(values, 0.5) * 1000, 1),
            "p95_ms": round(percentile(values, 0.95) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1),
            "mean_ms": round(statistics.fmean(values) * 1000, 1),
        }

    kinds = sorted({kind for kind, _ in timings})
    return {
        "all": stats([s for _, s in timings]),
        **{kind: stats([s for k, s in timings if k == kind]) for kind in kinds},
    }


def print_table(found: dict[str, Any]) -> None:
    print(f"{'kind':8} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'mean ms':>8}")
    for kind, row in found.items():
        print(
            f"{kind:8} {row['n']:>4} {row['p50_ms']:>8} {row['p95_ms']:>8}"
            f" {row['max_ms']:>8} {row['mean_ms']:>8}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the measurement; returns the exit status."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="corpus and index, outside")
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile one more pass")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    if args.work.resolve().is_relative_to(REPO):
        parser.error("--work must be outside the repository (the data is for research use)")
    args.work.mkdir(parents=True, exist_ok=True)
    index, mix, _articles = prepare(args.work, args.articles, args.seed)

    started = time.perf_counter()
    source = WhooshSource(index)
    backend = source.current()
    opened = time.perf_counter() - started
    results: dict[str, Any] = {
        "articles": backend.article_count(),
        "open_ms": round(opened * 1000, 1),
        "mix": Counter(kind for kind, _ in mix),
        "passes": [],
    }
    print(f"{results['articles']:,} articles; index opened in {results['open_ms']} ms")
    print(f"mix: {dict(results['mix'])}")
    all_timings = []
    for number in range(args.passes):
        timings = one_pass(source, mix)
        all_timings.append(timings)
        found = summary(timings)
        results["passes"].append(found)
        print(f"\npass {number + 1} ({'cold' if number == 0 else 'warm'} caches)")
        print_table(found)
        slowest = sorted(zip(timings, mix, strict=True), key=lambda t: -t[0][1])[:5]
        print("slowest: " + "; ".join(f"{q} {s * 1000:.0f} ms" for (_, s), (_, q) in slowest))
    if args.passes > 1:
        # Each query's fastest warm pass: what it costs with less of the machine's other load.
        warm = [[s for _kind, s in timings] for timings in all_timings[1:]]
        best = [(kind, min(column)) for (kind, _q), *column in zip(mix, *warm, strict=True)]
        results["best_warm"] = summary(best)
        print("\neach query's fastest warm pass")
        print_table(results["best_warm"])
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        one_pass(source, mix)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("tottime")
        stats.print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
        print(out.getvalue())
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
