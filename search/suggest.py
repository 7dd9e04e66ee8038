"""Did you mean: corrections drawn from the index's own vocabulary of unstemmed words."""

from __future__ import annotations

import re

from analysis.folding import fold
from analysis.namekeys import name_key
from catalogue import EXACT_FIELD, NAMES_FIELD
from search.backend import Backend

# Words shorter than this are not corrected (too many neighbours at edit distance one).
MIN_WORD_CHARS = 4
_WORD = re.compile(r"\w+", re.UNICODE)
_OPERATORS = frozenset({"AND", "OR", "NOT"})


def _in_case_of(word: str, correction: str) -> str:
    """Returns the correction in the case the user typed the word in."""
    if word.isupper() and len(word) > 1:
        return correction.upper()
    if word[:1].isupper():
        return correction[:1].upper() + correction[1:]
    return correction


def suggest(backend: Backend, text: str) -> str | None:
    """Returns the query with unknown words replaced by the closest frequent index words.

    A word is left alone when the index holds it (folded as the index folds it), or holds a
    name spelled another way (the name-variant search finds those). Returns None when nothing
    would change.
    """
    changed = False

    def fix(m: re.Match[str]) -> str:
        nonlocal changed
        word = m[0]
        folded = fold(word)
        if word in _OPERATORS or len(folded) < MIN_WORD_CHARS or folded.isdigit():
            return word
        if backend.has_term(EXACT_FIELD, folded):
            return word
        key = name_key(word[:1].upper() + word[1:])
        if key and backend.has_term(NAMES_FIELD, key):
            return word
        found = backend.closest_word(folded, 1 if len(folded) <= 5 else 2)
        if not found:
            return word
        changed = True
        return _in_case_of(word, found)

    corrected = _WORD.sub(fix, text)
    return corrected if changed else None
