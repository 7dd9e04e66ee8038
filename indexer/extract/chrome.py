"""Site chrome in text dumps: the rules (data, at the top) and strip_chrome, which applies them."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from indexer.extract.text import Line, is_sentence, is_title_case, words

# Whole lines that are chrome wherever they stand. Each names the pages that taught it.
CHROME_LINES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        # RFE/RL Pangea pages (seeds 000-003) open with these two.
        r"accessibility links",
        # Skip links of every kind: "Skip to Search", "Skip to main navigation".
        r"(?:skip|jump) to [\w ]{1,30}",
        r"breaking news",
        # The video widget inside seed 000's post; other widgets say "loading" or "play video".
        r"please wait|loading\.*|play video|watch video|no media source currently available",
        # Video timers: "0:00 0:04:47 0:00".
        r"(?:\d{1,2}:\d{2}(?::\d{2})?\s*)+",
        # The font-size widget at the end of seed 001.
        r"(?:XS|SM|MD|LG|XL)(?:\s+(?:XS|SM|MD|LG|XL))*",
        # Share bars and article tools on news sites.
        r"share|share this(?: article| story)?|print|email|e-mail|tweet|facebook|twitter|"
        r"whatsapp|telegram|copy link|link has been copied to clipboard|comments?|"
        r"see comments(?: \(\d+\))?|\d+ comments?|show comments|hide comments|"
        r"read more|continue reading|next|previous|back to top|"
        r"advertisement|sponsored|trending|menu|search|close",
        # Tag and topic lines: "Topics: Kazakhstan, Human Rights".
        r"(?:topics?|tags?|filed under|categories|category|keywords)\s*:.{0,200}",
        r"(?:©|\(c\)|copyright)\s.*|all rights reserved\.?",
        r"follow us(?: on .*)?|sign up(?: for .*)?|subscribe(?: now| here)?|"
        r"download (?:the|our) app.*",
    )
)

# A line that ends the article list: whatever follows it is the site's footer. Seeds 000-003
# end with "Load more", then the blog's "About This Blog" and "Journalists In Trouble" boxes.
# Above the first paragraph of prose it ends nothing (a "Load more" of the page's header): a
# chrome line never takes the article with it.
TAIL_MARKERS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (r"load more|show more|more stories|older posts", r"about this blog")
)

# Headings of link lists ("Related", then headline links): the heading and the short lines after
# it are dropped, up to the next paragraph of prose.
LIST_MARKERS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"related|related (?:content|stories|articles|topics|coverage|links)|see also|"
        r"most popular|most read|most viewed|top stories|latest news|latest|"
        r"more (?:from|on|in) [\w/' ]{1,40}|recommended|editor'?s picks|you may also like",
    )
)

# Credit lines, dropped whole: seed 004's "Header image: Schedler/GfbV (2018)"; seed 000's
# "With reporting by Dozhd and TASS" (the agencies, not article text).
CREDIT_LINES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"(?:header |cover |top |main )?(?:picture|photo|image|photograph|foto|credit)s?"
        r"(?: credit)?\s*:.{0,120}",
        r"(?:with )?(?:additional )?reporting by .{0,160}|compiled by .{0,120}|"
        r"based on reporting by .{0,160}|written by .{0,80}|edited by .{0,80}",
    )
)

# An image credit glued to the end of a paragraph (seed 004: "... nationalities. Picture:
# Schedler/GfbV (2018)"). Short, after a sentence stop.
TRAILING_CREDIT = re.compile(
    r"(?<=[.!?\"”])\s+(?:picture|photo|image|foto)s?\s*:\s*[^.!?]{1,80}$", re.IGNORECASE
)

# The words of a promo box set into an article (seed 002's "Subscribe To RFE/RL's Watchdog
# Report", seed 003's "Locked Up In China" series box). A Title Case heading followed by a
# paragraph with these words is a promo, both lines dropped.
PROMO_WORDS = re.compile(
    r"\b(?:subscribe|newsletter|in your in-?box|sign up|podcast|is partnering|series|"
    r"special report|click here|read more|download|follow us|digest)\b",
    re.IGNORECASE,
)

# A widget line; the line just before it (the video's title) belongs to the widget.
WIDGET_LINES = re.compile(r"please wait|no media source currently available", re.IGNORECASE)


def is_chrome_line(text: str) -> bool:
    """Returns True for a line that is chrome wherever it stands."""
    return any(p.fullmatch(text) for p in CHROME_LINES) or is_credit_line(text)


def is_credit_line(text: str) -> bool:
    """Returns True for an image or reporting credit."""
    return any(p.fullmatch(text) for p in CREDIT_LINES)


def is_list_marker(text: str) -> bool:
    """Returns True for the heading of a list of links."""
    return any(p.fullmatch(text) for p in LIST_MARKERS)


def is_tail_marker(text: str) -> bool:
    """Returns True for a line after which only the site's footer follows."""
    return any(p.fullmatch(text) for p in TAIL_MARKERS)


def strip_trailing_credit(text: str) -> str:
    """Returns the paragraph without an image credit glued to its end."""
    return TRAILING_CREDIT.sub("", text)


def _is_promo(heading: str, following: str | None) -> bool:
    """Returns True when a heading and the paragraph after it form a promo box."""
    if PROMO_WORDS.search(heading):
        return True
    return following is not None and is_title_case(heading) and bool(PROMO_WORDS.search(following))


def strip_chrome(lines: Sequence[Line], recurring: Collection[str] = ()) -> list[Line]:
    """Returns the lines that are not chrome, inline credits removed.

    Args:
        lines: the page's lines, in order.
        recurring: lines learned as this site's chrome (recurring.learn_recurring_lines).

    Returns:
        The lines to keep, in order; the page's footer (after a tail marker) is gone.
    """
    kept: list[Line] = []
    skip_next = in_list = False
    for i, line in enumerate(lines):
        text = line.text
        if skip_next:
            skip_next = False
            continue
        if in_list and not is_sentence(text, min_words=8):
            continue  # a headline link under "Related"
        in_list = False
        following = lines[i + 1].text if i + 1 < len(lines) else None
        if is_tail_marker(text):
            if any(is_sentence(k.text) for k in kept):
                break
            continue
        if text in recurring:
            continue
        if is_list_marker(text):
            in_list = True
            continue
        if not is_sentence(text) and len(words(text)) <= 14 and _is_promo(text, following):
            # A promo heading takes its blurb with it when the blurb is short.
            if following is not None and len(words(following)) <= 60:
                skip_next = True
            continue
        if is_chrome_line(text):
            continue
        if following is not None and WIDGET_LINES.fullmatch(following) and len(words(text)) <= 20:
            continue  # the video's title, just before its "please wait"
        cleaned = strip_trailing_credit(text)
        if cleaned != text:
            line = Line(cleaned, line.block)
        kept.append(line)
    return kept
