"""Snippets and highlighted bodies: what is marked, and how much of a long body is read."""

from __future__ import annotations

from random import Random

from analysis.namekeys import name_key_tokens
from analysis.tokens import exact_tokens, text_tokens
from search.snippets import (
    SNIPPET_SCAN_CHARS,
    MatchTerms,
    highlight_body,
    make_snippets,
    match_spans,
)
from tests.paths import CORPUS

CAMPS = MatchTerms(stems=frozenset({"camp"}))
PARAGRAPH = "Observers said the court in Almaty heard the case on Monday morning."


def test_snippets_read_only_the_opening_of_a_huge_body() -> None:
    filler = "\n\n".join([PARAGRAPH] * (2 * SNIPPET_SCAN_CHARS // len(PARAGRAPH)))
    early = f"Reeducation camps were named.\n\n{filler}"
    late = f"{filler}\n\nReeducation camps were named."
    assert "<mark>camps</mark>" in str(make_snippets(early, CAMPS)[0])
    (opening,) = make_snippets(late, CAMPS)  # the match lies past what is read: the opening
    assert "<mark>" not in str(opening) and str(opening).startswith("Observers")


def test_every_match_of_a_long_body_is_marked_in_its_paragraph() -> None:
    paragraphs = [f"{PARAGRAPH} Camps {n} and camps." for n in range(500)]
    html, marks = highlight_body("\n\n".join(paragraphs), CAMPS)
    assert marks == 1000
    assert str(html).count("<p>") == 500
    assert '<mark id="m1000" tabindex="-1">camps</mark>.</p>' in str(html)


def _token_spans(text: str, terms: MatchTerms) -> set[tuple[int, int]]:
    """The spans the analysis's tokens give, token by token: what highlighting must agree with."""
    spans = {
        (t.start, t.end)
        for t in text_tokens(text, keep_stops=True, settings=terms.text)
        if t.text in terms.stems
    }
    spans |= {(t.start, t.end) for t in exact_tokens(text) if t.text in terms.exact}
    spans |= {(t.start, t.end) for t in name_key_tokens(text) if t.text in terms.name_keys}
    return spans


def test_highlighted_words_are_the_words_the_analysis_matches() -> None:
    texts = [path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))]
    texts.append("The U.S. camps’ guards, Dmitriyev's O'Brien and the naïve café in Kara-Murza.")
    assert len(texts) > 5
    rng = Random(7)
    for text in texts:
        stems = [t.text for t in text_tokens(text)]
        folded = [t.text for t in exact_tokens(text)]
        keys = [t.text for t in name_key_tokens(text)]
        for _ in range(5):
            terms = MatchTerms(
                stems=frozenset([*rng.sample(stems, 3), "the", "of"]),
                exact=frozenset(rng.sample(folded, 2)),
                name_keys=frozenset(rng.sample(keys, min(2, len(keys)))),
            )
            expected = _token_spans(text, terms)
            assert expected
            covered = {(s, e) for s, e in match_spans(text, terms)}
            # match_spans merges touching spans: every token span lies inside one merged span.
            assert all(any(s <= a and b <= e for s, e in covered) for a, b in expected)
            assert all(any(a <= s and e <= b for a, b in expected) for s, e in covered)
