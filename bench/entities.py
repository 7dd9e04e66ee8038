"""Scores extract_entities on the labelled set: precision, recall and F1 per entity type.

Usage: python bench/entities.py [--split all|tune|holdout] [--verbose]

The labels live in tests/data/entities/labels.json. Corpus articles are cut from corpus/ by the
line prefixes stored there; the other articles are research-only data that the repo must not copy,
so their text is read at run time from the shared data folder ($LANTERN_SHARED_DATA, by default
../shared/data beside the repo). Articles whose text is absent are skipped and counted.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.shared import shared_data_dir  # noqa: E402
from indexer.extract.entities import Entities, extract_entities  # noqa: E402

LABELS = REPO / "tests" / "data" / "entities" / "labels.json"
CORPUS = REPO / "corpus"
SHARED_FILES = {
    "bbc-news": Path("bbc-news-2225") / "bbc-news.jsonl.gz",
    "rferl-video": Path("rferl-sitemaps") / "rferl-video-items.en.jsonl.gz",
}
TYPES = ("people", "organizations", "places")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Labelled:
    """One labelled article: its text and its gold entities per type."""

    id: str
    split: str
    title: str
    caption: str
    body: str
    gold: dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Score:
    """Counts for one entity type; the ratios are micro-averaged over articles."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def corpus_body(spec: dict[str, Any], corpus_dir: Path = CORPUS) -> str:
    """Returns one article's body cut from a corpus page by the spec's start/end/drop prefixes."""
    lines = [line.strip() for line in (corpus_dir / spec["file"]).read_text("utf-8").splitlines()]
    paragraphs = [line for line in lines if line]
    starts = [i for i, p in enumerate(paragraphs) if p.startswith(spec["start"])]
    first = starts[spec.get("start_occurrence", 1) - 1]
    last = next(i for i in range(first, len(paragraphs)) if paragraphs[i].startswith(spec["end"]))
    drop = tuple(spec.get("drop", ()))
    kept = [p for p in paragraphs[first : last + 1] if not (drop and p.startswith(drop))]
    return "\n\n".join(kept)


def _read_records(path: Path, wanted: set[str]) -> dict[str, dict[str, Any]]:
    records: dict[str, dict[str, Any]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record["id"] in wanted:
                records[record["id"]] = record
    return records


def load_labelled(shared: Path | None = None) -> tuple[list[Labelled], list[str]]:
    """Returns the labelled articles whose text is available, and the ids that were not."""
    specs = json.loads(LABELS.read_text("utf-8"))["articles"]
    shared = shared if shared is not None else shared_data_dir()
    records: dict[str, dict[str, Any]] = {}
    for source, relative in SHARED_FILES.items():
        path = shared / relative
        if path.is_file():
            records.update(_read_records(path, {s["id"] for s in specs if s["source"] == source}))
    articles: list[Labelled] = []
    missing: list[str] = []
    for spec in specs:
        gold = {t: tuple(spec[t]) for t in TYPES}
        if spec["source"] == "corpus":
            body = corpus_body(spec)
            title, caption = spec.get("title", ""), spec.get("caption", "")
        elif spec["id"] in records:
            record = records[spec["id"]]
            body, title, caption = record["body"], record.get("title") or "", ""
        else:
            missing.append(spec["id"])
            continue
        articles.append(Labelled(spec["id"], spec["split"], title, caption, body, gold))
    return articles, missing


def normalize(name: str) -> str:
    """Returns the form two names are compared in: case, dots, quotes and a leading "the" ignored."""
    name = name.replace("’", "'").replace(".", "").casefold()
    name = _SPACES.sub(" ", name).strip()
    return name.removeprefix("the ")


def score(
    articles: Sequence[Labelled], found: Sequence[Entities]
) -> tuple[dict[str, Score], list[str]]:
    """Returns the score per type and one line per miss or false positive."""
    counts = {t: [0, 0, 0] for t in TYPES}
    notes: list[str] = []
    for article, entities in zip(articles, found, strict=True):
        for kind in TYPES:
            gold = {normalize(n): n for n in article.gold[kind]}
            got = {normalize(n): n for n in getattr(entities, kind)}
            hits = gold.keys() & got.keys()
            counts[kind][0] += len(hits)
            counts[kind][1] += len(got.keys() - hits)
            counts[kind][2] += len(gold.keys() - hits)
            notes += [f"{article.id}  {kind:<13} miss  {gold[k]}" for k in gold.keys() - hits]
            notes += [f"{article.id}  {kind:<13} extra {got[k]}" for k in got.keys() - hits]
    return {t: Score(*c) for t, c in counts.items()}, sorted(notes)


def _print_table(label: str, scores: dict[str, Score], n: int) -> None:
    print(f"\n{label} ({n} articles)")
    print(f"  {'type':<14}{'P':>7}{'R':>7}{'F1':>7}{'tp':>6}{'fp':>5}{'fn':>5}")
    for kind, s in scores.items():
        row = f"{s.precision:7.3f}{s.recall:7.3f}{s.f1:7.3f}{s.tp:6d}{s.fp:5d}{s.fn:5d}"
        print(f"  {kind:<14}{row}")


def _extract_all(articles: Iterable[Labelled]) -> list[Entities]:
    return [extract_entities(a.body, title=a.title, caption=a.caption) for a in articles]


def main(argv: Sequence[str] | None = None) -> int:
    """Prints the scores (and with --verbose every miss and false positive); asserts nothing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("all", "tune", "holdout", "fresh"), default="all")
    parser.add_argument("--verbose", action="store_true", help="list misses and false positives")
    args = parser.parse_args(argv)

    started = time.process_time()
    _extract_all([Labelled("warm-up", "", "", "", "Warm up in Almaty.", {})])
    load_seconds = time.process_time() - started
    articles, missing = load_labelled()
    if missing:
        print(f"skipped {len(missing)} articles whose text is absent from {shared_data_dir()}")
    if not articles:
        print("no labelled article could be read")
        return 0
    splits = ("all", "tune", "holdout", "fresh") if args.split == "all" else (args.split,)
    for split in splits:
        chosen = [a for a in articles if split == "all" or a.split == split]
        if not chosen:
            continue
        scores, notes = score(chosen, _extract_all(chosen))
        _print_table(split, scores, len(chosen))
        if args.verbose and split == args.split:
            print()
            print("\n".join(notes))

    # CPU time of this process: the machine is shared, and wall time counts other jobs too.
    rounds = 20
    started = time.process_time()
    for _ in range(rounds):
        _extract_all(articles)
    per_article = (time.process_time() - started) / (rounds * len(articles))
    chars = sum(len(a.body) + len(a.title) + len(a.caption) for a in articles) / len(articles)
    print(f"\ngazetteers loaded in {load_seconds * 1000:.0f} ms (once per process)")
    print(f"extract_entities: {per_article * 1000:.2f} ms CPU per article (mean {chars:.0f} chars)")
    corpus = [a for a in articles if a.id.startswith("corpus/")]
    if corpus:
        started = time.process_time()
        for _ in range(rounds):
            _extract_all(corpus)
        per_page = (time.process_time() - started) / (rounds * len(corpus))
        size = sum(len(a.body) for a in corpus) / len(corpus)
        print(
            f"  corpus articles: {per_page * 1000:.2f} ms CPU per article (mean {size:.0f} chars)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
