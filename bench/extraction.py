"""Article-text extraction benchmark: Lantern's HTML extractor against trafilatura and readability.

Scores each extractor on two gold sets with the article-extraction-benchmark's own measure:
tokens by the regex `\\w+` (case kept), multisets of token 4-grams, precision and recall per page,
averaged over pages, F1 = harmonic mean of the two averages. A page where an extractor returned
no text is left out of its precision and counts as recall 0. Neither gold text holds the headline
(both READMEs say so; the 2026 set's `main_content` starts with the first body paragraph), so
our text is the posts' paragraphs only.

    python bench/extraction.py [--limit N] [--dataset aeb|wceb|all] [--extractor NAME ...]

Data: $LANTERN_SHARED_DATA, else <repo>/../shared/data. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.shared import shared_data_dir  # noqa: E402

logger = logging.getLogger("bench.extraction")

TOKEN_RE = re.compile(r"\w+")
NGRAM = 4
WORKERS = 2  # the machine has two cores

# Block elements after which readability's summary gets a line break, so words never glue.
READABILITY_BLOCKS = frozenset(
    "p div li h1 h2 h3 h4 h5 h6 br tr td th blockquote pre section article ul ol table".split()
)


# One page's outcome: (extractor, dataset, key, precision or -1 when empty, recall, seconds).
Result = tuple[str, str, str, float, float, float]


@dataclass(frozen=True, slots=True)
class Case:
    """One benchmark page: where its HTML is and what the gold text says."""

    dataset: str
    key: str
    path: str
    gold: str


@dataclass(frozen=True, slots=True)
class Score:
    """One extractor's numbers on one dataset."""

    extractor: str
    dataset: str
    precision: float
    recall: float
    f1: float
    pages: int
    empty: int
    seconds: float


def load_aeb(root: Path) -> list[Case]:
    """Returns the 181 pages of the Scrapinghub article-extraction-benchmark."""
    base = root / "article-extraction-benchmark"
    truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Case("aeb", key, str(base / "html" / f"{key}.html.gz"), item["articleBody"])
        for key, item in sorted(truth.items())
    ]


def load_wceb(root: Path) -> list[Case]:
    """Returns the 450 `article` pages of the 2026 web-content-extraction-benchmark."""
    base = root / "web-content-extraction-benchmark-2026"
    cases = []
    with gzip.open(base / "ground-truth.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if row["page_type"] != "article" or row.get("flagged"):
                continue
            path = base / "html" / f"{row['id']}.html.gz"
            cases.append(Case("wceb", row["id"], str(path), row["main_content"]))
    return sorted(cases, key=lambda case: case.key)


DATASETS: dict[str, Callable[[Path], list[Case]]] = {"aeb": load_aeb, "wceb": load_wceb}


def shingles(text: str) -> Counter[str]:
    """Returns the multiset of token 4-grams of a text (the benchmark's own shingles)."""
    tokens = TOKEN_RE.findall(text or "")
    return Counter(
        " ".join(tokens[i : i + NGRAM]) for i in range(max(1, len(tokens) - NGRAM + 1)) if tokens
    )


def precision_recall(gold: str, extracted: str) -> tuple[float, float]:
    """Returns (precision, recall) of extracted shingles against gold shingles."""
    want, got = shingles(gold), shingles(extracted)
    matches = sum((want & got).values())
    precision = matches / sum(got.values()) if got else 0.0
    recall = matches / sum(want.values()) if want else 0.0
    return precision, recall


def extract_lantern(data: bytes) -> str:
    """Returns Lantern's body text: every post's paragraphs, headline left out."""
    from indexer.extract.decoding import decode
    from indexer.extract.html import parse_html

    text, _ = decode(data, markup=True)
    document = parse_html(text)
    return "\n\n".join("\n\n".join(post.paragraphs) for post in document.posts)


def extract_trafilatura(data: bytes) -> str:
    """Returns trafilatura's text with comments off, its defaults otherwise."""
    import trafilatura

    return trafilatura.extract(data.decode("utf-8", "replace"), include_comments=False) or ""


def extract_readability(data: bytes) -> str:
    """Returns the text of readability-lxml's `Document(html).summary()`."""
    import lxml.html
    from readability import Document

    summary = Document(data.decode("utf-8", "replace")).summary()
    if not summary.strip():
        return ""
    parts: list[str] = []
    for element in lxml.html.fromstring(summary).iter():
        if isinstance(element.tag, str) and element.tag in READABILITY_BLOCKS:
            parts.append("\n")
        parts.append(element.text or "")
        parts.append(element.tail or "")
    return "".join(parts)


EXTRACTORS: dict[str, Callable[[bytes], str]] = {
    "lantern": extract_lantern,
    "trafilatura": extract_trafilatura,
    "readability": extract_readability,
}


def run_one(extractor: str, case: Case) -> Result:
    """Returns (extractor, dataset, key, precision, recall, seconds) for one page (or -1, -1)."""
    logging.disable(logging.CRITICAL)  # extractors log every odd page; the table is the output
    with gzip.open(case.path, "rb") as handle:
        data = handle.read()
    start = time.perf_counter()
    try:
        text = EXTRACTORS[extractor](data)
    except Exception as err:  # a third-party extractor crashing counts as an empty page
        print(f"{extractor} {case.dataset}/{case.key}: {err!r}", file=sys.stderr)
        text = ""
    seconds = time.perf_counter() - start
    if not TOKEN_RE.search(text):
        return extractor, case.dataset, case.key, -1.0, 0.0, seconds
    precision, recall = precision_recall(case.gold, text)
    return extractor, case.dataset, case.key, precision, recall, seconds


def run_all(extractors: list[str], cases: list[Case]) -> Iterator[Result]:
    """Yields run_one's result for every (extractor, page), on a pool of two processes."""
    jobs = [(name, case) for name in extractors for case in cases]
    with ProcessPoolExecutor(max_workers=WORKERS) as pool:
        yield from pool.map(run_one, *zip(*jobs, strict=True), chunksize=4)


def summarise(results: list[Result], extractors: list[str], datasets: list[str]) -> list[Score]:
    """Returns one Score per (extractor, dataset) from the per-page results."""
    scores = []
    for dataset in datasets:
        for name in extractors:
            rows = [r for r in results if r[0] == name and r[1] == dataset]
            if not rows:
                continue
            kept = [r[3] for r in rows if r[3] >= 0]
            precision = sum(kept) / len(kept) if kept else 0.0
            recall = sum(r[4] for r in rows) / len(rows)
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            empty = len(rows) - len(kept)
            seconds = sum(r[5] for r in rows)
            scores.append(Score(name, dataset, precision, recall, f1, len(rows), empty, seconds))
    return scores


def print_table(scores: list[Score]) -> None:
    """Prints the benchmark table, with each extractor's time as a multiple of ours."""
    ours = {s.dataset: s.seconds for s in scores if s.extractor == "lantern"}
    header = f"{'extractor':<12} {'dataset':<7} {'pages':>5} {'precision':>9} {'recall':>7}"
    print(f"{header} {'F1':>6} {'empty':>5} {'seconds':>8} {'x ours':>6}")
    for s in scores:
        ratio = f"{s.seconds / ours[s.dataset]:.2f}" if ours.get(s.dataset) else "-"
        print(
            f"{s.extractor:<12} {s.dataset:<7} {s.pages:>5} {s.precision:>9.4f} {s.recall:>7.4f}"
            f" {s.f1:>6.4f} {s.empty:>5} {s.seconds:>8.1f} {ratio:>6}"
        )


def main(argv: list[str] | None = None) -> None:
    """Runs the benchmark and prints the table (and, with --worst, our weakest pages)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="first N pages of each dataset")
    parser.add_argument("--dataset", choices=[*DATASETS, "all"], default="all")
    parser.add_argument("--extractor", action="append", choices=list(EXTRACTORS))
    parser.add_argument("--worst", type=int, default=0, help="list our N lowest-F1 pages")
    args = parser.parse_args(argv)
    datasets = list(DATASETS) if args.dataset == "all" else [args.dataset]
    extractors = args.extractor or list(EXTRACTORS)
    root = shared_data_dir()
    cases = []
    for dataset in datasets:
        loaded = DATASETS[dataset](root)
        cases.extend(loaded[: args.limit] if args.limit else loaded)
    results = list(run_all(extractors, cases))
    print_table(summarise(results, extractors, datasets))
    if args.worst:
        ours = [r for r in results if r[0] == extractors[0]]
        ours.sort(key=lambda r: min(max(r[3], 0), r[4]))
        for r in ours[: args.worst]:
            print(f"  {r[1]}/{r[2]}  precision {r[3]:.3f}  recall {r[4]:.3f}")


if __name__ == "__main__":
    main()
