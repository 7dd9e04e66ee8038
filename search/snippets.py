"""Highlighted snippets and article bodies: matched words in <mark>, everything else escaped."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

from analysis.folding import fold
from analysis.namekeys import spans_with_keys
from analysis.tokens import DEFAULT_SETTINGS, TextSettings, matching_spans, words

SNIPPET_CHARS = 200
MAX_SNIPPETS = 3
# Snippets are cut from the body's opening this long: a 1 MB report costs what a long article
# does (its matches further in are on the article page). Most articles are far shorter.
SNIPPET_SCAN_CHARS = 50_000
# Fragments closer than this are joined into one.
JOIN_GAP = 40
MARK_OPEN = Markup("<mark>")
MARK_CLOSE = Markup("</mark>")
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class MatchTerms:
    """What to highlight: stems of the text fields, exact words, and name keys."""

    stems: frozenset[str] = frozenset()
    exact: frozenset[str] = frozenset()
    name_keys: frozenset[str] = frozenset()
    text: TextSettings = DEFAULT_SETTINGS  # the analysis the stems come from

    def __bool__(self) -> bool:
        return bool(self.stems or self.exact or self.name_keys)


def match_spans(text: str, terms: MatchTerms) -> list[tuple[int, int]]:
    """Returns the sorted, merged character spans of text that the terms match."""
    if not terms or not text:
        return []
    spans: set[tuple[int, int]] = set()
    if terms.stems:
        spans.update(matching_spans(text, terms.stems, terms.text))
    if terms.exact:
        spans.update(m.span() for m in words(text) if fold(m.group()) in terms.exact)
    if terms.name_keys:
        spans.update(spans_with_keys(text, terms.name_keys))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(
    text: str, spans: Iterable[tuple[int, int]], start: int = 0, end: int | None = None
) -> Markup:
    """Returns text[start:end] escaped, with the spans inside it wrapped in <mark>."""
    end = len(text) if end is None else end
    out = [Markup("")]
    cursor = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[cursor:s]))
        out.append(MARK_OPEN + escape(text[s:e]) + MARK_CLOSE)
        cursor = e
    out.append(escape(text[cursor:end]))
    return Markup("").join(out)


def _word_boundary_left(text: str, pos: int) -> int:
    if pos <= 0:
        return 0
    space = text.rfind(" ", 0, pos)
    newline = text.rfind("\n", 0, pos)
    cut = max(space, newline)
    return cut + 1 if cut >= 0 else 0


def _word_boundary_right(text: str, pos: int) -> int:
    if pos >= len(text):
        return len(text)
    candidates = [i for i in (text.find(" ", pos), text.find("\n", pos)) if i >= 0]
    return min(candidates) if candidates else len(text)


def _windows(text: str, spans: list[tuple[int, int]], size: int) -> list[tuple[int, int, int]]:
    """Returns candidate fragments (start, end, number of matches) centred on match clusters."""
    starts = [s for s, _e in spans]
    windows = []
    for s, _e in spans:
        start = _word_boundary_left(text, max(0, s - size // 4))
        paragraph_start = text.rfind("\n", 0, s) + 1
        start = max(start, paragraph_start)
        end = _word_boundary_right(text, min(len(text), start + size))
        paragraph_end = text.find("\n", s)
        if paragraph_end != -1:
            end = min(end, paragraph_end)
        # Spans are sorted and disjoint: those inside [start, end] are a run of them.
        first = bisect_left(starts, start)
        last = bisect_right(starts, end)
        count = sum(1 for k in range(first, last) if spans[k][1] <= end)
        windows.append((start, end, count))
    return windows


def make_snippets(
    text: str, terms: MatchTerms, *, size: int = SNIPPET_CHARS, limit: int = MAX_SNIPPETS
) -> tuple[Markup, ...]:
    """Returns up to `limit` highlighted fragments of text, in text order.

    Fragments of about `size` characters are cut on word boundaries inside one paragraph,
    chosen for the number of matches they hold; with no match, the text's opening.
    """
    scanned = text
    if len(text) > SNIPPET_SCAN_CHARS:
        scanned = text[: _word_boundary_left(text, SNIPPET_SCAN_CHARS)]
    spans = match_spans(scanned, terms)
    if not spans:
        end = _word_boundary_right(text, size) if len(text) > size else len(text)
        opening = escape(text[:end].replace("\n\n", " "))
        return (Markup(opening + (ELLIPSIS if end < len(text) else "")),) if text else ()
    chosen: list[tuple[int, int]] = []
    for start, end, _count in sorted(_windows(text, spans, size), key=lambda w: (-w[2], w[0])):
        if any(start < e + JOIN_GAP and end > s - JOIN_GAP for s, e in chosen):
            continue
        chosen.append((start, end))
        if len(chosen) == limit:
            break
    fragments = []
    for start, end in sorted(chosen):
        body = mark(text, spans, start, end)
        prefix = ELLIPSIS if start > 0 and text[start - 1] != "\n" else ""
        suffix = ELLIPSIS if end < len(text) and text[end] != "\n" else ""
        fragments.append(Markup(escape(prefix) + body + escape(suffix)))
    return tuple(fragments)


def highlight_body(text: str, terms: MatchTerms) -> tuple[Markup, int]:
    """Returns the whole body as HTML paragraphs with every match marked, and the match count."""
    spans = match_spans(text, terms)
    paragraphs = []
    offset = 0
    number = 0
    k = 0  # spans are sorted: each paragraph takes the run of them that lies inside it
    for para in text.split("\n\n"):
        start, end = offset, offset + len(para)
        while k < len(spans) and spans[k][0] < start:
            k += 1
        inside = []
        while k < len(spans) and spans[k][1] <= end:
            inside.append(spans[k])
            k += 1
        pieces = [Markup("")]
        cursor = start
        for s, e in inside:
            number += 1
            pieces.append(escape(text[cursor:s]))
            pieces.append(
                Markup('<mark id="m{0}" tabindex="-1">').format(number)
                + escape(text[s:e])
                + MARK_CLOSE
            )
            cursor = e
        pieces.append(escape(text[cursor:end]))
        paragraphs.append(Markup("<p>") + Markup("").join(pieces) + Markup("</p>"))
        offset = end + 2
    return Markup("\n").join(paragraphs), number
