"""Plain-text dumps as lines, and the sentence tests every text stage shares."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Closing characters allowed after a sentence's final stop: quotes and brackets.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
# The control characters (Unicode category Cc) but newline and tab.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_POSSESSIVE = re.compile(r"['’]s?$")
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
# Words that stay lower case inside an English headline; a line with them capitalised
# ("Locked Up In China: The Plight Of Xinjiang's Muslims") is Title Case, as promo and video
# headings are, while captions and sentences are in sentence case.
MINOR_WORDS = frozenset(
    "a an and as at but by for from in into of on or over the to up with via vs".split()
)


@dataclass(frozen=True, slots=True)
class Line:
    """One non-blank line of a dump; `block` numbers runs of lines without a blank between."""

    text: str
    block: int


def normalize_text(text: str) -> str:
    """Returns text in NFC with Unix newlines, no-break spaces as spaces, and no control chars."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    return _CONTROL.sub("", text)


def to_lines(text: str) -> list[Line]:
    """Returns the non-blank lines of a dump, whitespace collapsed, with their block numbers."""
    lines: list[Line] = []
    block = 0
    for raw in normalize_text(text).split("\n"):
        stripped = " ".join(raw.split())
        if stripped:
            lines.append(Line(stripped, block))
        elif lines and lines[-1].block == block:
            block += 1
    return lines


def words(text: str) -> list[str]:
    """Returns the words of text (letters first; digits-only tokens are not words)."""
    return _WORD.findall(text)


def is_sentence(text: str, min_words: int = 5) -> bool:
    """Returns True when text reads as prose: enough words and a final stop."""
    return bool(_SENTENCE_END.search(text)) and len(words(text)) >= min_words


def is_title_case(text: str) -> bool:
    """Returns True for a headline-style line whose minor words are capitalised too."""
    tokens = words(text)
    if len(tokens) < 4:
        return False
    capitalised = sum(1 for t in tokens if t[0].isupper())
    minor_capitalised = sum(1 for t in tokens[1:] if t.lower() in MINOR_WORDS and t[0].isupper())
    return capitalised / len(tokens) >= 0.8 and minor_capitalised >= 1


def content_words(text: str) -> set[str]:
    """Returns the lower-cased words of four letters or more: a cheap topic signature."""
    return {_POSSESSIVE.sub("", w.lower()) for w in words(text) if len(w) >= 4}
