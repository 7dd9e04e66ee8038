"""Name variants end to end: does a variant spelling find the article, and what false hits it adds.

Run from the repo root: `python bench/variant_search.py [--verbose] [--pairs N] [--seed S]`.
Prints numbers and asserts nothing. bench/variants.py measures the name key alone; this goes
through our own indexer (`build_index`) and search (`run_search` on a `WhooshSource` backend), so
the analysis, the query reading and the backend's name-variant terms are all in the path.

- Sample corpus (corpus/): for each curated pair of bench/data/variant_pairs.tsv and each
  direction, when one spelling occurs in an article that lacks the other, search the other and
  check that the article is found.
- BBC News 2225 with injected names: for each curated pair (variant_a, variant_b), variant_a is
  put into one article and variant_b into another ("The rights activist <name> spoke to
  reporters on Tuesday.", nothing else capitalized, so the injection adds no other name); both
  articles are drawn with a fixed seed from those that are no near-duplicate of an earlier one,
  so that the build keeps them. Then variant_b is searched: recall is the share of pairs whose
  variant_a article is among the hits; the variant_b article gives every query an exact-spelling
  article for the ranking check.

Columns: "pairs" counts the queries (in the sample corpus a pair counts once per direction that
applies), "found" the articles found of those that must be. A hit is false when its title,
caption and body hold no spelling of the query's variant group (every spelling the TSV links to
it, observed pairs included; accents and case folded; an all-capital word is an acronym, not a
name): it was matched only through a key collision with an unrelated word or name, or a stem.
"added" counts the false hits that are no hits without name expansion (the query then matches
exact spellings and stems only; see "No expansion" below). "exact first" counts,
among queries with both kinds of hit, those where every article holding the query's own spelling
ranks above every article that does not. Rows: the variant query (variant_b) and the
exact-spelling query (variant_a, the baseline), each with and without name expansion. Curated
pairs only: observed pairs were found because their keys collide, so they would flatter recall.
--verbose lists the misses, the false hits with the words that matched (same key or stem) and
the queries whose exact-spelling articles rank below other hits.

No expansion. Before the Backend refactor (commit 6ac198f), these rows ran the same query with
`search.query._alternatives` patched to leave out the `names` term. The benchmarks patch nothing
now, and `RankingConfig(name_variant_boost=0)` is not the same: the `names` term is still in the
query at weight 0, so it still matches every variant spelling (same hits, other order). So a
query without expansion is written in the query language instead: each of its words (as
`parse_user_query` reads them) searched in the text fields only, `(title:w OR body:w OR
caption:w)`, the groups joined as the engine joins words (match=all, with its any-word
fallback). A fielded word has no name-variant term, so the hits are the same as before: the
articles holding each word's stem in a text field. Their order is not: a fielded word is
scored per field (Whoosh's BM25F with our idf, title at weight 1) instead of as one BM25F word
(title 0.5), so the "exact first" column of the "no expansion" rows is not comparable with
numbers measured before the refactor.

The shared data lives in $LANTERN_SHARED_DATA (default: <repo>/../shared/data). It is read at
run time and written only to a temporary folder that is removed at the end; never into the repo.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from anyascii import anyascii  # noqa: E402

from analysis.namekeys import TOKEN_PATTERN, clean_token, is_name_token, name_key  # noqa: E402
from analysis.tokens import stems  # noqa: E402
from bench.shared import shared_data_dir  # noqa: E402
from bench.variants import (  # noqa: E402
    PAIRS_FILE,
    Pair,
    Variants,
    fold,
    read_pairs,
)
from catalogue import TEXT_FIELDS  # noqa: E402
from indexer.extract.dedup import DuplicateFinder  # noqa: E402
from indexer.index.schema import from_stored  # noqa: E402
from indexer.index.update import build_index  # noqa: E402
from search.backends.whoosh import WhooshBackend, WhooshSource  # noqa: E402
from search.engine import run_search  # noqa: E402
from search.models import SearchRequest  # noqa: E402
from search.query import parse_user_query  # noqa: E402

SAMPLE_CORPUS = REPO / "corpus"
BBC_FILE = Path("bbc-news-2225") / "bbc-news.jsonl.gz"
# One name, nothing else capitalized but the sentence's first word (a common word, no key).
INJECTION = "The rights activist {name} spoke to reporters on Tuesday."
SEED = 2225
PER_PAGE = 100  # the API's maximum
MAX_PAGE = 1000  # the API's maximum
TOKENS = re.compile(TOKEN_PATTERN)


@dataclass(frozen=True, slots=True)
class Case:
    """One query and the articles it must find: they hold `source`, a variant of `query`."""

    pair: Pair
    query: str
    source: str
    targets: frozenset[str]


@dataclass(frozen=True, slots=True)
class Mode:
    """A way of searching a case: the variant or the exact spelling, with or without expansion."""

    label: str
    spelling: Callable[[Case], str]
    expansion: bool


MODES = (
    Mode("variant", lambda case: case.query, expansion=True),
    Mode("variant, no expansion", lambda case: case.query, expansion=False),
    Mode("exact spelling", lambda case: case.source, expansion=True),
    Mode("exact, no expansion", lambda case: case.source, expansion=False),
)


@dataclass(slots=True)
class Outcome:
    """What one mode's queries found, summed over the cases of one corpus."""

    queries: int = 0
    targets: int = 0
    found: int = 0
    hits: int = 0
    false_hits: int = 0
    queries_with_false: int = 0
    added: int | None = None
    ranked: int = 0  # queries with both exact-spelling and other hits
    exact_first: int = 0
    misses: list[tuple[Case, str]] = field(default_factory=list)
    false_list: list[tuple[str, str]] = field(default_factory=list)  # (query, article id)
    added_list: list[tuple[str, str]] = field(default_factory=list)
    rank_failures: list[tuple[str, list[str]]] = field(default_factory=list)


class Spellings:
    """The variant groups of the TSV and the words of one index's articles."""

    def __init__(self, pairs: Iterable[Pair], texts: dict[str, str]) -> None:
        variants = Variants(pairs)
        groups: dict[str, set[str]] = {}
        for name in list(variants.parent):
            groups.setdefault(variants.find(name), set()).add(name)
        self._variants = variants
        self._groups = groups
        self.texts = texts
        self._words = {article_id: _words(text) for article_id, text in texts.items()}
        self._index: dict[str, set[str]] = {}
        for article_id, words in self._words.items():
            for word in words:
                self._index.setdefault(word, set()).add(article_id)

    def group(self, spelling: str) -> frozenset[str]:
        """Returns the folded spellings of the spelling's variant group, itself included."""
        folded = fold(spelling)
        if folded not in self._variants.parent:
            return frozenset({folded})
        return frozenset(self._groups[self._variants.find(folded)])

    def holds(self, article_id: str, spellings: frozenset[str]) -> bool:
        """Returns whether the article holds one of the (folded) spellings."""
        return any(article_id in self._holding(spelling) for spelling in spellings)

    def articles_holding(self, spelling: str) -> frozenset[str]:
        """Returns the ids of the articles holding the spelling."""
        return frozenset(self._holding(fold(spelling)))

    def _holding(self, folded: str) -> set[str]:
        if folded not in self._index and not TOKENS.fullmatch(folded):
            # Several words (Kyzyl-Orda): looked for in the text, as the words it splits into.
            pattern = re.compile(
                r"(?<!\w)" + r"\W+".join(map(re.escape, TOKENS.findall(folded))) + r"(?!\w)"
            )
            self._index[folded] = {
                article_id for article_id, text in self.texts.items() if pattern.search(fold(text))
            }
        return self._index.get(folded, set())


def _words(text: str) -> set[str]:
    """Returns the text's words, accents and case folded, all-capital words left out.

    An all-capital word is an acronym, not a name: JURI, the European Parliament's legal affairs
    committee (bbc-tech-014), is not Juri / Yuri.
    """
    words = set()
    for match in TOKENS.finditer(anyascii(text)):
        word = clean_token(match.group())
        if word and not (word.isupper() and len(word) > 1):
            words.add(word.lower())
    return words


def without_expansion(text: str) -> str:
    """Returns a query for the text's words in the text fields only, where no word has a
    name-variant term: `(title:w OR body:w OR caption:w)` per word."""
    groups = (
        "(" + " OR ".join(f"{name}:{word}" for name in TEXT_FIELDS) + ")"
        for word in parse_user_query(text).words
    )
    return " ".join(groups)


class QueryRunner:
    """Runs queries through run_search, every page of them, and remembers the answers."""

    def __init__(self, index_dir: Path) -> None:
        self.backend: WhooshBackend = WhooshSource(index_dir).current()
        self._cache: dict[tuple[str, bool], list[str]] = {}
        self.queries = 0
        self.seconds = 0.0

    def hits(self, text: str, *, expansion: bool) -> list[str]:
        """Returns the ids of all hits for the query, best first."""
        key = (text, expansion)
        if key not in self._cache:
            started = time.perf_counter()
            ids: list[str] = []
            query = text if expansion else without_expansion(text)
            for page in range(1, MAX_PAGE + 1):
                request = SearchRequest(q=query, page=page, per_page=PER_PAGE)
                result = run_search(self.backend, request)
                ids.extend(hit.article.id for hit in result.hits)
                if len(ids) >= result.total or not result.hits:
                    break
            self._cache[key] = ids
            self.queries += 1
            self.seconds += time.perf_counter() - started
        return self._cache[key]

    def texts(self) -> dict[str, str]:
        """Returns every indexed article's title, caption and body by id."""
        articles = (from_stored(stored) for stored in self.backend.searcher.all_stored_fields())
        return {
            article.id: "\n".join((article.title, article.caption or "", article.body))
            for article in articles
        }


def evaluate(cases: list[Case], runner: QueryRunner, spellings: Spellings) -> dict[str, Outcome]:
    """Returns each mode's outcome over the cases."""
    outcomes = {}
    for mode in MODES:
        outcome = Outcome(added=0 if mode.expansion else None)
        for case in cases:
            text = mode.spelling(case)
            hits = runner.hits(text, expansion=mode.expansion)
            targets = case.targets if text == case.query else spellings.articles_holding(text)
            own = frozenset({fold(text)})
            group = spellings.group(case.pair.a) | spellings.group(case.pair.b) | own
            exact = [spellings.holds(i, own) for i in hits]
            false = [i for i in hits if not spellings.holds(i, group)]
            outcome.queries += 1
            outcome.targets += len(targets)
            outcome.found += len(targets & set(hits))
            outcome.misses += [(case, i) for i in sorted(targets - set(hits))]
            outcome.hits += len(hits)
            outcome.false_hits += len(false)
            outcome.queries_with_false += bool(false)
            outcome.false_list += [(text, i) for i in false]
            if mode.expansion:
                plain = set(runner.hits(text, expansion=False))
                added = [i for i in false if i not in plain]
                outcome.added = (outcome.added or 0) + len(added)
                outcome.added_list += [(text, i) for i in added]
            if any(exact) and not all(exact):
                outcome.ranked += 1
                last_exact = max(k for k, is_exact in enumerate(exact) if is_exact)
                first_other = min(k for k, is_exact in enumerate(exact) if not is_exact)
                if last_exact < first_other:
                    outcome.exact_first += 1
                else:
                    outcome.rank_failures.append((text, hits[: last_exact + 1]))
        outcomes[mode.label] = outcome
    return outcomes


def sample_cases(pairs: list[Pair], spellings: Spellings) -> list[Case]:
    """Returns a case per pair and direction whose source spelling occurs in an article."""
    cases = []
    for pair in pairs:
        for source, query in ((pair.a, pair.b), (pair.b, pair.a)):
            if fold(source) == fold(query):
                continue  # accents only: no variant to find
            lacking = spellings.articles_holding(source) - spellings.articles_holding(query)
            if lacking:
                cases.append(Case(pair, query, source, lacking))
    return cases


def read_bbc(path: Path) -> list[dict[str, Any]]:
    """Returns the BBC News records in file order."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def inject(record: dict[str, Any], name: str, rng: random.Random) -> dict[str, Any]:
    """Returns the record with a sentence naming `name` as a paragraph at a random place."""
    paragraphs = record["body"].split("\n\n")
    at = rng.randint(1, len(paragraphs))
    paragraphs.insert(at, INJECTION.format(name=name))
    return {**record, "body": "\n\n".join(paragraphs)}


def write_injected_corpus(
    records: list[dict[str, Any]], pairs: list[Pair], corpus_dir: Path, seed: int
) -> list[Case]:
    """Writes the records with each pair's spellings injected; returns a case per pair."""
    finder = DuplicateFinder()
    # Only an article that repeats no earlier one is certain to be kept by the build.
    eligible = [i for i, r in enumerate(records) if finder.add(r["id"], r["body"]) is None]
    rng = random.Random(seed)
    chosen = rng.sample(eligible, 2 * len(pairs))
    records = list(records)
    cases = []
    for k, pair in enumerate(pairs):
        at_a, at_b = chosen[2 * k], chosen[2 * k + 1]
        records[at_a] = inject(records[at_a], pair.a, rng)
        records[at_b] = inject(records[at_b], pair.b, rng)
        cases.append(Case(pair, pair.b, pair.a, frozenset({records[at_a]["id"]})))
    with (corpus_dir / "bbc-news-injected.jsonl").open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return cases


def why_matched(text: str, query: str) -> str:
    """Returns the words of the text that share the query's name key or stem."""
    key = name_key(query[:1].upper() + query[1:])
    query_stems = set(stems(query))
    words = {clean_token(m.group()) for m in TOKENS.finditer(text)}
    keyed = sorted(w for w in words if is_name_token(w) and name_key(w) == key)
    stemmed = sorted(w for w in words if set(stems(w)) & query_stems)
    reasons = [f"key: {', '.join(keyed)}"] * bool(keyed) + [f"stem: {', '.join(stemmed)}"] * bool(
        stemmed
    )
    return "; ".join(reasons) or "?"


def print_table(rows: list[tuple[str, str, Outcome]]) -> None:
    """Prints one line per corpus and mode."""
    header = (
        "corpus",
        "search",
        "pairs",
        "recall",
        "found",
        "hits",
        "false",
        "false share",
        "q. w/ false",
        "added",
        "exact first",
    )
    lines = [header]
    for corpus, label, o in rows:
        lines.append(
            (
                corpus,
                label,
                str(o.queries),
                f"{o.found / o.targets:.3f}" if o.targets else "-",
                f"{o.found}/{o.targets}",
                str(o.hits),
                str(o.false_hits),
                f"{o.false_hits / o.hits:.2%}" if o.hits else "-",
                f"{o.queries_with_false} ({o.queries_with_false / max(o.queries, 1):.1%})",
                "-" if o.added is None else f"{o.added} ({o.added / max(o.hits, 1):.2%})",
                f"{o.exact_first}/{o.ranked}" if o.ranked else "-",
            )
        )
    widths = [max(len(line[k]) for line in lines) for k in range(len(header))]
    for line in lines:
        cells = [
            cell.ljust(width) if k < 2 else cell.rjust(width)
            for k, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        print("  " + "  ".join(cells))


def print_details(corpus: str, outcomes: dict[str, Outcome], spellings: Spellings) -> None:
    """Prints the misses, false hits and ranking failures of the expanded searches."""
    for label in ("variant", "exact spelling"):
        o = outcomes[label]
        print(f"\n{corpus}, {label}: {len(o.misses)} missed")
        for case, article_id in o.misses:
            query = case.query if label == "variant" else case.source
            print(
                f"  {query} [{name_key(query)}] missed {article_id} holding {case.source}"
                f" [{name_key(case.source)}]  ({case.pair.note})"
            )
        print(f"{corpus}, {label}: {len(o.false_list)} false hits ({len(o.added_list)} added)")
        added = set(o.added_list)
        for query, article_id in o.false_list:
            text = spellings.texts[article_id]
            words = why_matched(text, query)
            title = text.split("\n", 1)[0][:60]
            tag = "added" if (query, article_id) in added else "also without expansion"
            print(f"  {query} [{name_key(query)}] -> {article_id} via {words}  ({tag}; {title})")
        print(f"{corpus}, {label}: {len(o.rank_failures)} exact-spelling articles ranked low")
        for query, ranked in o.rank_failures:
            own = frozenset({fold(query)})
            marks = " ".join(f"{i}{'*' if spellings.holds(i, own) else ''}" for i in ranked)
            print(f"  {query}: {marks}  (* holds the query's spelling)")


def main(argv: list[str] | None = None) -> None:
    """Prints recall and false matches of name-variant search on the two corpora."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list misses and false hits")
    parser.add_argument("--pairs", type=int, default=0, help="curated pairs to inject (0: all)")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the injection")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    pairs = read_pairs(PAIRS_FILE)
    curated = [pair for pair in pairs if not pair.note.startswith("observed")]
    if args.pairs and args.pairs < len(curated):
        curated = random.Random(args.seed).sample(curated, args.pairs)
    bbc_path = shared_data_dir() / BBC_FILE
    print(f"name variants end to end: {PAIRS_FILE.relative_to(REPO)}, corpus/, {bbc_path}")

    rows: list[tuple[str, str, Outcome]] = []
    details: list[tuple[str, dict[str, Outcome], Spellings]] = []
    timings = []
    with tempfile.TemporaryDirectory(prefix="lantern-variant-search-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        build_index(SAMPLE_CORPUS, work / "sample-index")
        runner = QueryRunner(work / "sample-index")
        spellings = Spellings(pairs, runner.texts())
        cases = sample_cases(curated, spellings)
        outcomes = evaluate(cases, runner, spellings)
        rows += [("sample corpus", label, o) for label, o in outcomes.items()]
        details.append(("sample corpus", outcomes, spellings))
        timings.append(
            f"sample: {len(spellings.texts)} articles, {time.perf_counter() - started:.0f} s"
        )

        if bbc_path.exists():
            started = time.perf_counter()
            corpus_dir = work / "bbc-corpus"
            corpus_dir.mkdir()
            cases = write_injected_corpus(read_bbc(bbc_path), curated, corpus_dir, args.seed)
            report = build_index(corpus_dir, work / "bbc-index")
            built = time.perf_counter() - started
            runner = QueryRunner(work / "bbc-index")
            spellings = Spellings(pairs, runner.texts())
            lost = [case for case in cases if not case.targets <= spellings.texts.keys()]
            if lost:
                print(f"  ({len(lost)} injected articles were not indexed; left out)")
                cases = [case for case in cases if case not in lost]
            outcomes = evaluate(cases, runner, spellings)
            rows += [("bbc-news + injected", label, o) for label, o in outcomes.items()]
            details.append(("bbc-news + injected", outcomes, spellings))
            timings.append(
                f"bbc-news: {report.articles_indexed} articles, build {built:.0f} s,"
                f" {runner.queries} queries in {runner.seconds:.0f} s"
            )
        else:
            print(f"  (missing, skipped: {bbc_path})")

        print_table(rows)
        print("  " + "; ".join(timings))
        if args.verbose:
            for corpus, outcomes, spellings in details:
                print_details(corpus, outcomes, spellings)


if __name__ == "__main__":
    main()
