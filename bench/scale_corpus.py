"""Archives of N real and grown news articles for bench/scale.py, written as JSON Lines or pages.

Two kinds of corpus, each deterministic for a seed:

- `reuters`: exactly the Reuters-21578 stories of MIN_WORDS words or more (16,618 of them, every
  text type, tables included), as the wire sent them: the title as it stands (or, untitled, one
  derived from the lede as Lantern derives it), the dateline heading the lede, the day it was
  filed, and its first topic code as the section.
- N articles: the real news articles of running text (bench/updates.py's Reuters-21578 and
  BBC News articles of MIN_WORDS words or more, and the 423 Time magazine articles of 1963 from
  the IR collections), a seeded sample of them when N is smaller, then articles made of their
  sentences up to N (bench/updates.py's Pool: 3 to 8 paragraphs, each 2-3 consecutive sentences
  of another real document, never a near duplicate of an article made or read before). A
  seeded 4% of the documents they draw from are scientific abstracts of the IR collections
  (SciFact, MEDLINE, Cranfield, NPL: an archive's science pages, widening its vocabulary); an
  abstract is one long paragraph, so they give about a fifth of the made-up articles' words
  and open an eighth of them. A made-up article takes the title, date, source and section of
  the document its first paragraph comes from, so names, places and dates are real ones.

Records carry `id`, `title`, `body` (paragraphs between blank lines), `published` (ISO date or
null), `source`, `section` (what `indexer` reads from JSON Lines) and `year` (for the SQLite
peer's facet; Lantern derives its own from `published` and ignores the field). Text pages are a
title line, a blank line and the paragraphs, with a sidecar `.json` holding `published`,
`source` and `section`. Data is read in place from bench.shared.shared_data_dir().
"""

from __future__ import annotations

import gzip
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any, Literal

from bench.updates import MIN_WORDS, Pool, Source, load_bbc, load_reuters
from indexer.extract.metadata import derive_title

Format = Literal["jsonl", "text"]
FILE_RECORDS = 250  # records per JSON Lines file: the build extracts files on its workers
FOLDER_PAGES = 1000  # text pages per folder
SAMPLE_STORIES = 5000  # stories kept in memory for the query mix
# Of the documents made-up articles draw from; an abstract is a paragraph of 150-200 words where
# a news paragraph has 25-60, so 4% of the documents give 21% of the words (seed 2024).
SCIENCE_SHARE = 0.04
SCIENCE = {"scifact": "SciFact", "med": "MEDLINE", "cran": "Cranfield", "npl": "NPL"}


@dataclass(frozen=True, slots=True)
class Story:
    """One article as the corpus holds it."""

    id: str
    title: str
    paragraphs: tuple[str, ...]
    source: str
    published: str | None = None  # YYYY-MM-DD
    section: str | None = None
    made_up: bool = False

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def year(self) -> int | None:
        return int(self.published[:4]) if self.published else None

    def record(self) -> dict[str, Any]:
        """Returns the story as a JSON Lines record."""
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "published": self.published,
            "source": self.source,
            "section": self.section,
            "year": self.year,
        }


@dataclass(slots=True)
class Written:
    """What write_corpus wrote: counts, sizes, the SQLite peer's input files and a sample."""

    stories: int = 0
    made_up: int = 0
    by_source: Counter[str] = field(default_factory=Counter)
    corpus_bytes: int = 0
    records: list[Path] = field(default_factory=list)  # JSON Lines of every story, in order
    sample: list[Story] = field(default_factory=list)  # a seeded sample, in corpus order
    dated: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "articles": self.stories,
            "real": self.stories - self.made_up,
            "made_up": self.made_up,
            "dated": self.dated,
            "by_source": dict(self.by_source.most_common()),
            "megabytes": round(self.corpus_bytes / 2**20, 1),
            "files": len(self.records),
        }


# --- Reading the real documents ------------------------------------------------------------


def _reuters_rows(data: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(data / "reuters-21578" / "reuters21578.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def _day(timestamp: str | None) -> str | None:
    return timestamp[:10] if timestamp else None


def reuters_stories(data: Path) -> list[Story]:
    """Returns every Reuters-21578 story of at least MIN_WORDS words (16,618), in NEWID order."""
    stories = []
    for row in _reuters_rows(data):
        body = row["body"] or ""
        if len(body.split()) < MIN_WORDS:
            continue
        paragraphs = [" ".join(p.split()) for p in re.split(r"\n {4}", body)]
        paragraphs = [p for p in paragraphs if p]
        if row.get("dateline"):
            paragraphs[0] = f"{row['dateline']} - {paragraphs[0]}"
        title = " ".join((row["title"] or "").split()) or derive_title(paragraphs[0])
        stories.append(
            Story(
                f"reuters-{row['newid']}",
                title,
                tuple(paragraphs),
                "Reuters",
                _day(row["date"]),
                row["topics"][0] if row["topics"] else None,
            )
        )
    return stories


def _ir_documents(data: Path, collection: str) -> Iterator[tuple[str, str, str]]:
    """Yields (id, title, body) of an IR collection's documents of at least MIN_WORDS words."""
    with gzip.open(data / "ir" / collection / "corpus.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            body = " ".join(row["body"].split())
            if len(body.split()) >= MIN_WORDS:
                yield row["id"], " ".join(row["title"].split()) or derive_title(body), body


def news_sources(data: Path) -> list[tuple[Source, Story]]:
    """Returns the real news articles of running text: bench/updates.py's Reuters-21578 and
    BBC News articles (its Sources, for the Pool) and the Time magazine articles, each with
    its Story (id, date, source, section)."""
    filed = {
        row["newid"]: (_day(row["date"]), row["topics"][0] if row["topics"] else None)
        for row in _reuters_rows(data)
    }
    pairs = []
    for source in load_reuters(data):
        newid = int(source.key.removeprefix("r"))
        day, topic = filed[newid]
        story = Story(f"reuters-{newid}", source.title, source.paragraphs, "Reuters", day, topic)
        pairs.append((source, story))
    for source in load_bbc(data):
        section = source.folder.rsplit("/", 1)[-1]
        story = Story(
            "bbc-" + source.key.replace("_", "-"),
            source.title,
            source.paragraphs,
            "BBC News",
            None,
            section,
        )
        pairs.append((source, story))
    for key, title, body in _ir_documents(data, "time"):
        story = Story(f"time-{key}", title, (body,), "Time")
        pairs.append((Source(story.id, title, (body,), ""), story))
    return pairs


def science_sources(data: Path, count: int, seed: int) -> list[tuple[Source, Story]]:
    """Returns a seeded sample of `count` abstracts of the IR collections (in proportion to
    their sizes), each as a Source and a Story."""
    pairs = []
    for collection, name in SCIENCE.items():
        for key, title, body in _ir_documents(data, collection):
            story = Story(f"{collection}-{key}", title, (body,), name, None, "science")
            pairs.append((Source(story.id, title, (body,), ""), story))
    if count < len(pairs):
        pairs = [pairs[i] for i in sorted(Random(seed).sample(range(len(pairs)), count))]
    return pairs


# --- Growing the archive -------------------------------------------------------------------


def _made_up(pool: Pool, origins: Sequence[Story], number: int) -> Story:
    """Returns made-up article `number`, as bench/updates.py's Pool.made_up makes it (the same
    paragraphs for the same seed and number), with the metadata of its first paragraph's
    document."""
    rng = Random(pool.seed * 1_000_003 + number)
    for attempt in itertools.count():
        paragraphs = pool._paragraphs(rng)
        if pool.finder.add(f"m{number}#{attempt}", "\n\n".join(p for _, p in paragraphs)):
            continue  # a near duplicate of a document or of an article made before
        origin = origins[paragraphs[0][0]]
        return Story(
            f"made-{number:06d}",
            origin.title,
            tuple(p for _, p in paragraphs),
            origin.source,
            origin.published,
            origin.section,
            made_up=True,
        )
    raise AssertionError("unreachable")


def stories(data: Path, size: int | Literal["reuters"], seed: int) -> tuple[int, Iterator[Story]]:
    """Returns how many stories the corpus holds and an iterator over them in corpus order
    (see the module docstring)."""
    if size == "reuters":
        wire = reuters_stories(data)
        return len(wire), iter(wire)
    news = news_sources(data)
    real = [story for _, story in news]
    if size <= len(real):
        return size, (real[i] for i in sorted(Random(seed).sample(range(len(real)), size)))
    return size, _grown(data, news, size, seed)


def _grown(data: Path, news: list[tuple[Source, Story]], size: int, seed: int) -> Iterator[Story]:
    yield from (story for _, story in news)
    science = science_sources(data, round(len(news) * SCIENCE_SHARE / (1 - SCIENCE_SHARE)), seed)
    drawn = news + science
    pool = Pool([source for source, _ in drawn], seed)
    origins = [story for _, story in drawn]
    for number in range(size - len(news)):
        yield _made_up(pool, origins, number)


# --- Writing -------------------------------------------------------------------------------


def _sample_positions(size: int, seed: int) -> set[int]:
    return set(Random(seed + 1).sample(range(size), min(size, SAMPLE_STORIES)))


def write_corpus(
    data: Path,
    size: int | Literal["reuters"],
    seed: int,
    corpus: Path,
    records_dir: Path,
    fmt: Format = "jsonl",
) -> Written:
    """Writes the corpus into `corpus` (JSON Lines files or text pages with sidecars) and, for
    text pages, the same stories as JSON Lines into `records_dir` (the SQLite peer's input).

    Returns:
        What was written, with a seeded sample of SAMPLE_STORIES stories for the query mix.
    """
    total, corpus_stories = stories(data, size, seed)
    keep = _sample_positions(total, seed)
    written = Written()
    folder = corpus if fmt == "jsonl" else records_dir
    folder.mkdir(parents=True, exist_ok=True)
    batch: list[str] = []

    def flush() -> None:
        path = folder / f"part-{len(written.records):05d}.jsonl"
        path.write_text("".join(batch), encoding="utf-8")
        written.records.append(path)
        if fmt == "jsonl":
            written.corpus_bytes += path.stat().st_size
        batch.clear()

    for position, story in enumerate(corpus_stories):
        batch.append(json.dumps(story.record(), ensure_ascii=False) + "\n")
        if len(batch) == FILE_RECORDS:
            flush()
        if fmt == "text":
            written.corpus_bytes += _write_page(corpus, story, position)
        if position in keep:
            written.sample.append(story)
        written.stories += 1
        written.made_up += story.made_up
        written.dated += story.published is not None
        written.by_source[story.source] += 1
    if batch:
        flush()
    return written


def _write_page(corpus: Path, story: Story, position: int) -> int:
    """Writes a story as a text page and its sidecar; returns the bytes written."""
    folder = corpus / f"{position // FOLDER_PAGES:03d}"
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / f"{story.id}.txt"
    page.write_text(story.title + "\n\n" + story.body + "\n", encoding="utf-8")
    meta = {"source": story.source, "section": story.section, "published": story.published}
    sidecar = page.with_suffix(".json")
    sidecar.write_text(json.dumps({k: v for k, v in meta.items() if v}), encoding="utf-8")
    return page.stat().st_size + sidecar.stat().st_size
