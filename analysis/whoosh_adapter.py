"""Whoosh's side of the one analysis: a Tokenizer that runs analysis/ and yields Whoosh tokens.

The only module of analysis/ that imports Whoosh. An index pickles its schema, tokenizers
included, so AnalysisTokenizer holds nothing but a kind name and TextSettings, and this module
must keep its path (moving it needs a new SCHEMA_VERSION).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any, Literal, get_args

from whoosh.analysis import Token as WhooshToken
from whoosh.analysis import Tokenizer

from analysis.namekeys import name_key_tokens
from analysis.tokens import DEFAULT_SETTINGS, TextSettings, Token, exact_tokens, text_tokens

__all__ = [
    "AnalysisTokenizer",
    "exact_analyzer",
    "name_key_analyzer",
    "text_analyzer",
]

# "text": title, body and caption (text_tokens); "exact": folded words, unstemmed
# (exact_tokens); "names": name keys of proper names (name_key_tokens).
Kind = Literal["text", "exact", "names"]
KINDS: tuple[Kind, ...] = get_args(Kind)


class AnalysisTokenizer(Tokenizer):
    """A Whoosh analyzer made of one of analysis/'s analyses, following Whoosh's call protocol.

    Arguments are those of Whoosh's tokenizers: positions, chars, keeporiginal, removestops
    (False yields stop words with stopped=True), start_pos, start_char, tokenize (False: the
    whole value is one word), mode ("index" or "query"), and no_morph (no stems, which Whoosh
    asks for when it wants spellable words); other keywords become Token attributes.
    """

    def __init__(self, kind: Kind, settings: TextSettings = DEFAULT_SETTINGS) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown analysis {kind!r}; one of {', '.join(KINDS)}")
        self.kind = kind
        self.settings = settings

    @property
    def is_morph(self) -> bool:
        """Returns whether this analysis stems (Whoosh then keeps spellable words apart)."""
        return self.kind == "text" and self.settings.stemmer != "none"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, AnalysisTokenizer)
            and other.kind == self.kind
            and other.settings == self.settings
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.settings))

    def _tokens(
        self, value: str, *, mode: str, keep_stops: bool, tokenize: bool, no_morph: bool
    ) -> Iterator[Token]:
        """Returns the pure analysis's tokens of a value."""
        if self.kind == "exact":
            return exact_tokens(value, tokenize=tokenize)
        if self.kind == "names":
            return name_key_tokens(value, mode=mode, tokenize=tokenize)
        settings = replace(self.settings, stemmer="none") if no_morph else self.settings
        return text_tokens(
            value, mode=mode, keep_stops=keep_stops, settings=settings, tokenize=tokenize
        )

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        no_morph: bool = False,
        **kwargs: Any,
    ) -> Iterator[WhooshToken]:
        """Yields one reused Whoosh Token per word, as Whoosh's own tokenizers do.

        Raises:
            TypeError: the value is not a str.
        """
        if not isinstance(value, str):
            raise TypeError(f"{value!r} is not a str")
        token = WhooshToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        analysed = self._tokens(
            value, mode=mode, keep_stops=not removestops, tokenize=tokenize, no_morph=no_morph
        )
        for word in analysed:
            token.text = word.text
            token.boost = 1.0
            token.stopped = word.stopped
            if keeporiginal or not tokenize:
                token.original = value[word.start : word.end]
            if positions:
                token.pos = start_pos + word.position
            if chars:
                token.startchar = start_char + word.start
                token.endchar = start_char + word.end
            yield token


def text_analyzer(settings: TextSettings = DEFAULT_SETTINGS) -> AnalysisTokenizer:
    """Returns the Whoosh analyzer of title, body and caption (analysis.tokens.text_tokens)."""
    return AnalysisTokenizer("text", settings)


def exact_analyzer() -> AnalysisTokenizer:
    """Returns the Whoosh analyzer of the exact field: folded words, unstemmed."""
    return AnalysisTokenizer("exact")


def name_key_analyzer() -> AnalysisTokenizer:
    """Returns the Whoosh analyzer of the name keys of a text's proper names."""
    return AnalysisTokenizer("names")
