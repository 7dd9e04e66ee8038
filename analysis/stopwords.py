"""STOP_WORDS: the words title and body leave out of the index."""

from __future__ import annotations

__all__ = ["STOP_WORDS"]

# Whoosh's English stop words (its filters module's STOP_WORDS) but "us" and "may": lower-cased
# they are the US and Theresa May or the month of May, words a news archive is searched for
# (bench/relevance.py: within 0.001).
STOP_WORDS: frozenset[str] = frozenset(
    """
    a an and are as at be by can for from have if in is it not of on or tbd that the this to we
    when will with yet you your
    """.split()
)
