"""Counts the duplicates indexer.extract.dedup finds in Reuters-21578 and BBC News, and how fast.

Usage: python bench/duplicates.py [--verbose] [--examples N] [--scale N]

For each collection it prints the exact and near-duplicate groups, the articles that indexing
once would drop, the READMEs' count of byte-identical bodies as a sanity check, and the time and
articles/second of fingerprinting and of the finder. --verbose adds example near pairs with their
estimated and true Jaccard similarity. --scale N instead feeds N synthetic articles (sentences
of both collections recombined, 5% of them edited copies of an earlier one) to one finder and
prints the rates and the memory it grew by. The data is read from $LANTERN_SHARED_DATA, by
default ../shared/data beside the repo. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import resource
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.shared import shared_data_dir  # noqa: E402
from indexer.extract.dedup import (  # noqa: E402
    MIN_EXACT_WORDS,
    MIN_NEAR_WORDS,
    SHINGLE_WORDS,
    DuplicateFinder,
    Fingerprint,
    Match,
    fingerprint,
    normalise,
)


@dataclass(frozen=True, slots=True)
class Collection:
    """One shared data set: where it lives and what its README says about exact repeats."""

    name: str
    path: Path
    readme_repeats: int


COLLECTIONS = (
    # README: "330 stories repeat another story's non-empty body exactly".
    Collection("reuters-21578", Path("reuters-21578") / "reuters21578.jsonl.gz", 330),
    # README: "133 bodies repeat another body exactly".
    Collection("bbc-news-2225", Path("bbc-news-2225") / "bbc-news.jsonl.gz", 133),
)
SCALE_SEED = 1987
SCALE_COPY_SHARE = 0.05
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Story:
    """One record of a collection; a missing body (Reuters BRIEF stories) is an empty string."""

    id: str
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class Pair:
    """A near duplicate: the kept story, the later one, and the finder's similarity estimate."""

    kept: Story
    later: Story
    estimate: float


@dataclass(slots=True)
class Tally:
    """What the finder did with one collection."""

    stories: int = 0
    empty: int = 0
    too_short: int = 0  # non-empty but under MIN_EXACT_WORDS: never merged
    exact_only: int = 0  # under MIN_NEAR_WORDS: merged only when identical
    raw_repeats: int = 0  # non-empty bodies equal byte for byte to an earlier one
    raw_repeats_short: int = 0
    exact: int = 0
    near: int = 0
    exact_groups: set[str] = field(default_factory=set)
    near_groups: set[str] = field(default_factory=set)
    pairs: list[Pair] = field(default_factory=list)
    kept: int = 0
    fingerprint_seconds: float = 0.0
    finder_seconds: float = 0.0


def read_stories(path: Path) -> list[Story]:
    """Returns the records of a gzip'd JSON Lines collection in file order."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    return [Story(r["id"], r.get("title") or "", r.get("body") or "") for r in records]


def tally(stories: Sequence[Story]) -> Tally:
    """Returns what one finder does with the stories, fed in file order, and how long it took."""
    result = Tally(stories=len(stories))
    started = time.perf_counter()
    prints = [fingerprint(story.body) for story in stories]
    result.fingerprint_seconds = time.perf_counter() - started
    finder = DuplicateFinder()
    by_id = {story.id: story for story in stories}
    matches: list[Match | None] = []
    started = time.perf_counter()
    for story, sketch in zip(stories, prints, strict=True):
        matches.append(finder.add_fingerprint(story.id, sketch))
    result.finder_seconds = time.perf_counter() - started
    result.kept = len(finder)
    seen_bodies: set[str] = set()
    for story, sketch, match in zip(stories, prints, matches, strict=True):
        _count_body(result, story, sketch, seen_bodies)
        if match is None:
            continue
        if match.exact:
            result.exact += 1
            result.exact_groups.add(match.key)
        else:
            result.near += 1
            result.near_groups.add(match.key)
            result.pairs.append(Pair(by_id[match.key], story, match.similarity))
    return result


def _count_body(result: Tally, story: Story, sketch: Fingerprint, seen: set[str]) -> None:
    if not story.body.strip():
        result.empty += 1
        return
    if sketch.words < MIN_EXACT_WORDS:
        result.too_short += 1
    elif sketch.words < MIN_NEAR_WORDS:
        result.exact_only += 1
    if story.body in seen:
        result.raw_repeats += 1
        result.raw_repeats_short += sketch.words < MIN_EXACT_WORDS
    seen.add(story.body)


def shingle_jaccard(first: str, second: str) -> float:
    """Returns the true Jaccard similarity of two bodies' shingle sets, to set beside estimates."""
    a, b = _shingles(first), _shingles(second)
    return len(a & b) / len(a | b) if a | b else 1.0


def _shingles(body: str) -> set[tuple[str, ...]]:
    words = normalise(body)
    return {tuple(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def report(collection: Collection, result: Tally, examples: int) -> None:
    """Prints one collection's counts, timings and (when examples > 0) example near pairs."""
    n = result.stories
    dropped = result.exact + result.near
    groups = len(result.exact_groups | result.near_groups)
    total = result.fingerprint_seconds + result.finder_seconds
    print(f"{collection.name}: {n:,} stories")
    print(
        f"  bodies: {result.empty:,} empty, {result.too_short:,} under {MIN_EXACT_WORDS} words "
        f"(never merged), {result.exact_only:,} under {MIN_NEAR_WORDS} (merged only if identical)"
    )
    print(
        f"  README check: {result.raw_repeats:,} non-empty bodies repeat an earlier one byte for "
        f"byte (README: {collection.readme_repeats:,}); {result.raw_repeats_short:,} of them are "
        f"under {MIN_EXACT_WORDS} words"
    )
    print(
        f"  exact duplicates: {result.exact:,} articles in {len(result.exact_groups):,} groups "
        f"(normalised: case, punctuation, quotes, spacing)"
    )
    print(f"  near duplicates:  {result.near:,} articles in {len(result.near_groups):,} groups")
    print(
        f"  dropped if indexed once: {dropped:,} of {n:,} ({dropped / n:.1%}) in {groups:,} "
        f"groups; {result.kept:,} distinct articles kept for comparison"
    )
    print(
        f"  time: fingerprint {result.fingerprint_seconds:.2f} s "
        f"({n / result.fingerprint_seconds:,.0f} articles/s), finder {result.finder_seconds:.2f} s "
        f"({n / result.finder_seconds:,.0f} articles/s), together {n / total:,.0f} articles/s"
    )
    if examples > 0 and result.pairs:
        print(f"  example near pairs (estimated / true Jaccard of {SHINGLE_WORDS}-word shingles):")
        for pair in _spread(sorted(result.pairs, key=lambda p: p.estimate), examples):
            true = shingle_jaccard(pair.kept.body, pair.later.body)
            print(
                f"    {pair.estimate:.2f} / {true:.2f}  {pair.kept.id} "
                f"({len(normalise(pair.kept.body))} words) {pair.kept.title[:40]!r}"
                f"\n                 {pair.later.id} "
                f"({len(normalise(pair.later.body))} words) {pair.later.title[:40]!r}"
            )


def _spread(pairs: list[Pair], count: int) -> list[Pair]:
    """Returns up to `count` pairs spaced evenly over the list (lowest and highest included)."""
    if len(pairs) <= count:
        return pairs
    step = (len(pairs) - 1) / max(count - 1, 1)
    return [pairs[round(i * step)] for i in range(count)]


def synthetic_bodies(sentences: Sequence[str], count: int) -> Iterator[tuple[str, str, bool]]:
    """Yields `count` (key, body, is_copy) of 8-20 random sentences; 5% edit an earlier article.

    An article is rebuilt from its number alone, so nothing but the finder grows with `count`.
    """

    def recipe(number: int) -> list[int]:
        rng = random.Random(SCALE_SEED * 1_000_003 + number)
        return rng.sample(range(len(sentences)), rng.randint(8, 20))

    def is_copy(number: int) -> bool:
        return number > 0 and random.Random(-number).random() < SCALE_COPY_SHARE

    rng = random.Random(SCALE_SEED)
    for number in range(count):
        copy = is_copy(number)
        picks = recipe(number)
        if copy:
            original = rng.randrange(number)
            while is_copy(original):  # a copy's own recipe was never added
                original = rng.randrange(number)
            picks = recipe(original)
            # An edited copy: one sentence replaced by another, one dropped.
            picks[rng.randrange(len(picks))] = rng.randrange(len(sentences))
            del picks[rng.randrange(len(picks))]
        yield f"synthetic-{number}", " ".join(sentences[i] for i in picks), copy


def scale(stories: Sequence[Story], count: int) -> None:
    """Feeds `count` synthetic articles to one finder; prints rates and the memory it took."""
    sentences = sorted(
        {
            sentence
            for story in stories
            for sentence in _SENTENCE_END.split(_SPACES.sub(" ", story.body).strip())
            if len(sentence.split()) >= 6
        }
    )
    print(f"scale: {count:,} synthetic articles from {len(sentences):,} distinct sentences")
    rss_before = _rss_mb()
    finder = DuplicateFinder()
    fingerprint_seconds = finder_seconds = 0.0
    copies = copies_merged = others_merged = 0
    for done, (key, body, is_copy) in enumerate(synthetic_bodies(sentences, count), start=1):
        started = time.perf_counter()
        sketch = fingerprint(body)
        middle = time.perf_counter()
        match = finder.add_fingerprint(key, sketch)
        finder_seconds += time.perf_counter() - middle
        fingerprint_seconds += middle - started
        copies += is_copy
        copies_merged += is_copy and match is not None
        others_merged += not is_copy and match is not None
        if done % 100_000 == 0 or done == count:
            grown = _rss_mb() - rss_before
            print(
                f"  {done:>9,}: merged {copies_merged:,} of {copies:,} edited copies and "
                f"{others_merged:,} other articles; fingerprint "
                f"{done / fingerprint_seconds:,.0f}/s, finder {done / finder_seconds:,.0f}/s, "
                f"together {done / (fingerprint_seconds + finder_seconds):,.0f}/s; "
                f"memory +{grown:,.0f} MB ({grown * 1024 / done:.1f} KB an article)",
                flush=True,
            )


def _rss_mb() -> float:
    """Returns the resident memory now (Linux), else the peak so far."""
    try:
        resident_pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux, BSD
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print example near pairs")
    parser.add_argument("--examples", type=int, default=8, help="near pairs per collection")
    parser.add_argument("--scale", type=int, default=0, help="feed N synthetic articles instead")
    args = parser.parse_args(argv)
    data = shared_data_dir()
    missing = [str(data / c.path) for c in COLLECTIONS if not (data / c.path).is_file()]
    if missing:
        print(f"missing data: {', '.join(missing)} (set LANTERN_SHARED_DATA)", file=sys.stderr)
        return 2
    loaded = [(c, read_stories(data / c.path)) for c in COLLECTIONS]
    if args.scale > 0:
        scale([story for _, stories in loaded for story in stories], args.scale)
        return 0
    for collection, stories in loaded:
        report(collection, tally(stories), args.examples if args.verbose else 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
