"""Article metadata from text dumps: one extract_<field>() per field."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from indexer.extract.dates import parse_date
from indexer.extract.text import MINOR_WORDS, is_sentence, words

# "ALMATY, Kazakhstan -- ", "ALMATY, Kazakhstan – " (seed 003's en dash), "PETROZAVODSK, Russia --",
# and in Cyrillic, Russian and Kazakh: "АЛМАТЫ, Казахстан --", "ШЫМКЕНТ, Қазақстан --".
_UPPER = "A-ZА-ЯЁІЇЄҐӘҒҚҢӨҰҮҺ"
DATELINE = re.compile(
    rf"(?P<place>[{_UPPER}][{_UPPER}.'’\- ]{{1,40}}[{_UPPER}.])"
    rf"(?:,\s*(?P<region>[{_UPPER}][\w.'’\- ]{{1,40}}?))?"
    r"(?:\s*\((?:[^\W\d_]|[/ -]){2,30}\))?"
    r"\s*(?:--|–|—|-)\s+"
)

_DATE_LINE_MAX_WORDS = 6

# Publishers recognised by their own chrome or credits, and the section that chrome names.
# Seeds 000-003 carry the RFE/RL Watchdog blog's footer; seed 004 is a Society for Threatened
# Peoples release (GfbV is its German name, in its image credits).
SOURCE_SIGNATURES: tuple[tuple[re.Pattern[str], str, str | None], ...] = (
    # Seed 001 has no footer: RFE/RL's Pangea header and the blog's name open it.
    (re.compile(r"\AAccessibility links\s+Breaking News\s+Watchdog\s"), "RFE/RL", "Watchdog"),
    (re.compile(r'"Watchdog" is a blog|RFE/RL\'s Watchdog Report'), "RFE/RL", "Watchdog"),
    (re.compile(r"RFE/RL journalists|Radio Free Europe/Radio Liberty"), "RFE/RL", None),
    (
        re.compile(r"\bGfbV\b|Society for Threatened Peoples"),
        "Society for Threatened Peoples",
        None,
    ),
    (re.compile(r"Human Rights Watch"), "Human Rights Watch", None),
    (re.compile(r"Amnesty International"), "Amnesty International", None),
)
# The owner a copyright line names: "© 2024 RFE/RL, Inc. All Rights Reserved.",
# "Copyright 2021 Human Rights Centre Viasna. All rights reserved."
COPYRIGHT = re.compile(
    r"^(?:©|\(c\)|copyright)(?:\s*©)?\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?[\s,]*"
    r"(?P<owner>[A-Z][^\n|]{1,80}?)"
    r"(?:,?\s+(?:Inc|Ltd|LLC|GmbH|e\.\s?V)\.?)?\s*(?:[.|]|\s+all rights reserved|$)",
    re.IGNORECASE | re.MULTILINE,
)
# Section labels a page prints in its head (seed 001's "Watchdog", seed 004's "Press Releases").
SECTION_MAX_WORDS = 3
TITLE_MAX_WORDS = 16
TITLE_MIN_WORDS = 8
# A shortened title does not end on these ("... demanding release of").
_TRAILING_MINOR = MINOR_WORDS | {"who", "which", "that", "than"}


def extract_published(head: Sequence[str]) -> date | None:
    """Returns the publication date a short head line states, else None (never guessed)."""
    for text in head:
        if len(words(text)) > _DATE_LINE_MAX_WORDS:
            continue
        found = parse_date(text)
        if found:
            return found
    return None


def extract_section(head: Sequence[str], page_text: str) -> str | None:
    """Returns the section a head label or the site's chrome names, else None."""
    for text in head:
        tokens = words(text)
        if (
            0 < len(tokens) <= SECTION_MAX_WORDS
            and all(t[0].isupper() for t in tokens)
            and not parse_date(text)
        ):
            return text
    for pattern, _source, section in SOURCE_SIGNATURES:
        if section and pattern.search(page_text):
            return section
    return None


def extract_source(page_text: str) -> str | None:
    """Returns the publisher recognised from the page's chrome, credits or copyright line."""
    for pattern, source, _section in SOURCE_SIGNATURES:
        if pattern.search(page_text):
            return source
    if m := COPYRIGHT.search(page_text):
        return m["owner"].strip()
    return None


def extract_head_title(head: Sequence[str]) -> str | None:
    """Returns the headline among the head lines: the first line that is neither label nor date."""
    for text in head:
        tokens = words(text)
        if len(tokens) > SECTION_MAX_WORDS and not parse_date(text) and not is_sentence(text, 40):
            return text
    return None


def extract_dateline(first_paragraph: str) -> str | None:
    """Returns the dateline's place, as "Almaty, Kazakhstan", when the lede opens with one."""
    m = DATELINE.match(first_paragraph)
    if not m:
        return None
    place = m["place"].strip().title()
    region = (m["region"] or "").strip()
    return f"{place}, {region}" if region else place


def strip_dateline(paragraph: str) -> str:
    """Returns the paragraph without its opening dateline."""
    m = DATELINE.match(paragraph)
    return paragraph[m.end() :] if m else paragraph


_FIRST_SENTENCE = re.compile(r"^(.+?[.!?][\"'”’)]*)(?:\s+[A-Z“\"]|$)")


def derive_title(lede: str) -> str:
    """Returns a title made from the lede's first sentence, shortened at a word boundary."""
    text = strip_dateline(lede).strip()
    m = _FIRST_SENTENCE.match(text)
    sentence = (m[1] if m else text).rstrip(".")
    tokens = sentence.split()
    if len(tokens) <= TITLE_MAX_WORDS:
        return sentence
    kept = tokens[:TITLE_MAX_WORDS]
    # End at the last clause boundary when it leaves a title of some length.
    for k in range(len(kept) - 1, TITLE_MIN_WORDS - 2, -1):
        if kept[k].endswith((",", ";", ":")):
            kept = kept[: k + 1]
            break
    while kept and kept[-1].lower().strip(",;:") in _TRAILING_MINOR:
        kept.pop()
    return " ".join(kept).rstrip(",;:") + " …"
