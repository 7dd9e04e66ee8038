"""Did you mean: corrections drawn from the index's own vocabulary of unstemmed words."""

from __future__ import annotations

import re
import unicodedata

from whoosh.searching import Searcher

from analysis.namekeys import name_key

# Words shorter than this are not corrected (too many neighbours at edit distance one).
MIN_WORD_CHARS = 4
_WORD = re.compile(r"\w+", re.UNICODE)
_OPERATORS = frozenset({"AND", "OR", "NOT", "TO"})


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def suggest(searcher: Searcher, text: str) -> str | None:
    """Returns the query with unknown words replaced by the closest frequent index words.

    A word is left alone when the index holds it, or holds a name spelled another way
    (the name-variant search finds those). Returns None when nothing would change.
    """
    corrector = searcher.corrector("exact")
    changed = False

    def fix(m: re.Match[str]) -> str:
        nonlocal changed
        word = m[0]
        folded = _fold(word)
        if word in _OPERATORS or len(folded) < MIN_WORD_CHARS or folded.isdigit():
            return word
        if searcher.doc_frequency("exact", folded):
            return word
        key = name_key(word[:1].upper() + word[1:])
        if key and searcher.doc_frequency("names", key):
            return word
        maxdist = 1 if len(folded) <= 5 else 2
        found = corrector.suggest(folded, limit=1, maxdist=maxdist)
        if not found:
            return word
        changed = True
        return found[0]

    corrected = _WORD.sub(fix, text)
    return corrected if changed else None
