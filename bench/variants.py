"""Name-key quality: recall on known romanization variants and false matches among real names.

Run from the repo root: `python bench/variants.py [--verbose] [--top N]`. Prints numbers and
asserts nothing.

- Recall: the fraction of the curated pairs in bench/data/variant_pairs.tsv whose keys collide.
  Rows whose note starts with "observed" are collisions found in the corpora below and judged to
  be one name; they count as known variants and guard against regressions, not as recall.
- False matches: distinct real name tokens (capitalized words of the BBC News corpus and of the
  RFE/RL video items that are hardly ever written in lowercase there) whose key is shared with
  another name that is not a known variant. Names that differ only in accents count as one.
  Also printed: the share of names sharing a key with any other name (no judgement at all), and
  the share when English spelling variants (Alan / Allan: "observed spelling") count as false.
  The random-pair rate is the fraction of all pairs of names that falsely collide.

The shared data lives in $LANTERN_SHARED_DATA (default: <repo>/../shared/data). It is read at
run time and never copied.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from anyascii import anyascii  # noqa: E402

from analysis.namekeys import TOKEN_PATTERN, clean_token, is_name_token, name_key  # noqa: E402
from bench.shared import shared_data_dir  # noqa: E402

PAIRS_FILE = REPO / "bench" / "data" / "variant_pairs.tsv"
TOKENS = re.compile(TOKEN_PATTERN)
# (relative path, JSON fields holding text) of each corpus the name set is drawn from.
CORPORA = (
    ("bbc-news-2225/bbc-news.jsonl.gz", ("title", "body")),
    ("rferl-sitemaps/rferl-video-items.en.jsonl.gz", ("title", "body")),
)
# A capitalized word is a name when its lowercase form makes up at most this share of its uses:
# "Police" opens many sentences but "police" is far more common; "Navalny" is lowercase only in
# a photo credit (navalny.com).
MAX_LOWERCASE_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class Pair:
    a: str
    b: str
    note: str


def read_pairs(path: Path) -> list[Pair]:
    """Returns the distinct variant pairs of the TSV file, in file order."""
    seen: set[frozenset[str]] = set()
    pairs = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            key = frozenset((row["variant_a"], row["variant_b"]))
            if key not in seen:
                seen.add(key)
                pairs.append(Pair(row["variant_a"], row["variant_b"], row["note"]))
    return pairs


def iter_texts(data_dir: Path) -> Iterator[str]:
    """Yields the title and body of every document of the corpora found under data_dir."""
    for relative, fields in CORPORA:
        path = data_dir / relative
        if not path.exists():
            print(f"  (missing, skipped: {path})")
            continue
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                for field in fields:
                    if record.get(field):
                        yield record[field]


def fold(name: str) -> str:
    """Returns the accent- and case-free spelling that identifies one distinct name."""
    return anyascii(name).lower()


def collect_names(texts: Iterable[str]) -> Counter[str]:
    """Returns the proper-name tokens of the texts with their capitalized counts."""
    capitalized: Counter[str] = Counter()
    lowercase: Counter[str] = Counter()
    for text in texts:
        for match in TOKENS.finditer(text):
            word = clean_token(match.group())
            if not word or not word[0].isalpha():
                continue
            if word[0].isupper():
                capitalized[word] += 1
            else:
                lowercase[word.lower()] += 1
    names: Counter[str] = Counter()
    for word, count in capitalized.items():
        lower = lowercase[word.lower()]
        if lower <= MAX_LOWERCASE_SHARE * (count + lower) and is_name_token(word):
            names[word] += count
    return names


class Variants:
    """Union-find over folded spellings: which names are known variants of each other."""

    def __init__(self, pairs: Iterable[Pair]) -> None:
        self.parent: dict[str, str] = {}
        for pair in pairs:
            self.union(fold(pair.a), fold(pair.b))

    def find(self, name: str) -> str:
        """Returns the representative of the name's variant group."""
        parent = self.parent.setdefault(name, name)
        if parent != name:
            parent = self.parent[name] = self.find(parent)
        return parent

    def union(self, a: str, b: str) -> None:
        """Puts two names in one variant group."""
        self.parent[self.find(a)] = self.find(b)


def time_keys(names: list[str]) -> float:
    """Returns the microseconds per uncached name_key call over the names."""
    name_key.cache_clear()
    start = time.perf_counter()
    for name in names:
        name_key(name)
    elapsed = time.perf_counter() - start
    return 1e6 * elapsed / max(len(names), 1)


def false_matches(groups: dict[str, list[str]], variants: Variants) -> tuple[int, int, list]:
    """Returns (names, name pairs, groups) where a key joins names that are not variants."""
    names = 0
    pairs = 0
    bad_groups = []
    for key, members in groups.items():
        clusters = Counter(variants.find(name) for name in members)
        if len(clusters) > 1:
            names += len(members)
            same = sum(count * (count - 1) // 2 for count in clusters.values())
            pairs += len(members) * (len(members) - 1) // 2 - same
            bad_groups.append((key, members))
    return names, pairs, bad_groups


def main(argv: list[str] | None = None) -> None:
    """Prints recall on the variant pairs and false-match rates on real names."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list misses and collisions")
    parser.add_argument("--top", type=int, default=40, help="collision groups to list")
    args = parser.parse_args(argv)

    pairs = read_pairs(PAIRS_FILE)
    # Curated pairs measure recall. Observed pairs are collisions found in the corpora and
    # judged to be one name; they guard against regressions and count as known variants.
    curated = [pair for pair in pairs if not pair.note.startswith("observed")]
    observed = [pair for pair in pairs if pair.note.startswith("observed")]
    misses = [pair for pair in curated if name_key(pair.a) != name_key(pair.b)]
    observed_misses = [pair for pair in observed if name_key(pair.a) != name_key(pair.b)]

    data_dir = shared_data_dir()
    print(f"name keys: {PAIRS_FILE.relative_to(REPO)} and corpora under {data_dir}")
    counts = collect_names(iter_texts(data_dir))
    # One entry per distinct name (accents and case folded), keeping its most frequent spelling.
    spellings: dict[str, str] = {}
    frequency: Counter[str] = Counter()
    for word, count in counts.most_common():
        spellings.setdefault(fold(word), word)
        frequency[fold(word)] += count
    folded = sorted(spellings)
    keyed = {name: name_key(spellings[name]) for name in folded}
    keyed = {name: key for name, key in keyed.items() if key}
    groups: defaultdict[str, list[str]] = defaultdict(list)
    for name, key in keyed.items():
        groups[key].append(name)
    total = max(len(keyed), 1)
    all_pairs = max(total * (total - 1) // 2, 1)

    shared = sum(len(members) for members in groups.values() if len(members) > 1)
    romanization = [pair for pair in pairs if not pair.note.startswith("observed spelling")]
    strict_names, _, _ = false_matches(groups, Variants(romanization))
    false_names, false_pairs, bad_groups = false_matches(groups, Variants(pairs))

    rows = (
        ("curated variant pairs", f"{len(curated)}"),
        ("recall (curated pairs whose keys collide)", f"{1 - len(misses) / len(curated):.3f}"),
        (
            "observed variant pairs still colliding",
            f"{len(observed) - len(observed_misses)}/{len(observed)}",
        ),
        ("distinct names with a key", f"{len(keyed)}"),
        ("distinct keys", f"{len(groups)}"),
        ("names sharing a key with any other name", f"{shared / total:.2%}"),
        ("  ... with a non-romanization variant", f"{strict_names / total:.2%}"),
        ("false matches (... with a non-variant)", f"{false_names / total:.2%}"),
        ("random name pairs colliding", f"{false_pairs / all_pairs:.2e}"),
        ("name_key, uncached", f"{time_keys([spellings[name] for name in folded]):.1f} us/name"),
    )
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value:>12}")

    if args.verbose:
        print("\nmissed pairs:")
        for pair in misses + observed_misses:
            print(f"  {pair.a} [{name_key(pair.a)}]  {pair.b} [{name_key(pair.b)}]  {pair.note}")
        print(f"\nworst false-match groups (of {len(bad_groups)}):")
        bad_groups.sort(key=lambda group: (-len(group[1]), -sum(frequency[n] for n in group[1])))
        for key, members in bad_groups[: args.top]:
            members.sort(key=lambda name: -frequency[name])
            listed = ", ".join(f"{spellings[name]} ({frequency[name]})" for name in members)
            print(f"  {key}: {listed}")


if __name__ == "__main__":
    main()
