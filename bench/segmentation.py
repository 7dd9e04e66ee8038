"""Multi-post segmentation and date benchmark: Lantern's extract_corpus on generated pages.

Builds, deterministically from a seed, HTML and text pages holding 1 to 4 real outside
articles (BBC News 2004-2005 and Reuters-21578) in container and chrome shapes that
tests/data does not use, runs `indexer.extract.pipeline.extract_corpus` on them and prints:

- segmentation per shape: an expected post is *cleanly segmented* when exactly one extracted
  article of its page shares at least 90% of the post's body tokens and at least 90% of its
  own body tokens are the post's (tokens: lower-cased `\\w+`, counted as multisets); a page
  has the right count when it yields as many articles as it holds posts (a teaser listing:
  at most one);
- dates per post: Lantern's `published` (of the article holding most of the post) and
  htmldate's `find_date(html, extensive_search=False, original_date=True)` beside it (on the
  whole page for pages of one post, on the post's own markup for multi-post pages; once as
  called, once with min_date 1980, as its default floor of 1995 refuses every Reuters date),
  each right, wrong, missing, or *invented* (a date where the page states none).

    python bench/segmentation.py [--pages N] [--seed S] [--examples N] [--keep DIR]

Data: $LANTERN_SHARED_DATA, else <repo>/../shared/data, read in place. The pages are written
to a temporary folder (or --keep DIR, outside the repository). Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape
from pathlib import Path
from random import Random

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import htmldate  # noqa: E402

from bench.shared import shared_data_dir  # noqa: E402
from catalogue import Article  # noqa: E402
from indexer.extract.dedup import DuplicateFinder  # noqa: E402
from indexer.extract.pipeline import ExtractionReport, extract_corpus  # noqa: E402

TOKEN_RE = re.compile(r"\w+")
# Both ways: the post's tokens found in the article, and the article's tokens from the post.
CLEAN_OVERLAP = 0.9
# The article holding at least this share of a post's word 3-grams is the one whose date is
# read; when none does, the post is lost.
HOLDS_SHARE = 0.5
DEFAULT_SEED = 11  # issue 11
DEFAULT_PAGES = 96  # per shape: 6 pages for each post count (1-4) and date form (4)
EXAMPLES = 2  # failing pages shown per shape
# htmldate refuses dates before 1995 unless told otherwise: every Reuters date is 1987.
HTMLDATE_FLOOR = datetime(1980, 1, 1)

BBC_WORDS = (120, 700)
REUTERS_WORDS = (100, 600)
SECTIONS_MIN_PARAGRAPHS = 6
BBC_DATES = (date(2004, 1, 1), date(2005, 12, 31))  # the collection's span; it states none
TEASER_CHARS = 220
SIDEBAR_YEAR = 2024  # the "Most read" box shows the site's current stories
LISTING_CARDS = (6, 10)

# --- Shapes: what each page looks like, as data --------------------------------------------

# (shape, kind, date forms, what it is). No shape is in tests/data: those are WordPress
# article.post, div.story-card with figcaption, bare section with div.photo, ul > li with
# div.media, and Watchdog text dumps with RFE/RL chrome.
MULTI_FORMS = ("time", "visible", "jsonld", "none")
SINGLE_FORMS = ("meta", "jsonld", "time", "visible", "none")
TEXT_FORMS = ("line-above", "line-below", "none")
SHAPES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("entry_wrap", "html", MULTI_FORMS, "div.entry-wrap posts, each opening with figure"),
    ("bare_article", "html", MULTI_FORMS, "<article> without class, title, byline"),
    ("article_header", "html", MULTI_FORMS, "<article> with <header> (title, date) + <footer>"),
    ("hr_h2", "html", MULTI_FORMS, "no containers: <h2>, date, paragraphs, <hr> between"),
    ("single_sections", "html", SINGLE_FORMS, "one article with <h2> section headings"),
    ("listing", "html", ("cards",), "teaser cards (headline, one sentence, <time>): no posts"),
    ("text_named", "text", TEXT_FORMS, "text dump, posts open with a caption naming someone"),
    ("text_plain", "text", TEXT_FORMS, "text dump, posts open with a caption naming no one"),
)

SITES = ("Harbour Post", "The Evening Ledger", "Northgate Courier", "Daily Lantern Review")
MENU = ("Home", "News", "World", "Business", "Politics", "Sport", "Culture", "Video")
SUBHEADS = (
    "What happened",
    "The background",
    "Reaction",
    "What comes next",
    "The numbers",
    "Why it matters",
)
NAMED_CAPTIONS = (
    "{name} speaks to reporters after the meeting.",
    "{name} (file photo)",
    "{name} (center) arrives for talks on {weekday}.",
    "{name} at a news conference earlier this year.",
    "{name}",
)
PLAIN_CAPTIONS = (
    "Officials discuss the {word} plans at a meeting.",
    "A view of the {word} debate from the public gallery.",
    "People gather outside as the {word} row goes on (file photo)",
    "The {word} figures were published on {weekday}.",
    "Crowds wait outside the building during the {word} talks.",
)
# Words that are capitalised but name no one, for picking a person to caption.
NOT_NAME_WORDS = frozenset(
    "The A An But And This That In On At Chief Executive Prime Minister President Secretary"
    " General Analysts Officials Bank Group Corp Co Inc Company Department Ministry Association"
    " Council Union Party Committee Board Commission Reserve Federal National International"
    " Treasury Street Wall Office Sir Lord Lady Labour Tory Tories Conservative Democrats"
    " Republicans Senate House Court Police Mr Mrs Ms Dr Spokesman Spokeswoman Director"
    " Chairman Analyst Economist Manager Governor Mayor Senator Judge Coach Captain Agency"
    " Japan Europe America British American European United States Kingdom New York London"
    " Washington Tokyo January February March April May June July August September October"
    " November December Monday Tuesday Wednesday Thursday Friday Saturday Sunday News Times Post"
    " Sport Radio Television Press Herald Journal Daily Weekly Online Games Awards".split()
)
FULL_NAME = re.compile(
    r"\b([A-Z][a-z]+ (?:[A-Z]\. )?[A-Z][a-z]+(?:-[A-Z][a-z]+)?)(?=,? (?:said|says|told|added)\b)"
)
STOP_WORDS = frozenset(
    "about after again against also because been before being could during every first from"
    " have having into itself many more most much other over said same says should since some"
    " such than that their them then there these they this those through under until very"
    " were what when where which while whom will with would year years last next million"
    " billion percent people government across among around between further still expected"
    " added company companies shares world".split()
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January February March April May June July August September October November December"
).split()

# --- Sources and pages ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """One outside article: its title, paragraphs and date."""

    key: str
    corpus: str  # "bbc" or "reuters"
    title: str
    paragraphs: tuple[str, ...]
    published: date
    section: str


@dataclass(frozen=True, slots=True)
class Expected:
    """One post a page holds: its body text and the date the page states for it."""

    key: str
    title: str
    body: str
    published: date | None
    markup: str  # the post's own HTML (with its JSON-LD), for htmldate; "" for text pages


@dataclass(frozen=True, slots=True)
class PageCase:
    """One generated page and what it holds."""

    path: str  # relative to the corpus folder
    shape: str
    kind: str  # "html" or "text"
    form: str  # how dates are stated
    corpus: str  # where its articles come from: "bbc" or "reuters"
    content: str
    posts: tuple[Expected, ...]  # empty for a teaser listing


@dataclass(slots=True)
class Pool:
    """Source articles not yet used, in a seeded order; a near-duplicate of one already drawn
    is never drawn (extract_corpus would merge the two copies as one article)."""

    items: dict[str, list[Source]]
    finder: DuplicateFinder = field(default_factory=DuplicateFinder)

    def take(self, corpus: str, accept: Callable[[Source], bool] = lambda _: True) -> Source:
        """Returns the next unused source of `corpus` that `accept`s and repeats no other."""
        items = self.items[corpus]
        index = 0
        while index < len(items):
            source = items[index]
            if not accept(source):
                index += 1
                continue
            del items[index]
            if self.finder.add(source.key, "\n\n".join(source.paragraphs)) is None:
                return source
        raise LookupError(f"no {corpus} article left")


def _words(text: str) -> int:
    return len(text.split())


def load_bbc(root: Path) -> list[Source]:
    """Returns the BBC News articles of a usable length, each with a date in 2004-2005
    (the collection states none: the date is the page's, made up per seed later)."""
    sources = []
    with gzip.open(root / "bbc-news-2225" / "bbc-news.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            paragraphs = tuple(p.strip() for p in record["body"].split("\n\n") if p.strip())
            words = sum(map(_words, paragraphs))
            if len(paragraphs) >= 3 and BBC_WORDS[0] <= words <= BBC_WORDS[1]:
                sources.append(
                    Source(
                        record["id"],
                        "bbc",
                        record["title"].strip(),
                        paragraphs,
                        BBC_DATES[0],
                        record["category"].title(),
                    )
                )
    return sources


def _reuters_title(raw: str) -> str:
    title = re.sub(r"\s*<[^>]*>", "", raw).strip().title()
    return re.sub(r"(\w)'S\b", r"\1's", title)


def load_reuters(root: Path) -> list[Source]:
    """Returns the Reuters-21578 stories of running text (no tables), with their dateline."""
    sources = []
    path = root / "reuters-21578" / "reuters21578.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            body, title, stamp = record["body"], record["title"], record["date"]
            if record["text_type"] != "NORM" or not body or not title or not stamp:
                continue
            if any("   " in row.strip() for row in body.splitlines()):
                continue  # a table
            paragraphs = [" ".join(p.split()) for p in re.split(r"\n {4}", body)]
            paragraphs = [p for p in paragraphs if p]
            words = sum(map(_words, paragraphs))
            if len(paragraphs) < 2 or not REUTERS_WORDS[0] <= words <= REUTERS_WORDS[1]:
                continue
            if record.get("dateline"):
                paragraphs[0] = f"{record['dateline']} - {paragraphs[0]}"
            sources.append(
                Source(
                    record["id"],
                    "reuters",
                    _reuters_title(title),
                    tuple(paragraphs),
                    date.fromisoformat(stamp[:10]),
                    "Markets",
                )
            )
    return sources


def person_of(source: Source) -> str | None:
    """Returns the first person the article quotes ("Firstname Lastname said") whom it names
    again as a person is named ("Mr Lastname", "Lastname said"): organisations are not."""
    text = " ".join(source.paragraphs)
    for match in FULL_NAME.finditer(text):
        name = match[1]
        parts = name.replace(".", "").split()
        if any(part in NOT_NAME_WORDS for part in parts):
            continue
        surname = re.escape(parts[-1])
        titled = re.search(rf"\b(?:Mr|Mrs|Ms|Dr)\.? {surname}\b", text)
        # The full name's own "said" is one of these.
        quoted = re.findall(rf"\b{surname},? (?:said|says|told|added)\b", text)
        if titled or len(quoted) >= 2:
            return name
    return None


def topic_word(source: Source) -> str:
    """Returns the article's most frequent long lower-case word, for a caption naming no one."""
    counts = Counter(
        w for w in re.findall(r"\b[a-z]{5,}\b", " ".join(source.paragraphs)) if w not in STOP_WORDS
    )
    return counts.most_common(1)[0][0] if counts else "latest"


# --- Dates as pages state them ------------------------------------------------------------


def spoken_date(day: date, rng: Random) -> str:
    """Returns a date as a page prints it: "March 11, 2019", "11 March 2019" or with a weekday."""
    month = MONTHS[day.month - 1]
    forms = (
        f"{month} {day.day}, {day.year}",
        f"{day.day} {month} {day.year}",
        f"{WEEKDAYS[day.weekday()]}, {month} {day.day}, {day.year}",
    )
    return rng.choice(forms)


def stamp(day: date, rng: Random) -> str:
    """Returns an ISO timestamp on `day`."""
    return f"{day.isoformat()}T{rng.randint(6, 21):02d}:{rng.choice((0, 15, 30, 45)):02d}:00Z"


def time_element(day: date, rng: Random) -> str:
    """Returns a <time datetime> element showing the date as words."""
    return f'<time datetime="{stamp(day, rng)}">{spoken_date(day, rng)}</time>'


def json_ld(nodes: list[dict[str, str]]) -> str:
    """Returns a JSON-LD script holding the nodes (a @graph when more than one)."""
    data: dict[str, object] = {"@context": "https://schema.org"}
    if len(nodes) == 1:
        data.update(nodes[0])
    else:
        data["@graph"] = nodes
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


# --- HTML pages -------------------------------------------------------------------------


def _paragraphs_html(paragraphs: Sequence[str]) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in paragraphs)


def _caption(source: Source, rng: Random, named: bool) -> str:
    weekday = rng.choice(WEEKDAYS)
    person = person_of(source) if named else None
    if person:
        return rng.choice(NAMED_CAPTIONS).format(name=person, weekday=weekday)
    return rng.choice(PLAIN_CAPTIONS).format(word=topic_word(source), weekday=weekday)


def _sidebar(rng: Random, titles: Sequence[str]) -> str:
    """Returns a "Most read" box of dated links: dates that are not the page's."""
    items = "".join(
        f'<li><a href="/story/{k}">{escape(t)}</a> '
        f"{time_element(date(SIDEBAR_YEAR, rng.randint(1, 12), rng.randint(1, 28)), rng)}</li>"
        for k, t in enumerate(titles)
    )
    return f'<aside class="sidebar"><h3>Most read</h3><ul>{items}</ul></aside>'


def html_page(
    rng: Random,
    *,
    site: str,
    heading: str,
    head: str,
    content: str,
    sidebar_titles: Sequence[str],
) -> str:
    """Returns a page: site header and menu, the content, a sidebar (half the pages), footer."""
    menu = " ".join(f'<a href="/{m.lower()}">{m}</a>' for m in MENU)
    sidebar = _sidebar(rng, sidebar_titles) if rng.random() < 0.5 else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(heading)} | {escape(site)}</title>"
        f'<meta property="og:site_name" content="{escape(site)}">{head}</head>\n<body>'
        f'<header class="site-header"><div class="logo">{escape(site)}</div><nav>{menu}</nav></header>\n'
        f'<div class="layout"><main id="main">{content}</main>{sidebar}</div>\n'
        f"<footer><p>&copy; 2024 {escape(site)}. All rights reserved.</p>"
        '<a href="/about">About us</a> <a href="/contact">Contact</a> '
        '<a href="/privacy">Privacy policy</a></footer>\n</body></html>\n'
    )


def _post_date_html(form: str, day: date, rng: Random, *, byline: str = "") -> str:
    """Returns how a post's date shows in its markup (empty for JSON-LD and no date)."""
    if form == "time":
        return f'<p class="byline">{byline}{time_element(day, rng)}</p>'
    if form == "visible":
        return f'<p class="byline">{byline}{spoken_date(day, rng)}</p>'
    return f'<p class="byline">{byline.rstrip(" ·")}</p>' if byline else ""


def multi_post_markup(shape: str, source: Source, form: str, day: date, rng: Random) -> str:
    """Returns one post's markup in a multi-post shape."""
    title = escape(source.title)
    slug = re.sub(r"\W+", "-", source.title.lower()).strip("-")
    body = _paragraphs_html(source.paragraphs)
    if shape == "entry_wrap":
        caption = escape(_caption(source, rng, named=rng.random() < 0.5))
        return (
            '<div class="entry-wrap"><figure class="entry-media">'
            f'<img src="/img/{slug}.jpg" alt=""><figcaption>{caption}</figcaption></figure>'
            f'<h2 class="entry-heading"><a href="/{slug}">{title}</a></h2>'
            f"{_post_date_html(form, day, rng)}"
            f'<div class="entry-text">{body}</div>'
            '<div class="entry-tools"><a href="#">Share</a> <a href="#">Comments</a></div></div>'
        )
    if shape == "bare_article":
        byline = "By Staff Reporter · "
        return (
            f'<article><h2><a href="/{slug}">{title}</a></h2>'
            f"{_post_date_html(form, day, rng, byline=byline)}{body}</article>"
        )
    if shape == "article_header":
        return (
            f'<article><header><h2><a href="/{slug}">{title}</a></h2>'
            f"{_post_date_html(form, day, rng)}</header>"
            f'<div class="text">{body}</div>'
            '<footer><a href="#">Share</a> <a href="#">Tweet</a></footer></article>'
        )
    if shape == "hr_h2":
        return f"<h2>{title}</h2>{_post_date_html(form, day, rng)}{body}"
    raise ValueError(shape)


def _standalone(markup: str, head: str = "") -> str:
    """Returns one post's markup as a page of its own, for htmldate."""
    return f'<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head><body>{markup}</body></html>'


def _blog_node(source: Source, day: date, rng: Random) -> dict[str, str]:
    return {"@type": "BlogPosting", "headline": source.title, "datePublished": stamp(day, rng)}


def build_multi(
    shape: str, form: str, sources: list[Source], rng: Random, site: str, sidebar: list[str]
) -> tuple[str, list[Expected]]:
    """Returns a multi-post HTML page and its expected posts (newest first)."""
    posts: list[Expected] = []
    parts: list[str] = []
    nodes: list[dict[str, str]] = []
    for source in sources:
        markup = multi_post_markup(shape, source, form, source.published, rng)
        node = _blog_node(source, source.published, rng) if form == "jsonld" else None
        own_head = json_ld([node]) if node else ""
        if node:
            nodes.append(node)
        stated = None if form == "none" else source.published
        body = "\n\n".join(source.paragraphs)
        posts.append(
            Expected(source.key, source.title, body, stated, _standalone(markup, own_head))
        )
        parts.append(markup)
    section = sources[0].section
    heading = f"{section} notebook"
    if shape == "hr_h2":
        content = f'<h1>{escape(heading)}</h1><div class="page-body">{"<hr>".join(parts)}</div>'
    else:
        holder = "entries" if shape == "entry_wrap" else "stream"
        content = f'<h1>{escape(heading)}</h1><div class="{holder}">{"".join(parts)}</div>'
        content += '<div class="more"><a href="?page=2">Load more</a></div>'
    head = '<meta property="og:type" content="website">' + (json_ld(nodes) if nodes else "")
    page = html_page(
        rng, site=site, heading=heading, head=head, content=content, sidebar_titles=sidebar
    )
    return page, posts


def build_single(
    form: str, source: Source, rng: Random, site: str, sidebar: list[str]
) -> tuple[str, list[Expected]]:
    """Returns a single-article page whose body is cut by <h2> section headings."""
    day = source.published
    paragraphs = list(source.paragraphs)
    cuts = sorted(rng.sample(range(2, len(paragraphs) - 1), k=min(3, len(paragraphs) - 3)))
    heads = rng.sample(SUBHEADS, k=len(cuts))
    body_parts: list[str] = []
    for k, paragraph in enumerate(paragraphs):
        if k in cuts:
            body_parts.append(f"<h2>{escape(heads[cuts.index(k)])}</h2>")
        body_parts.append(f"<p>{escape(paragraph)}</p>")
    head = '<meta property="og:type" content="article">'
    if form == "meta":
        head += f'<meta property="article:published_time" content="{stamp(day, rng)}">'
    elif form == "jsonld":
        node = {"@type": "NewsArticle", "headline": source.title, "datePublished": stamp(day, rng)}
        head += json_ld([node])
    byline = "By Staff Reporter"
    if form == "time":
        byline += f" · {time_element(day, rng)}"
    elif form == "visible":
        byline += f" · {spoken_date(day, rng)}"
    caption = escape(_caption(source, rng, named=rng.random() < 0.5))
    related = "".join(f'<li><a href="/r/{k}">{escape(t)}</a></li>' for k, t in enumerate(sidebar))
    content = (
        f'<article class="story"><h1>{escape(source.title)}</h1><p class="byline">{byline}</p>'
        f'<figure class="lead"><img src="/img/lead.jpg" alt=""><figcaption>{caption}</figcaption>'
        f'</figure><div class="article-body">{"".join(body_parts)}</div></article>'
        f'<div class="more-stories"><h3>More stories</h3><ul>{related}</ul></div>'
    )
    page = html_page(
        rng, site=site, heading=source.title, head=head, content=content, sidebar_titles=sidebar
    )
    stated = None if form == "none" else day
    body = "\n\n".join(source.paragraphs)
    return page, [Expected(source.key, source.title, body, stated, page)]


def _teaser(source: Source) -> str:
    first = re.split(r"(?<=[.!?])\s+", source.paragraphs[0])[0]
    return (
        first if len(first) <= TEASER_CHARS else first[: TEASER_CHARS - 1].rsplit(" ", 1)[0] + "…"
    )


def build_listing(sources: list[Source], rng: Random, site: str) -> str:
    """Returns a section front: teaser cards of headline, one sentence and a date."""
    cards = []
    for source in sources:
        slug = re.sub(r"\W+", "-", source.title.lower()).strip("-")
        cards.append(
            f'<div class="card"><a href="/{slug}"><img src="/img/{slug}.jpg" alt=""></a>'
            f'<h3><a href="/{slug}">{escape(source.title)}</a></h3><p>{escape(_teaser(source))}</p>'
            f"{time_element(source.published, rng)}</div>"
        )
    heading = f"{sources[0].section} news"
    content = (
        f'<h1>{escape(heading)}</h1><div class="card-grid">{"".join(cards)}</div>'
        '<div class="pager"><a href="?page=2">Next page</a></div>'
    )
    return html_page(rng, site=site, heading=heading, head="", content=content, sidebar_titles=[])


# --- Text dumps -------------------------------------------------------------------------


def build_text(
    form: str, sources: list[Source], rng: Random, site: str, named: bool
) -> tuple[str, list[Expected]]:
    """Returns a text dump of posts, each opening with a one-line photo caption, between the
    site's menu lines and its footer; dates as a line above or below the caption, or none."""
    lines = [site, *MENU, "Search", "", f"{sources[0].section} Live", ""]
    posts = []
    for source in sources:
        day = spoken_date(source.published, rng)
        if form == "line-above":
            lines += [day, ""]
        lines += [_caption(source, rng, named), ""]
        if form == "line-below":
            lines += [day, ""]
        for paragraph in source.paragraphs:
            lines += [paragraph, ""]
        lines += ["Share", f"{rng.randint(0, 40)} comments", ""]
        stated = None if form == "none" else source.published
        body = "\n\n".join(source.paragraphs)
        posts.append(Expected(source.key, source.title, body, stated, ""))
    lines += ["Load more", "", "About us", "Contact", "Privacy policy"]
    lines += [f"© 2024 {site}. All rights reserved.", ""]
    return "\n".join(lines), posts


# --- Building the benchmark -------------------------------------------------------------


def _dated(sources: list[Source], rng: Random) -> list[Source]:
    """Returns the sources newest first, BBC ones given a date in the collection's span."""
    span = (BBC_DATES[1] - BBC_DATES[0]).days
    dated = []
    for source in sources:
        if source.corpus == "bbc":
            day = BBC_DATES[0] + timedelta(days=rng.randint(0, span))
            source = Source(
                source.key, source.corpus, source.title, source.paragraphs, day, source.section
            )
        dated.append(source)
    return sorted(dated, key=lambda s: s.published, reverse=True)


def build_cases(data: Path, pages: int, seed: int) -> list[PageCase]:
    """Returns `pages` pages per shape, the same for the same seed and data."""
    rng = Random(seed)
    bbc, reuters = load_bbc(data), load_reuters(data)
    rng.shuffle(bbc)
    rng.shuffle(reuters)
    pool = Pool({"bbc": bbc, "reuters": reuters})
    sidebar_titles = [s.title for s in bbc[-40:] + reuters[-40:]]
    cases = []
    for shape, kind, forms, _what in SHAPES:
        for index in range(pages):
            form = forms[index % len(forms)]
            count = 1 + (index // len(forms)) % 4
            corpus = rng.choice(("bbc", "reuters"))
            site = rng.choice(SITES)
            sidebar = rng.sample(sidebar_titles, 3)
            path = f"{shape}/{shape}-{index:03d}.{'txt' if kind == 'text' else 'html'}"
            if shape == "single_sections":
                source = pool.take(corpus, lambda s: len(s.paragraphs) >= SECTIONS_MIN_PARAGRAPHS)
                content, posts = build_single(form, _dated([source], rng)[0], rng, site, sidebar)
            elif shape == "listing":
                # Teasers are first sentences: they may repeat posts of other pages.
                cards = rng.sample(pool.items[corpus], rng.randint(*LISTING_CARDS))
                sources = _dated(cards, rng)
                content, posts = build_listing(sources, rng, site), []
            elif kind == "text":
                named = shape == "text_named"
                accept: Callable[[Source], bool] = (
                    (lambda s: person_of(s) is not None) if named else (lambda _: True)
                )
                sources = _dated([pool.take(corpus, accept) for _ in range(count)], rng)
                content, posts = build_text(form, sources, rng, site, named)
            else:
                sources = _dated([pool.take(corpus) for _ in range(count)], rng)
                content, posts = build_multi(shape, form, sources, rng, site, sidebar)
            cases.append(PageCase(path, shape, kind, form, corpus, content, tuple(posts)))
    return cases


# --- Running and scoring ----------------------------------------------------------------


@dataclass(slots=True)
class PageResult:
    """What Lantern made of one page."""

    case: PageCase
    articles: list[Article]
    status: str  # "ok", "skipped: <reason>" or "crashed: <error>"
    outcomes: list[str]  # per expected post: clean, merged, split, partial, lost (score_post)
    lantern_dates: list[date | str | None]  # per post; "lost" when no article holds it


def tokens(text: str) -> Counter[str]:
    """Returns the multiset of lower-cased \\w+ tokens."""
    return Counter(TOKEN_RE.findall(text.lower()))


def trigrams(text: str) -> Counter[tuple[str, ...]]:
    """Returns the multiset of word 3-grams: unlike single words, two stories rarely share them."""
    words = TOKEN_RE.findall(text.lower())
    return Counter(zip(words, words[1:], words[2:], strict=False))


def _shares(post: Counter[str], article: Counter[str]) -> tuple[float, float]:
    """Returns (share of the post's tokens in the article, share of the article's from post)."""
    common = sum((post & article).values())
    return common / max(1, sum(post.values())), common / max(1, sum(article.values()))


def _held(post: Counter[tuple[str, ...]], article: Counter[tuple[str, ...]]) -> float:
    """Returns the share of the post's 3-grams found in the article."""
    return sum((post & article).values()) / max(1, sum(post.values()))


def score_post(post: Expected, articles: list[Article]) -> tuple[str, Article | None]:
    """Returns the post's segmentation outcome and the article that holds it (if one does).

    clean: exactly one article holds >= 90% of the post's tokens and >= 90% of its own tokens
    are the post's. The other outcomes say what went wrong, by word 3-grams (tokens alone
    overlap between any two stories: "the", "said"): merged: one article holds >= 90% of the
    post's tokens but is mostly other text; split: the articles that are >= 90% this post
    hold >= 90% of its 3-grams together (or two articles are the post); partial: the article
    holding most of its 3-grams holds half or more, but not all; lost: none holds half. The
    holder, whose date is compared, is the article with the most of its 3-grams (half at least).
    """
    wanted, grams = tokens(post.body), trigrams(post.body)
    shares = [_shares(wanted, tokens(a.body)) for a in articles]
    held = [_held(grams, trigrams(a.body)) for a in articles]
    clean = [k for k, (r, p) in enumerate(shares) if r >= CLEAN_OVERLAP and p >= CLEAN_OVERLAP]
    best = max(range(len(articles)), key=lambda k: held[k], default=None)
    holder = articles[best] if best is not None and held[best] >= HOLDS_SHARE else None
    if len(clean) == 1:
        return "clean", articles[clean[0]]
    if len(clean) > 1:
        return "split", holder
    if any(r >= CLEAN_OVERLAP for r, _ in shares):
        return "merged", holder
    own = sum(h for h, (_, p) in zip(held, shares, strict=True) if p >= CLEAN_OVERLAP)
    if own >= CLEAN_OVERLAP:
        return "split", holder
    return ("partial", holder) if holder is not None else ("lost", None)


def run_htmldate(markup: str, floor: datetime | None) -> date | None:
    """Returns htmldate's date for a page or a post's markup: no free-text search, the
    original date; `floor` as its min_date (None: its default, 1995-01-01)."""
    try:
        found = htmldate.find_date(
            markup, extensive_search=False, original_date=True, min_date=floor
        )
    except Exception:  # a third-party failure is a missing date
        return None
    return date.fromisoformat(found) if found else None


def extract_pages(root: Path, cases: list[PageCase]) -> dict[str, tuple[list[Article], str]]:
    """Returns, per page path, its articles and status. One shape's pages are one corpus (the
    recurring-chrome stage learns from them); when that run crashes, each page runs alone."""
    results: dict[str, tuple[list[Article], str]] = {}
    report = ExtractionReport()
    paths = [root / case.path for case in cases]
    try:
        articles = list(extract_corpus(root, report, paths))
    except Exception:  # any crash is counted: run each page alone to find which crash
        for case in cases:
            alone = ExtractionReport()
            try:
                found = list(extract_corpus(root, alone, [root / case.path]))
            except Exception as err:
                results[case.path] = ([], f"crashed: {type(err).__name__}: {err}"[:200])
                continue
            skipped = "; ".join(reason for _, reason in alone.skipped)
            results[case.path] = (found, f"skipped: {skipped}" if skipped else "ok")
        return results
    if report.duplicates:
        print(f"note: {report.duplicates} articles merged as duplicates", file=sys.stderr)
    by_page: dict[str, list[Article]] = {case.path: [] for case in cases}
    for article in articles:
        by_page.setdefault(article.source_file, []).append(article)
    reasons: dict[str, str] = {}
    for path, reason in report.skipped:
        reasons[path] = reason
    for case in cases:
        found = by_page.get(case.path, [])
        why = reasons.get(case.path)
        results[case.path] = (found, f"skipped: {why}" if why else "ok")
    return results


def evaluate(case: PageCase, articles: list[Article], status: str) -> PageResult:
    """Scores one page's articles and dates against what the page holds."""
    outcomes: list[str] = []
    lantern: list[date | str | None] = []
    for post in case.posts:
        outcome, holder = score_post(post, articles)
        outcomes.append(outcome)
        lantern.append(holder.published if holder is not None else "lost")
    if not case.posts:  # a listing: whatever date Lantern gave the page is not the page's
        lantern = [next((a.published for a in articles if a.published), None)]
    return PageResult(case, articles, status, outcomes, lantern)


def add_htmldate(results: list[PageResult], floor: datetime | None) -> list[list[date | None]]:
    """Returns htmldate's dates per page: the page's for one post, each post's own markup's."""
    found: list[list[date | None]] = []
    for result in results:
        case = result.case
        if case.kind != "html":
            found.append([])
        elif len(case.posts) <= 1:
            found.append([run_htmldate(case.content, floor)])
        else:
            found.append([run_htmldate(post.markup, floor) for post in case.posts])
    return found


# --- Tables -----------------------------------------------------------------------------


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "–"


def _table(header: Sequence[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join("---" if k == 0 else "---:" for k in range(len(header))) + " |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()


def segmentation_rows(
    results: list[PageResult], key: Callable[[PageResult], str], *, sort: bool = False
) -> list[list[str]]:
    """Returns one row per group: pages, posts, clean share, right counts, failure kinds."""
    groups: dict[str, list[PageResult]] = {}
    for result in sorted(results, key=lambda r: (r.case.kind, key(r)) if sort else 0):
        groups.setdefault(key(result), []).append(result)
    rows = []
    for name, group in [*groups.items(), ("all", results)]:
        posts = sum(len(r.case.posts) for r in group)
        kinds = Counter(o for r in group for o in r.outcomes)
        right = sum(1 for r in group if _right_count(r))
        whole = sum(1 for r in group if _right_count(r) and all(o == "clean" for o in r.outcomes))
        crashed = sum(1 for r in group if r.status.startswith("crashed"))
        skipped = sum(1 for r in group if r.status.startswith("skipped"))
        rows.append(
            [
                f"**{name}**" if name == "all" else name,
                str(len(group)),
                str(posts),
                f"{kinds['clean']} ({_share(kinds['clean'], posts)})",
                f"{right} ({_share(right, len(group))})",
                f"{whole} ({_share(whole, len(group))})",
                str(kinds["merged"]),
                str(kinds["split"]),
                str(kinds["partial"]),
                str(kinds["lost"]),
                f"{sum(len(r.articles) for r in group)}",
                f"{skipped}/{crashed}",
            ]
        )
    return rows


def _collection_group(result: PageResult) -> str:
    case = result.case
    return f"{case.kind} {case.corpus} {'multi-post' if len(case.posts) > 1 else 'one post or listing'}"


def _posts_group(result: PageResult) -> str:
    count = len(result.case.posts)
    return "listing (no posts)" if not count else f"{count} post{'s' if count > 1 else ''}"


def _right_count(result: PageResult) -> bool:
    if not result.case.posts:
        return len(result.articles) <= 1
    return len(result.articles) == len(result.case.posts)


SEGMENTATION_HEADER = (
    "group",
    "pages",
    "posts",
    "clean posts",
    "right count",
    "pages all clean",
    "merged",
    "split or repeated",
    "partial",
    "lost",
    "articles out",
    "skipped/crashed",
)


def date_counts(truths: list[date | None], found: Sequence[date | str | None]) -> Counter[str]:
    """Returns, for posts the page dates, right / wrong / missing / lost (no article holds the
    post); for posts it does not date, none / invented / lost-undated."""
    counts: Counter[str] = Counter()
    for truth, given in zip(truths, found, strict=True):
        if given == "lost":
            counts["lost" if truth is not None else "lost-undated"] += 1
        elif truth is None:
            counts["invented" if given is not None else "none"] += 1
        elif given is None:
            counts["missing"] += 1
        else:
            counts["right" if given == truth else "wrong"] += 1
    return counts


def _truths(result: PageResult) -> list[date | None]:
    return [p.published for p in result.case.posts] or [None]


def date_rows(
    results: list[PageResult],
    htmldates: dict[str, list[list[date | None]]],
    key: Callable[[PageResult], str],
) -> list[list[str]]:
    """Returns one row per group and tool: stated dates right/wrong/missing, unstated invented."""
    groups: dict[str, list[int]] = {}
    for k, result in enumerate(results):
        groups.setdefault(key(result), []).append(k)
    rows = []
    for name, members in [*groups.items(), ("all", list(range(len(results))))]:
        tools: list[tuple[str, Counter[str]]] = [("Lantern", Counter())]
        tools += [(label, Counter()) for label in htmldates]
        for k in members:
            result = results[k]
            tools[0][1].update(date_counts(_truths(result), result.lantern_dates))
            for label, counts in tools[1:]:
                if htmldates[label][k]:
                    counts.update(date_counts(_truths(result), htmldates[label][k]))
        for label, c in tools:
            row = _date_row(name, label, c, lost=label == "Lantern")
            if row:
                rows.append(row)
    return rows


def _date_row(name: str, label: str, c: Counter[str], *, lost: bool | None) -> list[str]:
    """Returns one row of date counts (none when the group has no post); `lost` adds the
    column of posts lost to segmentation (None: a table without that column)."""
    stated = c["right"] + c["wrong"] + c["missing"] + c["lost"]
    unstated = c["none"] + c["invented"] + c["lost-undated"]
    if not stated + unstated:
        return []
    lost_cells = [] if lost is None else [f"{c['lost']}/{c['lost-undated']}" if lost else "–"]
    return [
        f"**{name}**" if name == "all" else name,
        label,
        str(stated),
        f"{c['right']} ({_share(c['right'], stated)})",
        str(c["wrong"]),
        str(c["missing"]),
        *lost_cells,
        str(unstated),
        f"{c['invented']} ({_share(c['invented'], unstated)})",
    ]


DATE_HEADER = (
    "group",
    "tool",
    "dated posts",
    "right",
    "wrong",
    "missing",
    "post lost (dated/undated)",
    "undated posts",
    "invented",
)


def clean_date_rows(
    results: list[PageResult], htmldates: list[list[date | None]]
) -> list[list[str]]:
    """Returns Lantern's and htmldate's date counts on the posts Lantern segmented cleanly,
    per date form: what Lantern's date reading gets when its segmentation is right."""
    groups: dict[str, tuple[Counter[str], Counter[str]]] = {}
    for result, other in zip(results, htmldates, strict=True):
        truths = [p.published for p in result.case.posts]
        kept = [k for k, outcome in enumerate(result.outcomes) if outcome == "clean"]
        ours, theirs = groups.setdefault(
            f"{result.case.kind} {result.case.form}", (Counter(), Counter())
        )
        ours.update(date_counts([truths[k] for k in kept], [result.lantern_dates[k] for k in kept]))
        if other:
            theirs.update(date_counts([truths[k] for k in kept], [other[k] for k in kept]))
    total: tuple[Counter[str], Counter[str]] = (Counter(), Counter())
    for ours, theirs in groups.values():
        total[0].update(ours)
        total[1].update(theirs)
    rows = []
    for name, pair in [*groups.items(), ("all", total)]:
        for label, c in zip(("Lantern", "htmldate, min_date 1980"), pair, strict=True):
            # Only cleanly segmented posts are counted here: none is lost.
            row = _date_row(name, label, c, lost=None)
            if row:
                rows.append(row)
    return rows


def _brief(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show_failures(results: list[PageResult], per_shape: int) -> None:
    """Prints, per shape, a few pages (of different date forms) whose articles are not the
    posts: the expected posts with their outcomes, then what Lantern produced."""
    print("## Failures (expected posts vs Lantern's articles)\n")
    for shape, *_ in SHAPES:
        forms_shown: list[str] = []
        for result in results:
            case = result.case
            if case.shape != shape or len(forms_shown) >= per_shape or case.form in forms_shown:
                continue
            if _right_count(result) and all(o == "clean" for o in result.outcomes):
                continue
            forms_shown.append(case.form)
            print(f"{case.path} ({case.form}, {len(case.posts)} posts, {result.status}):")
            for post, outcome in zip(case.posts, result.outcomes, strict=True):
                words = len(TOKEN_RE.findall(post.body))
                print(f"  expected [{outcome}] {words:4d} words {_brief(post.title, 50)!r}")
            for article in result.articles:
                words = len(TOKEN_RE.findall(article.body))
                print(
                    f"  got      {words:4d} words {_brief(article.title, 50)!r}, "
                    f"published {article.published}, caption {_brief(article.caption or '', 30)!r}"
                )
        if forms_shown:
            print()


ORIGINS = ("another post's date", "the 'Most read' sidebar", "a teaser card's date", "?")


def _date_origin(result: PageResult, given: date) -> str:
    """Returns where on the page a date Lantern gave came from, when we can tell."""
    others = [p.published for p in result.case.posts]
    if given in others:
        return ORIGINS[0]
    if not result.case.posts:
        return ORIGINS[2]
    if f'datetime="{given.isoformat()}' in result.case.content and given.year == SIDEBAR_YEAR:
        return ORIGINS[1]
    return ORIGINS[3]


# A post's date can be wrong by being another post's; an undated post's cannot.
ORIGIN_COLUMNS = (
    *(f"wrong: {origin}" for origin in (ORIGINS[0], ORIGINS[1], ORIGINS[3])),
    *(f"invented: {origin}" for origin in ORIGINS[1:]),
)


def origin_rows(results: list[PageResult]) -> list[list[str]]:
    """Returns, per date form, where Lantern's wrong and invented dates came from."""
    groups: dict[str, Counter[str]] = {}
    for result in results:
        counts = groups.setdefault(f"{result.case.kind} {result.case.form}", Counter())
        for truth, given in zip(_truths(result), result.lantern_dates, strict=True):
            if isinstance(given, date) and given != truth:
                kind = "invented" if truth is None else "wrong"
                counts[f"{kind}: {_date_origin(result, given)}"] += 1
    rows = []
    for name, c in groups.items():
        if sum(c.values()):
            rows.append([name, *(str(c[column]) for column in ORIGIN_COLUMNS)])
    return rows


def show_date_errors(results: list[PageResult], per_shape: int) -> None:
    """Prints, per shape, a few wrong and invented Lantern dates and where they came from."""
    print("## Lantern date errors (wrong or invented)\n")
    for shape, *_ in SHAPES:
        shown = 0
        for result in results:
            if result.case.shape != shape:
                continue
            for truth, given in zip(_truths(result), result.lantern_dates, strict=True):
                if not isinstance(given, date) or given == truth or shown >= per_shape:
                    continue
                shown += 1
                kind = "invented" if truth is None else "wrong"
                print(
                    f"  {result.case.path} ({result.case.form}, {len(result.case.posts)} posts):"
                    f" {kind} {given} ({_date_origin(result, given)}), truth {truth}"
                )
    print()


def main(argv: list[str] | None = None) -> None:
    """Builds the pages, runs Lantern and htmldate, prints the tables."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, default=DEFAULT_PAGES, help="pages per shape")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--examples", type=int, default=EXAMPLES, help="failing pages per shape")
    parser.add_argument("--keep", type=Path, help="write the pages here (outside the repo)")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # skipped pages are counted from the report
    if args.keep and args.keep.resolve().is_relative_to(REPO):
        parser.error("--keep must be outside the repository (the data is for research use)")

    start = time.perf_counter()
    cases = build_cases(shared_data_dir(), args.pages, args.seed)
    built = time.perf_counter() - start
    with tempfile.TemporaryDirectory(prefix="lantern-segmentation-") as scratch:
        root = args.keep.resolve() if args.keep else Path(scratch)
        for case in cases:
            target = root / case.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(case.content, encoding="utf-8")
        start = time.perf_counter()
        extracted: dict[str, tuple[list[Article], str]] = {}
        for shape, *_ in SHAPES:
            extracted.update(extract_pages(root, [c for c in cases if c.shape == shape]))
        lantern_seconds = time.perf_counter() - start
    results = [evaluate(case, *extracted[case.path]) for case in cases]
    start = time.perf_counter()
    htmldates = {
        "htmldate": add_htmldate(results, None),
        "htmldate, min_date 1980": add_htmldate(results, HTMLDATE_FLOOR),
    }
    htmldate_seconds = (time.perf_counter() - start) / 2

    posts = sum(len(c.posts) for c in cases)
    print(
        f"seed {args.seed}: {len(cases)} pages ({args.pages} per shape), {posts} posts; "
        f"built in {built:.1f} s, Lantern {lantern_seconds:.1f} s, "
        f"htmldate {htmldate_seconds:.2f} s a setting\n"
    )
    print("## Segmentation by shape\n")
    _table(SEGMENTATION_HEADER, segmentation_rows(results, lambda r: r.case.shape))
    print("## Segmentation by shape and date form (clean posts / posts)\n")
    cells: dict[tuple[str, str], list[int]] = {}
    for result in results:
        cell = cells.setdefault((result.case.shape, result.case.form), [0, 0])
        cell[0] += sum(1 for o in result.outcomes if o == "clean")
        cell[1] += len(result.case.posts)
    forms = list(dict.fromkeys(form for _, _, fs, _ in SHAPES for form in fs))
    rows = [
        [
            shape,
            *(
                f"{cells[(shape, f)][0]}/{cells[(shape, f)][1]}" if (shape, f) in cells else ""
                for f in forms
            ),
        ]
        for shape, *_ in SHAPES
    ]
    _table(("shape", *forms), rows)
    print("## Segmentation by collection and posts on the page\n")
    _table(SEGMENTATION_HEADER, segmentation_rows(results, _collection_group, sort=True))
    print("## Segmentation by posts on the page\n")
    _table(SEGMENTATION_HEADER, segmentation_rows(results, _posts_group, sort=True))
    print("## Dates by date form\n")
    _table(DATE_HEADER, date_rows(results, htmldates, lambda r: f"{r.case.kind} {r.case.form}"))
    print("## Dates of the posts Lantern segmented cleanly, by date form\n")
    header = ("group", "tool", "dated", "right", "wrong", "missing", "undated", "invented")
    _table(header, clean_date_rows(results, htmldates["htmldate, min_date 1980"]))
    print("## Dates by shape\n")
    _table(DATE_HEADER, date_rows(results, htmldates, lambda r: r.case.shape))
    print("## Where Lantern's wrong and invented dates came from\n")
    _table(("date form", *ORIGIN_COLUMNS), origin_rows(results))
    crashes = [r for r in results if r.status.startswith("crashed")]
    for result in crashes:
        print(f"crashed: {result.case.path}: {result.status}")
    show_failures(results, args.examples)
    show_date_errors(results, args.examples)


if __name__ == "__main__":
    main()
