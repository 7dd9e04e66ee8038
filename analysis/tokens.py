"""The words of a text, analysed: text_tokens (title, body, caption) and exact_tokens (unstemmed).

Positions, character offsets and stop words are what Whoosh's RegexTokenizer and StopFilter made
of them, so that phrases and highlighting read indexes of either alike: a stop word takes no
position, and the first word kept keeps its own (in "the cat", "cat" is at position 1).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from analysis.folding import fold
from analysis.spelling import american_spelling
from analysis.stemming import STEMMERS, StemmerName, stemmer
from analysis.stopwords import STOP_WORDS

__all__ = [
    "DEFAULT_SETTINGS",
    "WORD_PATTERN",
    "TextSettings",
    "Token",
    "exact_tokens",
    "matching_spans",
    "stems",
    "text_tokens",
    "words",
]

# Words, keeping inner apostrophes and dots ("U.S.", "don't") together; curly apostrophes too.
WORD_PATTERN = r"\w+(?:[.'’]\w+)*"
_WORDS = re.compile(WORD_PATTERN)
# The whole text as one word (tokenize=False: Whoosh's query parser asks so for wildcards and
# ranges); it matches an empty text too, once.
_WHOLE = re.compile(r"\A.*\Z", re.DOTALL)
# Words whose analysis (and name key: analysis/namekeys.py) is remembered, per memo; then the
# memo starts again: a few tens of MB.
MEMO_WORDS = 200_000
_MEMOS: dict[TextSettings, dict[str, tuple[str, str | None]]] = {}


@dataclass(slots=True)
class Token:
    """One analysed word: its text, position and character offsets in the text analysed."""

    text: str
    position: int
    start: int
    end: int
    stopped: bool = False


@dataclass(frozen=True, slots=True)
class TextSettings:
    """What the text analysis leaves out and how it stems; the benchmarks pass others."""

    stoplist: frozenset[str] = STOP_WORDS
    # Shorter words are stop words too (Whoosh's StopFilter minsize).
    minsize: int = 2
    stemmer: StemmerName = "english"

    def __post_init__(self) -> None:
        if self.stemmer not in STEMMERS:
            raise ValueError(f"unknown stemmer {self.stemmer!r}; one of {', '.join(STEMMERS)}")
        if not isinstance(self.stoplist, frozenset):
            raise TypeError(f"stoplist must be a frozenset, not {type(self.stoplist).__name__}")


DEFAULT_SETTINGS = TextSettings()


def words(text: str, *, tokenize: bool = True) -> Iterator[re.Match[str]]:
    """Returns the matches of the text's words (the whole text when tokenize is False)."""
    return (_WORDS if tokenize else _WHOLE).finditer(text)


def text_tokens(
    text: str,
    *,
    mode: str = "index",
    keep_stops: bool = False,
    settings: TextSettings = DEFAULT_SETTINGS,
    tokenize: bool = True,
) -> Iterator[Token]:
    """Returns the title/body analysis of a text: folded words, American spellings, stems.

    Stop words (settings.stoplist, and words shorter than settings.minsize) are left out, or
    with keep_stops yielded unstemmed with stopped=True at their own position (highlighting
    wants them). The mode ("index" or "query") makes no difference to this analysis.
    """
    analysed = _analysed_words(settings)
    position: int | None = None
    for index, match in enumerate(words(text, tokenize=tokenize)):
        raw = match.group()
        found = analysed.get(raw)
        if found is None:
            found = analysed[raw] = _analyse(raw, settings)
            if len(analysed) > MEMO_WORDS:
                analysed.clear()
        word, stem = found
        if stem is not None:
            position = index if position is None else position + 1
            yield Token(stem, position, match.start(), match.end())
        elif keep_stops:
            yield Token(word, index, match.start(), match.end(), stopped=True)


def matching_spans(
    text: str, wanted: frozenset[str], settings: TextSettings = DEFAULT_SETTINGS
) -> list[tuple[int, int]]:
    """Returns the character spans of the text's words whose stem is wanted; a stop word's
    folded self counts too (highlighting marks stop words a phrase asked for). What text_tokens
    with keep_stops finds, without a token per word: snippets scan whole bodies per hit."""
    analysed = _analysed_words(settings)
    spans = []
    for match in _WORDS.finditer(text):
        raw = match.group()
        found = analysed.get(raw)
        if found is None:
            found = analysed[raw] = _analyse(raw, settings)
            if len(analysed) > MEMO_WORDS:
                analysed.clear()
        word, stem = found
        if (word if stem is None else stem) in wanted:
            spans.append(match.span())
    return spans


def _analysed_words(settings: TextSettings) -> dict[str, tuple[str, str | None]]:
    """Returns the memo of a settings' analysis: a word as written -> (folded and American
    spelling, its stem or None for a stop word). Folding, spelling and stemming a word took
    three quarters of indexing a text; most words of an archive repeat."""
    memo = _MEMOS.get(settings)
    if memo is None:
        memo = _MEMOS[settings] = {}
    return memo


def _analyse(raw: str, settings: TextSettings) -> tuple[str, str | None]:
    word = american_spelling(fold(raw))
    if len(word) < settings.minsize or word in settings.stoplist:
        return word, None
    return word, stemmer(settings.stemmer)(word)


def exact_tokens(text: str, *, tokenize: bool = True) -> Iterator[Token]:
    """Returns the words of a text folded but unstemmed (the exact field, spelling suggestions)."""
    for index, match in enumerate(words(text, tokenize=tokenize)):
        yield Token(fold(match.group()), index, match.start(), match.end())


def stems(text: str, settings: TextSettings = DEFAULT_SETTINGS) -> list[str]:
    """Returns the index terms of a text's title/body analysis, in order, stop words left out."""
    return [token.text for token in text_tokens(text, settings=settings)]
