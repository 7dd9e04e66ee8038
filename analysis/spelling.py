"""British spellings read as American ones, so that "tumour" finds "tumor" and back again."""

from __future__ import annotations

from collections.abc import Iterator

from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS
from whoosh.analysis import Filter, Token

# Pairs whose American form is, to most readers, another word: a "draft" law is no "draught",
# a US "tire" is also to grow weary, a "ton" is not a "tonne". "buses" and "gases" are the
# plurals on both sides of the Atlantic ("busses" are kisses).
_OTHER_WORDS = frozenset(
    "draught draughts draughty tyre tyres tonne tonnes groyne groynes philtre philtres"
    " buses minibuses gases".split()
)
AMERICAN_SPELLINGS = {
    british: american
    for british, american in BRITISH_ENGLISH_SPELLINGS.items()
    if british not in _OTHER_WORDS
}


class SpellingFilter(Filter):
    """Replaces lower-cased British spellings with the American ones (breame's word list).

    Index and query go through the same analysis, so either spelling finds both, in search,
    phrases and highlighting alike. The filter holds no state: Whoosh pickles it into the
    index's schema, and the word list stays in the module.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            american = AMERICAN_SPELLINGS.get(token.text)
            if american is not None:
                token.text = american
            yield token
