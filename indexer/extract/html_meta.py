"""Page metadata from HTML: title, date, publisher, section, canonical URL and language."""

from __future__ import annotations

import datetime
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from indexer.extract.dates import parse_date

logger = logging.getLogger(__name__)

# schema.org types whose headline/date describe the page's story. WebPage is a weaker fallback:
# polygraph.info (Pangea CMS) and many WordPress sites put only a WebPage node in their @graph.
ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "AskPublicNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "SocialMediaPosting",
        "Report",
        "ScholarlyArticle",
        "TechArticle",
    }
)
PAGE_TYPES = frozenset({"WebPage", "ItemPage", "CollectionPage", "AboutPage"})

# <meta> names and properties per field, best first. Open Graph and article:* are the
# common case (Guardian, BBC, Pangea CMS); the others come from older news CMSs
# (Reuters used `og:article:published_time`, German sites `date`, Dublin Core on NGO reports).
META_TITLE = ("og:title", "twitter:title", "dc.title", "title")
META_PUBLISHED = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "publish-date",
    "publishdate",
    "pubdate",
    "date",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
)
META_SOURCE = ("og:site_name", "application-name", "dc.publisher", "publisher")
META_SECTION = ("article:section", "og:article:section", "section", "parsely-section")
META_URL = ("og:url", "twitter:url")
META_LANGUAGE = ("content-language", "og:locale", "dc.language", "language")

# A headline ends with " | Site" or " - Site" in <title> and often in og:title (BBC, Guardian).
TITLE_SUFFIX_RE = re.compile(r"\s+[|\u2013\u2014\-:\u00b7\u2022]\s+[^|\u2013\u2014\-]{2,60}$")
LANGUAGE_RE = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$")
# An <h1> of at most this many words that no metadata title matches is a section label.
SECTION_LABEL_WORDS = 2


@dataclass(frozen=True, slots=True)
class PageMeta:
    """The page-level metadata parse_html reports."""

    title: str | None
    published: datetime.date | None
    source: str | None
    section: str | None
    url: str | None
    language: str | None
    updates: tuple[dict[str, Any], ...] = ()  # JSON-LD liveBlogUpdate entries, in page order


def clean_text(text: str | None) -> str:
    """Returns text with whitespace runs collapsed to one space and zero-width marks dropped."""
    if not text:
        return ""
    return " ".join(text.replace("\u200b", "").replace("\ufeff", "").split())


def _types(node: dict[str, Any]) -> set[str]:
    """Returns a JSON-LD node's @type values without schema.org prefixes."""
    raw = node.get("@type", ())
    values = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    return {v.rsplit("/", 1)[-1] for v in values if isinstance(v, str)}


def _walk_nodes(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Yields every dict in a JSON-LD value: top-level items and @graph members, not properties."""
    if depth > 4:
        return
    if isinstance(value, list):
        for item in value:
            yield from _walk_nodes(item, depth + 1)
    elif isinstance(value, dict):
        yield value
        yield from _walk_nodes(value.get("@graph"), depth + 1)


def json_ld_nodes(soup: BeautifulSoup) -> list[dict[str, Any]]:
    """Returns the JSON-LD nodes of a page; blocks that are not valid JSON are skipped."""
    nodes: list[dict[str, Any]] = []
    for script in soup.find_all("script", attrs={"type": re.compile(r"ld\+json", re.I)}):
        raw = script.string or script.get_text() or ""
        raw = raw.strip().removeprefix("<!--").removesuffix("-->").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            logger.debug("skipping a JSON-LD block that is not JSON")
            continue
        nodes.extend(_walk_nodes(data))
    return nodes


def _name(value: Any, by_id: dict[str, dict[str, Any]]) -> str | None:
    """Returns the name of a JSON-LD thing given inline, as a list, as a string or by @id."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str):
        return clean_text(value) or None
    if isinstance(value, dict):
        if "name" not in value and isinstance(value.get("@id"), str):
            value = by_id.get(value["@id"], value)
        name = value.get("name")
        return clean_text(name) if isinstance(name, str) and name.strip() else None
    return None


def _first_str(value: Any) -> str | None:
    """Returns a JSON-LD value as one string: itself, the first of a list, or a dict's @id/url."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url")
    return clean_text(value) or None if isinstance(value, str) else None


def _meta_values(soup: BeautifulSoup) -> dict[str, str]:
    """Returns the page's <meta> name/property/itemprop/http-equiv -> content, first wins."""
    values: dict[str, str] = {}
    for meta in soup.find_all("meta"):
        content = meta.get("content")
        if not isinstance(content, str) or not content.strip():
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = meta.get(attr)
            if isinstance(key, str) and key.strip():
                values.setdefault(key.strip().lower(), content.strip())
    return values


def _first_meta(values: dict[str, str], keys: tuple[str, ...]) -> str | None:
    """Returns the first of keys present in values."""
    for key in keys:
        if values.get(key):
            return values[key]
    return None


def _strip_site_suffix(title: str, site: str | None) -> str:
    """Returns a title without its trailing " | Site" part when that part names the site."""
    found = TITLE_SUFFIX_RE.search(title)
    if not found:
        return title
    tail = clean_text(found.group(0).lstrip(" |-:\u2013\u2014\u00b7\u2022")).lower()
    if site and (tail in site.lower() or site.lower() in tail):
        return title[: found.start()].strip()
    return title


def _language(soup: BeautifulSoup, values: dict[str, str], ld: Any) -> str | None:
    """Returns the page's primary language subtag ("en", "ru"), lower case, or None."""
    html = soup.find("html")
    candidates = [html.get("lang") if isinstance(html, Tag) else None]
    candidates += [html.get("xml:lang") if isinstance(html, Tag) else None]
    candidates += [_first_meta(values, META_LANGUAGE), ld]
    for candidate in candidates:
        if isinstance(candidate, str):
            found = LANGUAGE_RE.match(candidate.strip().split(",")[0].strip())
            if found:
                return found.group(1).lower()
    return None


def _h1_texts(soup: BeautifulSoup, site: str | None) -> list[str]:
    """Returns the texts of the page's first <h1>s outside chrome, not the site's logo."""
    texts = []
    for h1 in soup.find_all("h1", limit=5):
        if h1.find_parent(["nav", "footer", "aside"]):
            continue
        text = clean_text(h1.get_text(" "))
        if not text or len(text) > 400:
            continue
        if site and text.lower() == site.lower():
            continue  # a logo in an <h1>, as on many WordPress themes
        texts.append(text)
    return texts


def _squash(text: str) -> str:
    """Returns text lower-cased with everything but letters and digits removed."""
    return re.sub(r"\W+", "", text).lower()


def _headline(h1s: list[str], references: list[str]) -> str | None:
    """Returns the page headline: the <h1> the metadata agrees with, else the metadata's.

    A short <h1> that no metadata title matches is a section or blog name ("articles",
    "Our BLOG" on 2026 benchmark pages); one that holds the metadata title after a kicker
    ("Interne Unterlagen im Netz Daten von Rheinmetall gehackt", German news) gives way to it.
    """
    squashed = [_squash(reference) for reference in references]
    for text in h1s:
        key = _squash(text)
        if key in squashed:
            return text
        for reference, short in zip(references, squashed, strict=True):
            if short and short in key and len(short) * 2 >= len(key):
                return reference
    if h1s and (len(h1s[0].split()) > SECTION_LABEL_WORDS or not references):
        return h1s[0]
    return references[0] if references else None


def resolve_url(link: str | None, base: str | None) -> str | None:
    """Returns an absolute http(s) URL for link, resolved against base, or None."""
    if not link:
        return None
    try:
        absolute = urljoin(base or "", link.strip())
        scheme = urlsplit(absolute).scheme
    except ValueError:
        return None
    return absolute if scheme in ("http", "https") else None


def extract_meta(soup: BeautifulSoup, *, url: str | None = None) -> PageMeta:
    """Returns the page metadata from <meta>, JSON-LD, <link rel=canonical>, <time> and <h1>."""
    values = _meta_values(soup)
    nodes = json_ld_nodes(soup)
    by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    articles = [n for n in nodes if _types(n) & ARTICLE_TYPES]
    pages = [n for n in nodes if _types(n) & PAGE_TYPES]
    article: dict[str, Any] = articles[0] if articles else {}
    page: dict[str, Any] = pages[0] if pages else {}

    site = _first_meta(values, META_SOURCE) or _name(article.get("publisher"), by_id)
    site = site or _name(page.get("publisher"), by_id)
    if not site:
        site = next((_name(n, by_id) for n in nodes if _types(n) & {"NewsMediaOrganization"}), None)
    site = clean_text(site) or None

    references = [
        _first_str(article.get("headline")) or "",
        _strip_site_suffix(clean_text(_first_meta(values, META_TITLE)), site),
        _strip_site_suffix(clean_text(soup.title.get_text()), site) if soup.title else "",
    ]
    title = _headline(_h1_texts(soup, site), [ref for ref in references if ref])

    published = parse_date(_first_meta(values, META_PUBLISHED))
    if published is None:
        published = parse_date(_first_str(article.get("datePublished")))
    if published is None:
        published = _time_date(soup)
    if published is None:
        published = parse_date(_first_str(page.get("datePublished")))

    section = _first_meta(values, META_SECTION) or _first_str(article.get("articleSection"))

    canonical = None
    for link in soup.find_all("link", href=True):
        rel = link.get("rel")
        rels = rel if isinstance(rel, list) else str(rel or "").split()
        if "canonical" in [str(r).lower() for r in rels]:
            canonical = resolve_url(str(link["href"]), url)
            if canonical:
                break
    page_url = canonical or resolve_url(_first_meta(values, META_URL), url)
    page_url = page_url or resolve_url(_entity_url(article, by_id), url) or resolve_url(url, None)

    updates = article.get("liveBlogUpdate") if "LiveBlogPosting" in _types(article) else None
    if isinstance(updates, dict):
        updates = [updates]
    return PageMeta(
        title=clean_text(title) or None,
        published=published,
        source=site,
        section=clean_text(section) or None,
        url=page_url,
        language=_language(soup, values, article.get("inLanguage")),
        updates=tuple(u for u in updates or () if isinstance(u, dict)),
    )


def _entity_url(article: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> str | None:
    """Returns a JSON-LD article's own URL: `url`, else its mainEntityOfPage, minus #fragment."""
    found = _first_str(article.get("url"))
    if not found:
        entity = article.get("mainEntityOfPage")
        if isinstance(entity, dict) and isinstance(entity.get("@id"), str):
            entity = by_id.get(entity["@id"], entity)
        found = _first_str(entity.get("url") or entity) if isinstance(entity, dict) else None
        found = found or _first_str(entity)
    return found.split("#", 1)[0] if found else None


def _time_date(root: Tag) -> datetime.date | None:
    """Returns the date of the first <time datetime> or itemprop=datePublished under root."""
    for element in root.find_all(None, {"itemprop": "datePublished"}, limit=3):
        found = parse_date(element.get("datetime") or element.get("content"))
        if found:
            return found
    for element in root.find_all("time", datetime=True, limit=5):
        if element.find_parent(["nav", "footer", "aside"]):
            continue
        found = parse_date(element.get("datetime"))
        if found:
            return found
    return None


def element_date(root: Tag) -> datetime.date | None:
    """Returns the publication date stated inside one post container, or None."""
    return _time_date(root)
