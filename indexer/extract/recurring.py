"""Site chrome learned from the corpus: short lines that recur on many pages of one site."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from indexer.extract.metadata import extract_source
from indexer.extract.models import Page
from indexer.extract.text import is_sentence, to_lines

# A line is the site's chrome when it stands on at least this many of the site's pages, and on
# at least this share of them. Sentences never are: a background paragraph that recurs in many
# articles ("Kazakhs are the second-largest Turkic-speaking indigenous community ...") is body.
MIN_PAGES = 3
MIN_SHARE = 0.3
# Lines longer than this are paragraphs, whatever their punctuation.
MAX_WORDS = 12


def site_of(page: Page) -> str:
    """Returns the key pages of one site share: the publisher its chrome names, else its folder."""
    folder = page.path.rsplit("/", 1)[0] if "/" in page.path else ""
    return extract_source(page.text) or f"folder:{folder}"


def candidate_lines(page: Page) -> frozenset[str]:
    """Returns the lines of a text page that could be its site's chrome: short, not sentences."""
    distinct = {line.text for line in to_lines(page.text)}
    return frozenset(
        text for text in distinct if len(text.split()) <= MAX_WORDS and not is_sentence(text)
    )


def recurs(pages_with_line: int, site_pages: int) -> bool:
    """Returns whether a line on this many of its site's pages is the site's chrome."""
    return pages_with_line >= max(MIN_PAGES, MIN_SHARE * site_pages)


def learn_recurring_lines(pages: Iterable[Page]) -> dict[str, frozenset[str]]:
    """Returns, per site, the non-sentence lines that recur on many of its text pages."""
    pages_per_site: Counter[str] = Counter()
    line_pages: dict[str, Counter[str]] = defaultdict(Counter)
    for page in pages:
        if page.kind != "text":
            continue
        site = site_of(page)
        pages_per_site[site] += 1
        line_pages[site].update(candidate_lines(page))
    learned = {}
    for site, counts in line_pages.items():
        lines = frozenset(text for text, n in counts.items() if recurs(n, pages_per_site[site]))
        if lines:
            learned[site] = lines
    return learned
