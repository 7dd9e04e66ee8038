"""fold(text): lower case with Latin accents folded, the one fold of index, queries and suggestions.

Folding is Whoosh's LowercaseFilter + CharsetFilter(accent_map), the analysis indexes of schema 4
and older were built with, re-derived from unicodedata: the same result on every code point
(tests/test_analysis.py compares all of them) but these deliberate differences:
- "İ" (Turkish capital dotted I) folds to "i". str.lower() makes it "i" + U+0307 COMBINING DOT
  ABOVE, which accent_map keeps, so "İstanbul" was a term no typed query reaches.
- Combining marks stay as they are. accent_map maps seven of them to unrelated letters (U+0308
  COMBINING DIAERESIS to "t", U+0303 COMBINING TILDE to "p", ...), a slip in its table; the
  tokenizers never put a combining mark inside a word (\\w does not match one), so no index term
  ever held them.
Only Latin letters fold: Cyrillic й and ё, Greek accents and Kazakh Cyrillic letters are letters
of their own and stay, as they did.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold"]

# Latin letters without a decomposition that fold all the same: the ones a reader would write
# without their mark (ß, ð, þ, ı), then the phonetic letters accent_map happens to fold, so that
# no index term changes.
_LETTERS = {
    "ß": "s",
    "ð": "d",
    "þ": "t",
    "ı": "i",
    "ȷ": "j",
    "ǝ": "e",
    "ɵ": "o",
    "ʉ": "u",
    "ǣ": "a",
    "ǽ": "a",
    "ǯ": "z",
    "ƺ": "z",
    "ẛ": "s",
    "ɚ": "e",
    "ɝ": "e",
    "ɟ": "j",
    "ʄ": "j",
    "ʏ": "y",
    "ᵬ": "b",
    "ᵭ": "d",
    "ᵮ": "f",
    "ᵲ": "r",
    "ᵳ": "r",
    "ᵵ": "t",
}
# Latin letters named "... WITH <mark>" that accent_map leaves alone (phonetic and obsolete
# letters); kept as they are for the same reason.
_KEPT = frozenset("ȿɀɦⱱⱳⱴⱸⱺỿ")
# "LATIN SMALL LETTER O WITH STROKE" -> "o": letters whose mark is drawn into them (ø ł đ ħ ƒ ɓ).
_MARKED_LETTER = re.compile(r"LATIN SMALL LETTER ([A-Z]) WITH ")
# The blocks whose marked letters accent_map folds: Latin-1 to IPA, Latin Extended Additional,
# Latin Extended-C.
_MARKED_BLOCKS = (range(0x80, 0x2B0), range(0x1E00, 0x1F00), range(0x2C60, 0x2C80))
# Full-width Latin letters and digits (East Asian text) fold to ASCII.
_FULLWIDTH = range(0xFF00, 0xFF60)


def _fold_char(char: str) -> str | None:
    """Returns what one lower-case character folds to, or None when it stays."""
    if char in _LETTERS:
        return _LETTERS[char]
    name = unicodedata.name(char, "")
    code = ord(char)
    if code in _FULLWIDTH:
        if name.startswith(("FULLWIDTH LATIN", "FULLWIDTH DIGIT")):
            return unicodedata.normalize("NFKC", char).lower()
        return None
    if not name.startswith("LATIN ") or char in _KEPT:
        return None
    decomposed = unicodedata.normalize("NFD", char)
    if decomposed != char:
        # A letter and its marks (é, ǿ): the letter, itself folded again (ǿ -> ø -> o).
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
        return "".join(_fold_char(c) or c for c in base)
    marked = _MARKED_LETTER.match(name)
    if marked and any(code in block for block in _MARKED_BLOCKS):
        return marked.group(1).lower()
    return None


def _fold_table() -> dict[int, str]:
    """Returns the str.translate table of every character that folds."""
    table = {}
    for code in (*range(0x3000), *_FULLWIDTH):
        folded = _fold_char(chr(code))
        if folded is not None and folded != chr(code):
            table[code] = folded
    return table


_TABLE = _fold_table()


def fold(text: str) -> str:
    """Returns the text in lower case with Latin letters' accents and marks folded away."""
    lowered = text.replace("İ", "I").lower()
    return lowered if lowered.isascii() else lowered.translate(_TABLE)
