"""Exact and near-duplicate articles: normalised digests, MinHash signatures and an LSH index.

A body is reduced to a `Fingerprint` (pure and picklable, so it can be computed in worker
processes). `DuplicateFinder` keeps one fingerprint per distinct article in memory and answers,
for each new one, which kept article it repeats. The thresholds below were measured on
Reuters-21578 and BBC News (see bench/duplicates.py); each comment names the stories that
taught it.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

# Shingles of 5 words. Over the Reuters pairs (>= 30 words each) at Jaccard 0.5-1, going from
# 3 to 5 words drops 39% of the pairs whose titles differ (mostly templated items such as the
# daily "FED ADDS RESERVES") and 17% of those whose titles agree (mostly re-sends); from 5 to 7
# words drops both by about a fifth, so longer shingles only lose re-sends. BBC's pairs do not
# move between 3 and 7.
SHINGLE_WORDS = 5
# 256 permutations: the estimate's standard error at Jaccard 0.5 is 0.031 (0.044 with 128), which
# matters because the closest different stories sit just below the threshold. The signature
# costs 1 KB an article, less than half of what the LSH index costs.
NUM_PERM = 256
SEED = 1
# Jaccard >= 0.5. On BBC, versions of one report (a paragraph added, sentences reworded) score
# 0.56-0.77, and the closest different reports 0.47: bbc-politics-328, a follow-up that reuses
# half of bbc-politics-327. On Reuters, about 5 in 6 of the pairs between 0.5 and 0.6 are a first
# take and the full story; a threshold of 0.6 would lose ~50 of those to avoid ~10 templated ones.
THRESHOLD = 0.5
# 8 bands of 2 rows (16 of the values): a pair becomes a candidate with probability 0.90 at
# Jaccard 0.5, 0.97 at 0.6 and 0.995 at 0.7; candidates are then checked on all 256 values.
# Memory grows with the bands, not the rows: each band cost ~290 bytes an article in
# datasketch's dict storage (a set per bucket; measured), less in ours (a bare number per bucket
# that holds one signature). These bands found the same Reuters and BBC pairs as 16 bands of 3
# rows, and 99.8% of their pairs among 200,000 synthetic articles, in 0.6x the memory; the
# price is more candidates to check (0.13 an article on Reuters + BBC, 0.05).
LSH_BANDS = 8
LSH_ROWS = 2
# Shorter bodies are never merged, not even when identical: "Qtly div 20 cts vs 20 cts
# previously / Pay April 15 / Record March 23" (14 words) is both QUAKER OATS' and UNIBANCORP's
# dividend (reuters21578-3774 and -5085); every Reuters body of 20 or more words that repeats
# another exactly is the same story sent again.
MIN_EXACT_WORDS = 20
# Shorter bodies merge only when identical: at 21-29 words, one-line items that differ in a
# name score 0.5-0.6: reuters21578-16552 and -19210 (the AMEX starts trading Lawrence Insurance,
# Sherwood Group), -16470 and -16472 (the payouts of two Franklin funds).
MIN_NEAR_WORDS = 30
# A near pair is rejected when at least half of the figures of the body with fewer figures are
# missing from the other: "FED ADDS RESERVES VIA CUSTOMER REPURCHASES" differs from day to day
# only in "2.5 billion" and "6-3/16 pct" (Jaccard 0.62-0.79), "EC SUGAR IMPORT LEVIES" only in
# its four levies. A re-sent story keeps its figures; a correction usually quotes the old one.
FIGURE_MISMATCH = 0.5

MINHASH_CHUNK = 8192  # shingles hashed at once
_COMBINING = re.compile(r"[\u0300-\u036f]+")
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
# "U.S." and "US", "U.N." and "UN" are one word: house styles differ on stops in initialisms.
_INITIALISM = re.compile(r"\b(?:[^\W\d_]\.){2,}")
# A number keeps its decimal, thousands, time, fraction and range separators ("2.5", "1,250",
# "6-3/16", "2018-2019"): "6-3/16" and "6-1/16 pct" are then different figures, not a shared "6".
_NUMBER = re.compile(r"\d+(?:[-.,:/]\d+)*")
_TOKEN = re.compile(rf"{_NUMBER.pattern}|[^\W\d_]+")
# Wire copy spells small numbers: the FED ADDS RESERVES items of reuters21578-4298 and -10503
# differ only in "two billion" vs "one billion" dlrs of repurchases.
_SPELLED_NUMBERS = "zero one two three four five six seven eight nine ten eleven twelve"
_NUMBER_WORDS = {word: str(value) for value, word in enumerate(_SPELLED_NUMBERS.split())}
_EMPTY_SIGNATURE = b""
_BLOCK_ROWS = 8192  # signatures per block: 8 MB
# One odd multiplier per position in a shingle, so that "a b" and "b a" hash apart.
_POSITION_MULTIPLIERS = np.array(
    [
        0x9E3779B97F4A7C15,
        0xC2B2AE3D27D4EB4F,
        0x165667B19E3779F9,
        0xD6E8FEB86659FD93,
        0xFF51AFD7ED558CCD,
    ][:SHINGLE_WORDS],
    dtype=np.uint64,
)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What dedup keeps of one body: its size, exact digest, MinHash signature and figures."""

    words: int
    digest: bytes  # blake2b of the normalised words: equal digests mean equal bodies
    signature: bytes  # NUM_PERM uint32 MinHash values; empty below MIN_NEAR_WORDS words
    figures: frozenset[str]  # the numbers the body quotes, as normalised tokens

    def jaccard(self, other: Fingerprint) -> float:
        """Returns the estimated Jaccard similarity of two bodies; 0.0 if one is too short."""
        if self.digest == other.digest:
            return 1.0
        if not self.signature or not other.signature:
            return 0.0
        mine = np.frombuffer(self.signature, dtype=np.uint32)
        theirs = np.frombuffer(other.signature, dtype=np.uint32)
        return float(np.count_nonzero(mine == theirs)) / NUM_PERM


@dataclass(frozen=True, slots=True)
class Match:
    """The kept article a new one repeats, and how closely."""

    key: str
    similarity: float  # estimated Jaccard; 1.0 for an exact repeat
    exact: bool


def normalise(body: str) -> list[str]:
    """Returns the body's words: case-folded, accents, punctuation and quotes dropped."""
    return _TOKEN.findall(_normalised_text(body))


def fingerprint(body: str) -> Fingerprint:
    """Returns the fingerprint of an article body (deterministic across runs and machines)."""
    text = _normalised_text(body)
    words = _TOKEN.findall(text)
    digest = hashlib.blake2b(" ".join(words).encode("utf-8"), digest_size=16).digest()
    # The number tokens are exactly the matches of _NUMBER; regexes and set operations keep the
    # per-word work in C.
    spelled = _NUMBER_WORDS.keys() & set(words)
    figures = frozenset(_NUMBER.findall(text)).union(_NUMBER_WORDS[word] for word in spelled)
    signature = _EMPTY_SIGNATURE
    if len(words) >= MIN_NEAR_WORDS:
        signature = _minhash(_shingle_hashes(words)).tobytes()
    return Fingerprint(len(words), digest, signature, figures)


def figures_disagree(first: frozenset[str], second: frozenset[str]) -> bool:
    """Returns whether most figures of the body quoting fewer are missing from the other."""
    fewer = min(len(first), len(second))
    if fewer == 0:
        return False
    missing = fewer - len(first & second)
    return missing / fewer >= FIGURE_MISMATCH


class DuplicateFinder:
    """Incremental duplicate detection over up to millions of articles held in memory.

    Each article is compared with the articles kept so far, never with the duplicates merged
    into them, so every member of a group is within the threshold of its group's first article
    (no chains A~B~C where A and C differ). Only kept articles cost memory.

    Args:
        threshold: the estimated Jaccard similarity from which two bodies are near duplicates.
    """

    def __init__(self, threshold: float = THRESHOLD) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        self.threshold = threshold
        self._seen: set[str] = set()
        self._keys: list[str] = []  # kept articles, by row
        self._figures: list[frozenset[str]] = []
        self._exact: dict[bytes, int] = {}
        # Signatures in fixed blocks: no copy and no slack when the finder grows past a million.
        self._blocks: list[np.ndarray] = []
        self._near = 0  # signatures stored
        self._near_rows: list[int] = []  # row in _keys of each signature
        # The LSH index: per band, the band's values (one integer) -> the signatures having them.
        self._bands: list[dict[int, int | list[int]]] = [{} for _ in range(LSH_BANDS)]

    def __len__(self) -> int:
        """Returns how many distinct articles are kept."""
        return len(self._keys)

    def add(self, key: str, body: str) -> str | None:
        """Returns the key of the kept article this body repeats, else keeps it and returns None."""
        match = self.add_fingerprint(key, fingerprint(body))
        return match.key if match else None

    def add_fingerprint(self, key: str, sketch: Fingerprint) -> Match | None:
        """Returns the most similar kept article `sketch` repeats, else keeps it (and None).

        Raises:
            ValueError: `key` was added before.
        """
        if key in self._seen:
            raise ValueError(f"duplicate key: {key!r}")
        self._seen.add(key)
        if sketch.words < MIN_EXACT_WORDS:
            return None
        row = self._exact.get(sketch.digest)
        if row is not None:
            return Match(self._keys[row], 1.0, exact=True)
        match = self._find_near(sketch) if sketch.signature else None
        if match is None:
            self._keep(key, sketch)
        return match

    def _find_near(self, sketch: Fingerprint) -> Match | None:
        signature = np.frombuffer(sketch.signature, dtype=np.uint32)
        candidates = self._candidates(signature)
        if candidates.size == 0:
            return None
        stored = np.stack([self._signature(int(candidate)) for candidate in candidates])
        similarity = np.count_nonzero(stored == signature, axis=1) / NUM_PERM
        for index in np.argsort(-similarity, kind="stable"):
            if similarity[index] < self.threshold:
                break
            row = self._near_rows[candidates[index]]
            if not figures_disagree(sketch.figures, self._figures[row]):
                return Match(self._keys[row], float(similarity[index]), exact=False)
        return None

    def _candidates(self, signature: np.ndarray) -> np.ndarray:
        """Returns the numbers of the stored signatures sharing a band with this one, in the
        order they were stored (ties then go to the earliest)."""
        found: set[int] = set()
        for band, bucket in enumerate(_band_keys(signature)):
            numbers = self._bands[band].get(bucket)
            if numbers is not None:
                found.update(numbers if isinstance(numbers, list) else (numbers,))
        return np.fromiter(sorted(found), dtype=np.int64, count=len(found))

    def _signature(self, number: int) -> np.ndarray:
        return self._blocks[number // _BLOCK_ROWS][number % _BLOCK_ROWS]

    def _keep(self, key: str, sketch: Fingerprint) -> None:
        row = len(self._keys)
        self._keys.append(key)
        self._figures.append(sketch.figures)
        self._exact[sketch.digest] = row
        if not sketch.signature:
            return
        if self._near % _BLOCK_ROWS == 0:
            self._blocks.append(np.empty((_BLOCK_ROWS, NUM_PERM), dtype=np.uint32))
        signature = np.frombuffer(sketch.signature, dtype=np.uint32)
        self._blocks[-1][self._near % _BLOCK_ROWS] = signature
        for band, bucket in enumerate(_band_keys(signature)):
            # Most buckets hold one signature: kept as a bare number, a list only when shared.
            held = self._bands[band].setdefault(bucket, self._near)
            if isinstance(held, list):
                held.append(self._near)
            elif held != self._near:
                self._bands[band][bucket] = [held, self._near]
        self._near_rows.append(row)
        self._near += 1


def could_repeat(sketches: Sequence[Fingerprint]) -> np.ndarray:
    """Returns, per sketch, whether `DuplicateFinder` could ever pair it with another of them.

    A body is compared only with bodies of the same digest or with the LSH's candidates, which
    share at least one band (the same LSH_ROWS values in one of the LSH_BANDS slices of the
    signature). A body sharing neither with any other is kept, whatever the order, so a finder
    given only the others, in their order, decides exactly as one given them all: over a
    corpus of distinct articles that is a few percent of them (the finder costs ~65 µs an
    article; this, a few).
    """
    count = len(sketches)
    maybe = np.zeros(count, dtype=np.bool_)
    if count < 2:
        return maybe
    long_enough = np.fromiter((s.words >= MIN_EXACT_WORDS for s in sketches), bool, count)
    digests: dict[bytes, int] = {}
    candidates = [int(row) for row in np.flatnonzero(long_enough)]
    for row in candidates:
        digest = sketches[row].digest
        first = digests.setdefault(digest, row)
        if first != row:
            maybe[first] = maybe[row] = True
    near = [row for row in candidates if sketches[row].signature]
    if len(near) > 1:
        width = LSH_BANDS * LSH_ROWS
        values = np.frombuffer(
            b"".join(sketches[row].signature[: width * 4] for row in near), dtype=np.uint32
        ).reshape(len(near), width)
        rows = np.asarray(near)
        for keys in _band_key_table(values).T:
            _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
            maybe[rows[counts[inverse] > 1]] = True
    return maybe


def group_duplicates(items: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Returns the groups of keys whose bodies repeat each other, first-seen first.

    Args:
        items: (key, body) pairs in the order the articles were seen.

    Returns:
        One list per group with more than one member: the kept key, then its duplicates in the
        order seen. Groups are ordered by their kept key.
    """
    finder = DuplicateFinder()
    position: dict[str, int] = {}
    groups: dict[str, list[str]] = {}
    for key, body in items:
        position[key] = len(position)
        kept = finder.add(key, body)
        if kept is not None:
            groups.setdefault(kept, [kept]).append(key)
    return sorted(groups.values(), key=lambda group: position[group[0]])


def _normalised_text(body: str) -> str:
    """Returns the body case-folded and accent-free, dashes as "-", initialisms without stops.

    Not the search fold (analysis.folding): two copies of a story differ in typography too, so
    compatibility forms (ligatures, full-width letters) are decomposed here as well."""
    if not body.isascii():
        body = _COMBINING.sub("", unicodedata.normalize("NFKD", body))
        body = _DASHES.sub("-", body)
    body = _INITIALISM.sub(lambda initials: initials.group().replace(".", ""), body)
    return body.casefold()


def _shingle_hashes(words: list[str]) -> np.ndarray:
    """Returns the 32-bit hashes of the body's SHINGLE_WORDS-word shingles."""
    # Hashing each word once and combining in numpy is 3x faster than SHA-1 per shingle string;
    # CRC-32 is deterministic across runs, unlike hash(), and _minhash mixes its output again.
    hashes = np.fromiter(map(zlib.crc32, map(str.encode, words)), np.uint64, len(words))
    count = len(words) - SHINGLE_WORDS + 1
    combined = np.zeros(count, dtype=np.uint64)
    for position, multiplier in enumerate(_POSITION_MULTIPLIERS):
        combined += hashes[position : position + count] * multiplier  # wraps modulo 2**64
    # Repeated shingles are left in: MinHash ignores them, and np.unique would cost more.
    return (combined >> np.uint64(32)).astype(np.uint32)


def _band_keys(signature: np.ndarray) -> list[int]:
    """Returns the LSH key of each band of a signature: its LSH_ROWS values as one integer."""
    return _band_key_table(signature.reshape(1, -1))[0].tolist()


def _band_key_table(signatures: np.ndarray) -> np.ndarray:
    """Returns the band keys (signatures x LSH_BANDS, uint64) of signatures (one per row, at
    least LSH_BANDS * LSH_ROWS values each)."""
    width = LSH_BANDS * LSH_ROWS
    values = signatures[:, :width].astype(np.uint64).reshape(len(signatures), LSH_BANDS, LSH_ROWS)
    keys = np.zeros((len(signatures), LSH_BANDS), dtype=np.uint64)
    for row in range(LSH_ROWS):
        keys = keys * np.uint64(1 << 32) + values[:, :, row]
    return keys


def _minhash(hashes: np.ndarray) -> np.ndarray:
    """Returns the NUM_PERM MinHash values (uint32) of a set of 32-bit hashes.

    The "affine32" scheme of datasketch 2 (tests/test_dedup.py checks equality with it): each
    hash is mixed by the MurmurHash3 finalizer, then permuted by h -> a * h + b modulo 2^32
    (a odd) for each of the permutations that numpy's RandomState(SEED) draws; a signature
    value is the least of each permutation. Written here because importing datasketch takes
    half a second (it imports scipy.integrate), which is most of adding one page.
    """
    a, b = _permutations()
    values = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
    # A batch is hashed against every permutation at once (shingles x 256 values): in chunks,
    # a 4 MB page takes tens of MB, not 700.
    for start in range(0, len(hashes), MINHASH_CHUNK):
        h = np.asarray(hashes[start : start + MINHASH_CHUNK], dtype=np.uint32).reshape(-1, 1)
        h = h ^ (h >> np.uint32(16))
        h = h * np.uint32(0x85EBCA6B)
        h = h ^ (h >> np.uint32(13))
        h = h * np.uint32(0xC2B2AE35)
        h = h ^ (h >> np.uint32(16))
        np.minimum(values, (h * a + b).min(axis=0), out=values)
    return values


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    generator = np.random.RandomState(SEED)
    a = generator.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b
