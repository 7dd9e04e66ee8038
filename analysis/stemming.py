"""stem(word): English stems by Snowball (PyStemmer), or Porter's 1980 stemmer, or none at all.

Snowball English is the current one (Snowball 3 through PyStemmer), not Whoosh's older Python port
of it, which the indexes of schema 4 and older were stemmed with. Of the 62,989 folded words of the
five IR collections of bench/relevance.py (time, npl, scifact, med, cran; stop words left out),
128 stem differently from that port: "organisms" -> "organism" (was "organ"), "organization" ->
"organiz" ("organ"), "international" -> "internat" ("intern"), "interval" -> "interval"
("interv"), "added" -> "add" ("ad"), "evening" -> "evening" ("even"), "biologists" -> "biolog"
("biologist", now one stem with "biology"). Curly apostrophes stem like straight ones, as they
did: Snowball 3 alone keeps "men’s" whole ("men’"), so they are made straight first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Literal, get_args

import Stemmer

__all__ = ["STEMMERS", "StemmerName", "stem", "stemmer"]

# "english" is Snowball English (Porter2); "porter" Porter's original algorithm (a benchmark
# variant); "none" leaves words as they are.
StemmerName = Literal["english", "porter", "none"]
STEMMERS: tuple[StemmerName, ...] = get_args(StemmerName)
# Stems kept per algorithm: more than the distinct words of a large collection's vocabulary.
CACHE_WORDS = 1 << 17
# Curly apostrophes inside a word are straight ones to Snowball ("men’s" -> "men's" -> "men").
_APOSTROPHES = str.maketrans({"’": "'"})
# PyStemmer's stemmer objects must not be shared by threads (gunicorn may run several).
_local = threading.local()


def _pystemmer(algorithm: str) -> Stemmer.Stemmer:
    """Returns this thread's PyStemmer stemmer of an algorithm."""
    stemmers: dict[str, Stemmer.Stemmer] = _local.__dict__.setdefault("stemmers", {})
    if algorithm not in stemmers:
        stemmers[algorithm] = Stemmer.Stemmer(algorithm)
    return stemmers[algorithm]


def _unchanged(word: str) -> str:
    """Returns the word itself (the "none" stemmer)."""
    return word


@cache
def stemmer(algorithm: StemmerName = "english") -> Callable[[str], str]:
    """Returns the cached stem function of one of STEMMERS.

    Raises:
        ValueError: the algorithm is not one of STEMMERS.
    """
    if algorithm not in STEMMERS:
        raise ValueError(f"unknown stemmer {algorithm!r}; one of {', '.join(STEMMERS)}")
    if algorithm == "none":
        return _unchanged

    @lru_cache(maxsize=CACHE_WORDS)
    def stem_word(word: str) -> str:
        stemmed: str = _pystemmer(algorithm).stemWord(word.translate(_APOSTROPHES))
        return stemmed

    return stem_word


def stem(word: str, algorithm: StemmerName = "english") -> str:
    """Returns the stem of a folded, lower-case word (Snowball English unless told otherwise)."""
    return stemmer(algorithm)(word)
