"""HTML pages -> HtmlDocument: page metadata and one HtmlPost per article or blog post.

Stages (the bytes are decoded by `decoding.decode`): parse with beautifulsoup4 on lxml; read the metadata
(`html_meta`); strip the site chrome (selectors below); find the post containers of a
multi-post page; take each post's paragraphs. A single article's text comes from trafilatura,
run on the page after our chrome pass; multi-post pages, captions and metadata are ours.
"""

from __future__ import annotations

import datetime
import itertools
import logging
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import htmldate
import trafilatura
from bs4 import (
    BeautifulSoup,
    Comment,
    MarkupResemblesLocatorWarning,
    NavigableString,
    Tag,
    XMLParsedAsHTMLWarning,
)
from lxml import etree

from indexer.extract.dates import parse_date
from indexer.extract.html_meta import (
    PageMeta,
    clean_text,
    element_date,
    extract_meta,
    resolve_url,
)
from indexer.extract.splitter import topic_overlap

logger = logging.getLogger(__name__)

# --- Chrome: selectors as data ---------------------------------------------------------------

# Elements whose content is never text to read.
DROP_TAGS = (
    "script",
    "style",
    "template",
    "svg",
    "canvas",
    "iframe",
    "object",
    "embed",
    "link",
    "meta",
)
# Page furniture by element. Each is dropped only when it does not hold the story itself
# (see PROTECT_SHARE): some ASP.NET news sites wrap the whole page in one <form>.
# lxml does not close a <button> the way browsers do: on investopedia.com the whole article
# ends up inside the header's menu button, so controls are judged by the same guard.
STRUCTURAL_TAGS = (
    "noscript",  # mostly tracking pixels, but parcoabruzzo.it serves its whole page in one
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "menu",
    "button",
    "select",
    "textarea",
    "input",
    "label",
    "dialog",
)

# Chrome by exact attribute value: (attribute, values, what motivated it). One pass over the
# tree matches them all; CSS selectors through soupsieve cost more than the rest of the parse.
CHROME_ATTRIBUTES: tuple[tuple[str, frozenset[str], str], ...] = (
    (
        "role",
        frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "dialog"}),
        "ARIA landmarks: menus and footers in <div>s that carry no <nav>/<footer> tag",
    ),
    ("aria-hidden", frozenset({"true"}), "icon labels and duplicated teaser text"),
    (
        "class",
        frozenset({"sr-only", "visually-hidden", "screen-reader-text"}),
        "Pangea's 'Accessibility links / Skip to main content' (polygraph.info)",
    ),
    (
        "class",
        frozenset({"c-hlights", "print-dialogue", "c-lightbox", "media-block-wrap"}),
        "Pangea: breaking-news ticker, print options, photo viewer, 'most popular' (polygraph)",
    ),
    (
        "class",
        frozenset({"sharedaddy", "jp-relatedposts", "addtoany_share_save_container"}),
        "WordPress/Jetpack share and related-post boxes",
    ),
    (
        "class",
        frozenset({"comments-area", "comment-respond", "commentlist", "nav-links"}),
        "WordPress comment threads and post pagers",
    ),
    (
        "class",
        frozenset({"widget-area", "wp-block-latest-posts", "yarpp-related", "OUTBRAIN"}),
        "WordPress widget columns, latest-post blocks, outbrain",
    ),
    ("class", frozenset({"cc-window", "cookie-notice"}), "cookie banners (Osano, WordPress)"),
    (
        "id",
        frozenset({"onetrust-consent-sdk", "CybotCookiebotDialog", "cookie-law-info-bar"}),
        "cookie banners (OneTrust, Cookiebot, GDPR Cookie Consent)",
    ),
    ("id", frozenset({"comments", "respond"}), "WordPress comment threads"),
)
# Photo captions: kept as the post's caption when they open it, never in its paragraphs.
CAPTION_TAGS = frozenset({"figcaption"})
CAPTION_CLASSES = frozenset({"caption", "wp-caption-text", "image-caption"})
# Hidden elements go whatever their size, unless they hold the article's own paragraphs:
# businessinsider.de repeats the whole story in a display:none schema.org block.
HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

# Class and id words for chrome, matched against each dash/underscore-delimited part of a
# class or id ("article-share-bar" -> "share"). Each line names what taught it.
CHROME_WORDS: tuple[tuple[str, str], ...] = (
    (
        "share|sharing|sharebar|social|socials|addthis|sharethis",
        "share bars (Pangea's div.share on polygraph.info)",
    ),
    ("related|recommended|recommendations|trending|popular|outbrain|taboola", "related links"),
    ("newsletter|subscribe|subscription|signup|optin", "newsletter boxes (2026 benchmark pages)"),
    ("cookie|cookies|consent|gdpr|cmp", "cookie banners (2026 benchmark pages)"),
    # Not "comment" alone: sports.fr live-match posts are `div.live-match-comment`.
    ("comments|commentlist|disqus", "reader comments (comments are off in Lantern)"),
    ("breadcrumb|breadcrumbs|pagination|pager|skip|skiplink", "navigation aids"),
    # Not "ads": chip.de's verdict section is `TestReport__Section--Ads`.
    ("advert|advertisement|ad|adslot|sponsor|sponsored|promo|dfp", "ad slots"),
    ("sidebar|modal|popup|overlay|toolbar|banner", "sidebars and overlays"),
)
CHROME_WORD_RE = re.compile(
    r"(?:^|[-_])(?:" + "|".join(words for words, _ in CHROME_WORDS) + r")(?:$|[-_])", re.I
)
# Elements judged by their class words: blocks, not inline markup (highlight.js marks code
# comments `span.hljs-comment`) nor the page roots and the story's own containers.
WORD_JUDGED_TAGS = (
    "div",
    "section",
    "ul",
    "ol",
    "li",
    "dl",
    "table",
    "figure",
)
# An element holding this share of the page's prose is the story, whatever its tag or class
# says: Blogger themes put the post in `div.widget.Blog`, ASP.NET sites the page in a <form>.
# So is the element with the most text in its own <p> children, and its ancestors
# (modernfarmer.com's article body is `div.sidebar-content`).
PROTECT_SHARE = 0.3
# Prose is text outside links in runs of at least this many characters: menus and link
# lists weigh nothing, sentences do.
PROSE_MIN_CHARS = 30

# Paragraphs that are chrome in any post: short calls to action that survive tag rules.
BOILERPLATE_RE = re.compile(
    r"^(?:advertisement|advertising|sponsored|share( this( article| story| post)?)?"
    r"|(?:sign up|subscribe)\b.{0,80}|read more\b.{0,60}|related( articles?| stories)?:?"
    r"|follow us( on)?\b.{0,40}|click here\b.{0,60}|skip to (main )?content"
    r"|(?:image|photo)( credit)?:.{0,80}|accessibility links"
    r"|\d*\s*comments?|leave a (?:comment|reply)|print|email)$",
    re.I,
)

# --- Posts: selectors as data ----------------------------------------------------------------

# Class words of a post container on a multi-post page (matched like CHROME_WORDS).
POST_WORDS: tuple[tuple[str, str], ...] = (
    ("post|hentry|entry|blogpost|blog-post", "WordPress and Blogger index pages"),
    (
        "liveblog|live-blog|lb|update|timeline",
        "live-blog posts (common class names; not yet seen on a Pangea page)",
    ),
)
POST_WORD_RE = re.compile(
    r"^(?:(?:[a-z]+[-_])?(?:"
    + "|".join(w for w, _ in POST_WORDS)
    + r")(?:[-_](?:item|post|entry))?)$",
    re.I,
)
# A container is a post when it holds this much paragraph text: a teaser card holds less
# (the bbc.com, npr.org and apnews.com listing pages of the 2026 benchmark stay one post).
MIN_POST_CHARS = 250
# One container holding this share of the candidates' text is the article and the others are
# teasers around it (brighterly.com's related-post cards, each with a full intro).
DOMINANT_POST_SHARE = 0.7
# The posts of a multi-post page hold most of its text; two teaser cards in a sidebar do not
# make a blog (brighterly.com: the article is a bare <div>, the cards are <article>s).
POSTS_MIN_SHARE = 0.6
# When trafilatura's text of the cleaned page has fewer words than this share of the main
# <p> container's, it is asked again with the page as fetched.
RETRY_SHARE = 0.5
# Posts carry their own dates: at least this share of the containers must, or they are
# sections of one article (expertsinyourhome.com wraps each section in <article>;
# timeout.com's list items are undated <article> tiles).
MIN_DATED_SHARE = 0.5
# A caption counts as the post's when it comes before the first paragraph this long.
CAPTION_BEFORE = 40
# Below this many words a page has nothing worth indexing: a truncated fragment or junk.
MIN_PAGE_WORDS = 5
WORD_RE = re.compile(r"\w+")
# <body> classes of a single-article page: WordPress themes print "single single-post postid-N"
# (theeventscalendar.com: an article followed by full "loop-entry" <article> teasers).
SINGLE_PAGE_CLASS_RE = re.compile(r"^(?:single|single-post|postid-\d+)$")
# Headings a post's title can be; a post title comes before its text.
HEADINGS = ("h1", "h2", "h3", "h4")
# Where a single article's body sits, best first, as (attribute, value); "" is the tag name.
# Pangea CMS (rferl.org, polygraph.info) keeps the story in div.wsw.
BODY_CONTAINERS: tuple[tuple[str, str], ...] = (
    ("itemprop", "articleBody"),
    ("", "article"),
    ("", "main"),
    ("role", "main"),
    ("class", "wsw"),
    ("class", "entry-content"),
    ("class", "post-content"),
    ("id", "content"),
)
# Containers in trafilatura's output tree whose children are paragraphs of their own.
NESTED_OUTPUT_TAGS = frozenset({"list", "table", "quote", "div", "item", "cell"})
BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
# Text-layout characters that are not content: zero-width joiners, soft hyphens, BOMs.
INVISIBLE_RE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Control characters and U+FFFD (what undecodable bytes became): the marks of binary junk.
JUNK_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
BULLET_RE = re.compile(r"^[-\u2022*]\s+")
TAG_RE = re.compile(r"<[A-Za-z!/?]")
# Decoded binary junk is full of control characters and U+FFFD; real pages have almost none.
BINARY_SHARE = 0.01
BINARY_SAMPLE = 65536


@dataclass(frozen=True, slots=True)
class HtmlPost:
    """One article or blog post found on a page."""

    title: str | None
    paragraphs: tuple[str, ...]  # body text paragraphs, chrome removed, whitespace normalised
    caption: str | None = None  # photo caption opening the post, not in paragraphs
    published: datetime.date | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class HtmlDocument:
    """What a page says about itself, and its posts."""

    title: str | None  # <h1>, og:title, JSON-LD headline (page headline)
    published: datetime.date | None  # article:published_time, <time datetime>, JSON-LD
    source: str | None  # publisher: og:site_name, JSON-LD publisher.name
    section: str | None  # article:section, JSON-LD articleSection
    url: str | None  # <link rel=canonical>, og:url
    language: str | None
    posts: tuple[HtmlPost, ...]  # one for an article page; several for a multi-post page


EMPTY = HtmlDocument(None, None, None, None, None, None, ())


def parse_html(html: str, *, url: str | None = None) -> HtmlDocument:
    """Returns a page's metadata and posts; garbage in gives a document with no posts.

    Args:
        html: the decoded page (see `indexer.extract.decoding`).
        url: where the page was fetched from; resolves relative links, fills `url` when
            the page names no canonical address.

    Returns:
        The HtmlDocument. Nothing here raises on bad input: unparseable markup, pages with
        no text and binary junk give a document with no posts.
    """
    if not isinstance(html, str) or not TAG_RE.search(html) or _is_binary(html):
        return EMPTY
    html = CONTROL_RE.sub("", html)
    try:
        with warnings.catch_warnings():
            # XHTML pages open with <?xml ...?>; bs4 warns, and lxml's HTML parser reads them.
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            soup = BeautifulSoup(html, "lxml")
    except (ValueError, TypeError, AssertionError, RecursionError, etree.LxmlError) as err:
        logger.warning("unparseable HTML: %s", err)
        return EMPTY
    meta = extract_meta(soup, url=url)
    if meta.published is None:
        # A sidebar's "Most read" dates are not the article's: htmldate reads the page without
        # its asides, navigation and footer (bench/segmentation.py: 84 of 259 undated posts
        # were given a sidebar's date). Headers stay: an article's <time> may stand in one.
        for element in soup.find_all(["aside", "nav", "footer"]):
            element.decompose()
        meta = replace(meta, published=_stated_date(str(soup), url))
    _strip_chrome(soup)
    chars = _paragraph_map(soup.body or soup)
    posts = _multi_posts(soup, meta, url, chars) or _single_post(soup, meta, html, url, chars)
    return HtmlDocument(
        title=meta.title,
        published=meta.published,
        source=meta.source,
        section=meta.section,
        url=meta.url,
        language=meta.language,
        posts=posts,
    )


def _stated_date(html: str, url: str | None) -> datetime.date | None:
    """Returns the date htmldate finds in the page's markup or URL, without guessing from text.

    Only when our metadata found none: htmldate knows many more CMS date markups (German
    and Finnish news sites in trafilatura's evaluation set). Its extensive search, which
    reads free text, stays off: a date picked from a sidebar would be an invented one.
    """
    try:
        found = htmldate.find_date(
            html, url=url, original_date=True, extensive_search=False, outputformat="%Y-%m-%d"
        )
    except Exception as err:  # third-party boundary: a failure is a missing date
        logger.debug("htmldate failed: %r", err)
        return None
    return parse_date(found)


def _is_binary(text: str) -> bool:
    """Returns True when the start of text is mostly not text: decoded images, archives."""
    sample = text[:BINARY_SAMPLE]
    return len(JUNK_RE.findall(sample)) > BINARY_SHARE * len(sample)


# --- Chrome removal --------------------------------------------------------------------------


def _prose_weights(root: Tag) -> dict[int, int]:
    """Returns id(element) -> characters of prose (non-link text runs) under that element."""
    weights: dict[int, int] = {}
    for node in root.descendants:
        if type(node) is not NavigableString:  # comments, CDATA and tags carry no prose
            continue
        size = len(node.strip())
        if size < PROSE_MIN_CHARS:
            continue
        chain = []
        parent = node.parent
        while parent is not None and parent.name != "a":
            chain.append(id(parent))
            parent = parent.parent
        if parent is not None:
            continue  # link text: menus, teasers
        for key in chain:
            weights[key] = weights.get(key, 0) + size
    return weights


def _body_holder(root: Tag) -> Tag | None:
    """Returns the element whose own <p> children hold the most text: the article body."""
    direct: dict[int, int] = {}
    parents: dict[int, Tag] = {}
    for paragraph in root.find_all("p"):
        parent = paragraph.parent
        if parent is not None:
            direct[id(parent)] = direct.get(id(parent), 0) + len(paragraph.get_text())
            parents[id(parent)] = parent
    if not direct:
        return None
    return parents[max(direct, key=lambda key: direct[key])]


def _classes(element: Tag) -> list[str]:
    """Returns element's class names (bs4 gives a list, a string or nothing)."""
    value = element.get("class")
    if isinstance(value, list):
        return [str(name) for name in value]
    return value.split() if isinstance(value, str) else []


def _has_chrome_name(element: Tag) -> bool:
    """Returns True when one of element's classes or its id is a chrome word."""
    attrs = element.attrs
    if not attrs:
        return False
    names = _classes(element)
    element_id = attrs.get("id")
    if isinstance(element_id, str):
        names.append(element_id)
    return any(CHROME_WORD_RE.search(name) for name in names)


def _is_hidden(element: Tag) -> bool:
    """Returns True when the page hides element from readers (hidden, display:none)."""
    attrs = element.attrs
    if not attrs:
        return False
    return "hidden" in attrs or bool(HIDDEN_STYLE_RE.search(str(attrs.get("style") or "")))


def _is_chrome(element: Tag) -> bool:
    """Returns True when element's tag, attributes or class words mark it as page chrome."""
    name = element.name
    if name in STRUCTURAL_TAGS or name in CAPTION_TAGS:
        return True
    attrs = element.attrs
    if not attrs:
        return False
    for attribute, values, _motive in CHROME_ATTRIBUTES:
        value = attrs.get(attribute)
        if value is None:
            continue
        if isinstance(value, list):
            if not values.isdisjoint(value):
                return True
        elif value in values:
            return True
    classes = attrs.get("class")
    if classes and not CAPTION_CLASSES.isdisjoint(classes):
        return True
    return name in WORD_JUDGED_TAGS and _has_chrome_name(element)


def _strip_chrome(soup: BeautifulSoup) -> None:
    """Removes scripts, page furniture, banners, share bars, related lists and captions."""
    body = soup.body or soup
    for element in soup.head.find_all(DROP_TAGS) if soup.head is not None else ():
        element.decompose()
    weights = _prose_weights(body)  # counts plain text only: never scripts, styles, comments
    limit = max(1.0, PROTECT_SHARE * weights.get(id(body), 0))
    holder = _body_holder(body)
    protected = {id(holder), *map(id, holder.parents)} if holder is not None else set()
    # When several <article>s have a <header>, each holds its post's headline and date:
    # a post's, not the site's (bench/segmentation.py's article_header pages lost 135 posts).
    post_headers = [h for h in body.find_all("header") if h.find_parent("article")]
    if len({id(h.find_parent("article")) for h in post_headers}) >= 2:
        protected.update(map(id, post_headers))
    # Pre-order walk with an explicit stack that never enters a dropped subtree.
    stack = [body]
    while stack:
        parent = stack.pop()
        for child in list(parent.children):
            if not isinstance(child, Tag):
                if isinstance(child, Comment):
                    child.extract()
                continue
            if child.name in DROP_TAGS:
                child.decompose()
            elif id(child) not in protected and (
                _is_hidden(child) or (weights.get(id(child), 0) < limit and _is_chrome(child))
            ):
                _keep_caption(child)
                child.decompose()
            else:
                stack.append(child)


def _keep_caption(element: Tag) -> None:
    """Marks the post's leading caption before captions are dropped from the body."""
    if element.name in CAPTION_TAGS or not CAPTION_CLASSES.isdisjoint(_classes(element)):
        # A caption names a photo only beside one: chip.de puts its affiliate notice in the
        # <figcaption> of an image-less <figure>.
        wrapper = element.find_parent(["figure", "div", "span"])
        if wrapper is None or wrapper.find(["img", "picture", "video"]) is None:
            return
        text = clean_text(element.get_text(" "))
        if text:
            marker = Tag(name="span", attrs={"data-lantern-caption": text})
            element.insert_before(marker)


# --- Multi-post pages ------------------------------------------------------------------------


def _paragraph_map(root: Tag) -> dict[int, int]:
    """Returns id(element) -> characters of <p> text under it, for every element under root."""
    chars: dict[int, int] = {}
    for paragraph in root.find_all("p"):
        size = len(paragraph.get_text())
        node: Tag | None = paragraph
        while node is not None:
            chars[id(node)] = chars.get(id(node), 0) + size
            node = node.parent
    return chars


def _is_post_container(element: Tag) -> bool:
    """Returns True for an <article> or an element with a post class word."""
    if element.name == "article":
        return True
    classes: list[str] = _classes(element)
    return any(POST_WORD_RE.match(name) for name in classes)


def _candidates(body: Tag, chars: dict[int, int]) -> list[Tag]:
    """Returns the post containers that hold enough text to be posts, in page order."""
    found = [
        element
        for element in body.find_all(True)
        if chars.get(id(element), 0) >= MIN_POST_CHARS and _is_post_container(element)
    ]
    chosen = set(map(id, found))
    result = []
    for element in found:
        inner = [d for d in element.find_all(True) if id(d) in chosen]
        if len(inner) >= 2:
            continue  # a wrapper around the posts (a live blog's own <article>)
        if any(id(parent) in chosen for parent in element.parents):
            outer = next(p for p in element.parents if id(p) in chosen)
            if sum(1 for d in outer.find_all(True) if id(d) in chosen) < 2:
                continue  # the body part of a single post; its outer container is the post
        result.append(element)
    return result


def _sibling_groups(body: Tag, chars: dict[int, int], least: int) -> Iterator[list[Tag]]:
    """Yields the runs of at least `least` siblings of one shape (tag and classes), each holding
    a post's worth of paragraphs, under every element that could hold that many."""
    for parent in body.find_all(True):
        if chars.get(id(parent), 0) < least * MIN_POST_CHARS:
            continue
        groups: dict[tuple[str, str], list[Tag]] = {}
        for child in parent.children:
            if isinstance(child, Tag) and chars.get(id(child), 0) >= MIN_POST_CHARS:
                key = (child.name, " ".join(sorted(_classes(child))))
                groups.setdefault(key, []).append(child)
        yield from (group for group in groups.values() if len(group) >= least)


def _repeated_siblings(body: Tag, chars: dict[int, int]) -> list[Tag]:
    """Returns the largest run of same-class siblings that each read as a dated post."""
    best: list[Tag] = []
    for group in _sibling_groups(body, chars, 3):
        posts = [child for child in group if child.find(HEADINGS) and element_date(child)]
        if len(posts) >= 3 and len(posts) > len(best):
            best = posts
    return best


def _opens_with_caption(element: Tag) -> bool:
    """Returns True when a photo's caption comes before the element's first paragraph of prose:
    the shape of a blog post that opens with its captioned picture (the Watchdog blog's posts).
    A bare image is not enough: listicles and sidebars open each item with a logo or a thumb."""
    for node in element.descendants:
        if not isinstance(node, Tag):
            continue
        if node.name == "figcaption" or node.has_attr("data-lantern-caption"):
            return True
        if node.name == "p" and len(clean_text(node.get_text(" "))) >= PROSE_MIN_CHARS:
            return False
    return False


def _shaped_siblings(body: Tag, chars: dict[int, int]) -> list[Tag]:
    """Returns the largest run (two or more) of siblings of one shape that each open with a
    photo or caption and hold their own paragraphs: posts found by structure, whatever their
    class names (div cards, bare sections, list items)."""
    best: list[Tag] = []
    for group in _sibling_groups(body, chars, 2):
        if len(group) > len(best) and all(_opens_with_caption(child) for child in group):
            best = group
    return best


# Consecutive posts between rules share less than this much of their vocabulary (crude stems);
# the sections of one article share more. Measured: the ruled multi-post pages of
# bench/segmentation.py share at most 0.05-0.28 (median 0.18) between neighbours; one article
# of the 2026 extraction benchmark (0419, sections ruled apart) shares 0.25-0.3.
RULED_MAX_OVERLAP = 0.25


def _ruled_posts(body: Tag, chars: dict[int, int]) -> list[Tag]:
    """Returns the posts of a page that separates them by rules only: under one element, two or
    more runs between <hr>s that each open with their own heading and hold a post's worth of
    paragraphs. Each run is wrapped in a new <div> (the posts need a container)."""
    for parent in body.find_all(True):
        if (
            chars.get(id(parent), 0) < 2 * MIN_POST_CHARS
            or parent.find("hr", recursive=False) is None
        ):
            continue
        runs: list[list[Tag]] = [[]]
        for child in parent.children:
            if isinstance(child, Tag) and child.name == "hr":
                runs.append([])
            elif isinstance(child, Tag):
                runs[-1].append(child)
        # The page's own <h1> may stand above the first post's heading.
        runs = [run[1:] if len(run) > 1 and run[0].name == "h1" else run for run in runs]
        posts = [run for run in runs if run and run[0].name in HEADINGS[1:]]
        if len(posts) < 2 or len(posts) < len([r for r in runs if r]) - 1:
            continue  # not every part between the rules is a headed post (one prologue may be)
        if any(sum(chars.get(id(node), 0) for node in run) < MIN_POST_CHARS for run in posts):
            continue
        texts = [[node.get_text(" ") for node in run] for run in posts]
        if max(topic_overlap(a, b) for a, b in itertools.pairwise(texts)) >= RULED_MAX_OVERLAP:
            continue  # one story's sections, ruled apart, share their words
        wrappers = []
        for run in posts:
            wrapper = Tag(name="div")
            run[0].insert_before(wrapper)
            for node in run:
                wrapper.append(node.extract())
            wrappers.append(wrapper)
        return wrappers
    return []


def _multi_posts(
    soup: BeautifulSoup, meta: PageMeta, url: str | None, chars: dict[int, int]
) -> tuple[HtmlPost, ...]:
    """Returns the posts of a multi-post page, or () when the page holds one article."""
    body = soup.body or soup
    if _is_single_article_page(body):
        return ()
    containers = _candidates(body, chars)
    # Posts that each open with their photo need no dates of their own to be posts.
    shaped = False
    if len(containers) < 2:
        containers = _repeated_siblings(body, chars)
    if len(containers) < 2:
        containers, shaped = _shaped_siblings(body, chars), True
    if len(containers) < 2:
        containers = _ruled_posts(body, chars)
        if len(containers) >= 2:
            chars = _paragraph_map(body)  # the posts are new wrappers: count their text
    sizes = [chars.get(id(container), 0) for container in containers]
    total = chars.get(id(body), 0)
    dated = sum(1 for c in containers if element_date(c)) >= MIN_DATED_SHARE * len(containers)
    # <article>s that each carry a <header> of their own are posts, dated or not (an article's
    # sections wrapped in <article>, expertsinyourhome.com's, have none).
    headed = all(c.name == "article" and c.find("header") for c in containers)
    if (
        len(containers) >= 2
        and max(sizes) < DOMINANT_POST_SHARE * sum(sizes)
        and sum(sizes) >= POSTS_MIN_SHARE * total
        and not _headline_post(containers, meta)
        and (dated or shaped or headed)
    ):
        posts = tuple(_post_from_container(c, meta, url) for c in containers)
        posts = tuple(post for post in posts if post.paragraphs)
        if len(posts) >= 2:
            logger.debug("multi-post page: %d posts", len(posts))
            return posts
    return _live_blog_updates(meta, url)


def _is_single_article_page(body: Tag) -> bool:
    """Returns True when the page's own markup says it shows one article."""
    classes: list[str] = _classes(body)
    return any(SINGLE_PAGE_CLASS_RE.match(name) for name in classes)


def _headline_post(containers: list[Tag], meta: PageMeta) -> bool:
    """Returns True when one container's heading is the page headline: an article + teasers."""
    if not meta.title:
        return False
    for container in containers:
        heading = container.find(HEADINGS)
        if isinstance(heading, Tag) and _same_text(heading.get_text(" "), meta.title):
            return heading.name == "h1" or len(containers) < 3
    return False


def _live_blog_updates(meta: PageMeta, url: str | None) -> tuple[HtmlPost, ...]:
    """Returns the posts a JSON-LD LiveBlogPosting lists in liveBlogUpdate, if two or more."""
    posts = []
    for update in meta.updates:
        body = update.get("articleBody")
        if not isinstance(body, str) or not body.strip():
            continue
        paragraphs = tuple(p for p in (clean_text(line) for line in body.splitlines()) if p)
        headline = update.get("headline")
        link = update.get("url")
        posts.append(
            HtmlPost(
                title=clean_text(headline) or None if isinstance(headline, str) else None,
                paragraphs=paragraphs,
                published=parse_date(update.get("datePublished")),
                url=resolve_url(link, url) if isinstance(link, str) else None,
            )
        )
    return tuple(posts) if len(posts) >= 2 else ()


def _post_from_container(container: Tag, meta: PageMeta, url: str | None) -> HtmlPost:
    """Returns one post read from its container: title, caption, date, permalink, text."""
    heading = container.find(HEADINGS)
    title = clean_text(heading.get_text(" ")) if isinstance(heading, Tag) else ""
    link = None
    if isinstance(heading, Tag):
        anchor = heading.find("a", href=True)
        link = anchor.get("href") if isinstance(anchor, Tag) else None
    if not link:
        anchor = container.find("a", attrs={"rel": "bookmark"}, href=True)
        link = anchor.get("href") if isinstance(anchor, Tag) else None
    base = meta.url or url or ""
    stamp = container.find("time")
    stamp_text = clean_text(stamp.get_text(" ")) if isinstance(stamp, Tag) else ""
    # The post's title and its dateline stamp have fields of their own.
    paragraphs = [p for p in _blocks(container) if p not in (title, stamp_text)]
    return HtmlPost(
        title=title or None,
        paragraphs=tuple(_filter_paragraphs(paragraphs)),
        caption=_leading_caption(container),
        published=element_date(container),
        url=resolve_url(str(link), base) if link else None,
    )


# --- Single articles -------------------------------------------------------------------------


def _single_post(
    soup: BeautifulSoup, meta: PageMeta, html: str, url: str | None, chars: dict[int, int]
) -> tuple[HtmlPost, ...]:
    """Returns the one post of an article page: trafilatura's text, else our block walk."""
    container = _main_container(soup, chars)
    caption = _leading_caption(container, reach_out=True) if container is not None else None
    paragraphs = _trafilatura_paragraphs(str(soup), url)
    holder = _body_holder(soup.body or soup)
    expected = len(WORD_RE.findall(holder.get_text(" "))) if holder is not None else 0
    if _word_count(paragraphs) < RETRY_SHARE * expected:
        # trafilatura sometimes settles on a heading of the cleaned page (bgr.com): give it
        # the page as fetched and keep whichever reading holds more of the body's words.
        raw = _trafilatura_paragraphs(html, url)
        if _word_count(raw) > _word_count(paragraphs):
            paragraphs = raw
    if not paragraphs and container is not None:
        paragraphs = _blocks(container)
    paragraphs = [p for p in paragraphs if p != caption]
    headlines = [meta.title or ""] + [h1.get_text(" ") for h1 in soup.find_all("h1", limit=3)]
    while paragraphs and any(_same_text(paragraphs[0], h) for h in headlines if h.strip()):
        paragraphs.pop(0)  # trafilatura keeps the headline; the post's title holds it
    paragraphs = _filter_paragraphs(paragraphs)
    if _word_count(paragraphs) < MIN_PAGE_WORDS:
        return ()
    return (HtmlPost(meta.title, tuple(paragraphs), caption, meta.published, meta.url),)


def _word_count(paragraphs: Iterable[str]) -> int:
    """Returns the number of words in paragraphs."""
    return sum(len(WORD_RE.findall(paragraph)) for paragraph in paragraphs)


def _same_text(left: str, right: str) -> bool:
    """Returns True when two strings are equal ignoring case and punctuation."""
    return re.sub(r"\W+", "", left).lower() == re.sub(r"\W+", "", right).lower()


def _main_container(soup: BeautifulSoup, chars: dict[int, int]) -> Tag | None:
    """Returns the element that most likely holds the article body (BODY_CONTAINERS order)."""
    first: dict[int, Tag] = {}
    for element in soup.find_all(True):
        if chars.get(id(element), 0) < MIN_POST_CHARS:
            continue
        for rank, (attribute, value) in enumerate(BODY_CONTAINERS):
            if rank in first:
                continue
            if not attribute:
                matched = element.name == value
            elif attribute == "class":
                matched = value in _classes(element)
            else:
                matched = element.get(attribute) == value
            if matched:
                first[rank] = element
    return first[min(first)] if first else soup.body


def _trafilatura_paragraphs(html: str, url: str | None) -> list[str]:
    """Returns trafilatura's main-text paragraphs for a cleaned page (comments off)."""
    try:
        document = trafilatura.bare_extraction(
            html, url=url, include_comments=False, with_metadata=False
        )
    except Exception as err:  # third-party boundary: its failure is an empty extraction
        logger.warning("trafilatura failed: %r", err)
        return []
    body = getattr(document, "body", None)
    return list(_tree_paragraphs(body)) if body is not None else []


def _tree_paragraphs(body: Any) -> Iterator[str]:
    """Yields the paragraphs of trafilatura's output tree: one per block, one per list item."""
    lead = clean_text(body.text)
    if lead:
        yield lead
    for child in body:
        tag = child.tag if isinstance(child.tag, str) else ""
        nested = list(_tree_paragraphs(child)) if tag in NESTED_OUTPUT_TAGS and len(child) else []
        if nested:
            yield from nested
        else:
            text = clean_text(_tree_text(child))
            if tag == "row":
                text = " ".join(clean_text(_tree_text(cell)) for cell in child)
            if text:
                yield text
        # Text after a block, with no block of its own: trafilatura keeps it as the tail
        # (economictimes.com: whole paragraphs follow a <head> as bare text).
        tail = clean_text(child.tail)
        if tail:
            yield tail


def _tree_text(element: Any) -> str:
    """Returns an element's text with line breaks as spaces, so words never glue."""
    parts = [element.text or ""] if isinstance(element.tag, str) else []
    for child in element:
        parts.append(" " + _tree_text(child) + " ")
        parts.append(child.tail or "")
    return "".join(parts)


# --- Shared ----------------------------------------------------------------------------------


def _leading_caption(container: Tag, *, reach_out: bool = False) -> str | None:
    """Returns the caption marked before the container's first real paragraph, if any.

    With reach_out, the caption may sit outside the container too, in the same region of the
    page: Pangea puts the lead photo in div.cover-media, beside the div.wsw body.
    """
    first_paragraph = next(
        (p for p in container.find_all("p") if len(p.get_text(strip=True)) >= CAPTION_BEFORE),
        None,
    )
    if first_paragraph is None:
        return None
    marker = first_paragraph.find_previous(None, {"data-lantern-caption": True})
    if not isinstance(marker, Tag):
        return None
    inside = any(parent is container for parent in marker.parents)
    if not inside and not (reach_out and _share_region(marker, first_paragraph)):
        return None
    text = marker.get("data-lantern-caption")
    return text if isinstance(text, str) and text else None


def _share_region(left: Tag, right: Tag) -> bool:
    """Returns True when two elements have a common ancestor below <body>."""
    ancestors = {id(parent) for parent in left.parents if parent.name not in ("body", "html")}
    return any(id(parent) in ancestors for parent in right.parents)


def _blocks(container: Tag) -> list[str]:
    """Returns the text blocks under container: one per block element, inline text joined."""
    paragraphs: list[str] = []
    buffer: list[str] = []
    title = container.find(HEADINGS)

    def flush() -> None:
        text = clean_text(INVISIBLE_RE.sub("", "".join(buffer)))
        buffer.clear()
        if text:
            paragraphs.append(text)

    # An explicit stack, not recursion: junk pages nest thousands of unclosed <div>s.
    stack: list[tuple[Iterator[Any], bool]] = [(iter(container.children), True)]
    while stack:
        node = next(stack[-1][0], None)
        if node is None:
            if stack.pop()[1]:
                flush()
            continue
        if isinstance(node, NavigableString):
            if not isinstance(node, Comment):
                buffer.append(str(node))
        elif isinstance(node, Tag):
            if node is title or node.get("data-lantern-caption") is not None:
                continue  # the post's title and caption live in their own fields
            if node.name == "br":
                buffer.append(" ")
                continue
            is_block = node.name in BLOCK_TAGS
            if is_block:
                flush()
            stack.append((iter(node.children), is_block))
    flush()
    return paragraphs


def _filter_paragraphs(paragraphs: Iterable[str]) -> list[str]:
    """Returns the paragraphs without calls to action and list bullets."""
    kept: list[str] = []
    for paragraph in paragraphs:
        text = INVISIBLE_RE.sub("", paragraph).strip()
        text = BULLET_RE.sub("", text)
        if WORD_RE.search(text) and not BOILERPLATE_RE.match(text):
            kept.append(text)
    return kept
