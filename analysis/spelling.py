"""British spellings read as American ones, so that "tumour" finds "tumor" and back again."""

from __future__ import annotations

from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

__all__ = ["AMERICAN_SPELLINGS", "american_spelling"]

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


def american_spelling(word: str) -> str:
    """Returns the American spelling of a folded word (breame's word list), or the word itself.

    Index and query go through the same analysis, so either spelling finds both, in search,
    phrases and highlighting alike.
    """
    return AMERICAN_SPELLINGS.get(word, word)
