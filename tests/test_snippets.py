"""Snippets and highlighted bodies: what is marked, and how much of a long body is read."""

from __future__ import annotations

from search.snippets import SNIPPET_SCAN_CHARS, MatchTerms, highlight_body, make_snippets

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
