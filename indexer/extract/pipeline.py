"""extract_articles(page): the one place that orders the extraction stages."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import replace
from datetime import date
from typing import Any

from indexer.errors import ExtractionError
from indexer.extract import metadata
from indexer.extract.chrome import strip_chrome
from indexer.extract.entities import extract_entities
from indexer.extract.models import Article, Page
from indexer.extract.splitter import split_posts
from indexer.extract.text import normalize_text, to_lines

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_RECORD_ID = re.compile(r"[A-Za-z0-9_.:-]{1,200}")
MAX_TITLE_CHARS = 300


def article_id(source_file: str, position: int) -> str:
    """Returns the stable id of the article at `position` (1-based) in a corpus file."""
    stem = source_file.rsplit(".", 1)[0] if "." in source_file.rsplit("/", 1)[-1] else source_file
    return f"{_ID_UNSAFE.sub('-', stem).strip('-')}-{position}"


def extract_articles(page: Page, recurring: Collection[str] = ()) -> list[Article]:
    """Returns the articles a page holds, chrome removed and metadata filled in.

    Args:
        page: a decoded page from the loader.
        recurring: lines learned as the chrome of the page's site (indexer.extract.recurring).

    Returns:
        The page's articles in page order.

    Raises:
        ExtractionError: the page holds no article text.
    """
    if page.kind == "text":
        articles = _from_text(page, recurring)
    elif page.kind == "html":
        articles = _from_html(page)
    else:
        articles = [_from_record(page)]
    if not articles:
        raise ExtractionError(page.path, "no article text found")
    return [_with_entities(_apply_sidecar(a, page.sidecar, len(articles))) for a in articles]


def _from_text(page: Page, recurring: Collection[str]) -> list[Article]:
    lines = strip_chrome(to_lines(page.text), recurring)
    layout = split_posts(lines)
    source = metadata.extract_source(page.text)
    section = metadata.extract_section(layout.head, page.text)
    head_title = metadata.extract_head_title(layout.head)
    published = metadata.extract_published(layout.head)
    single = len(layout.posts) == 1
    articles = []
    for position, post in enumerate(layout.posts, start=1):
        paragraphs = list(post.paragraphs)
        # A single article's deck (the line under its headline) is article text.
        if single and head_title:
            decks = layout.head[layout.head.index(head_title) + 1 :]
            paragraphs[:0] = [d for d in decks if not metadata.parse_date(d)]
        title = head_title if single and head_title else metadata.derive_title(post.paragraphs[0])
        articles.append(
            Article(
                id=article_id(page.path, position),
                source_file=page.path,
                title=title,
                body="\n\n".join(paragraphs),
                published=published if single else None,
                source=source,
                section=section,
                dateline=metadata.extract_dateline(post.paragraphs[0]),
                caption=post.caption,
            )
        )
    return articles


def _from_html(page: Page) -> list[Article]:
    from indexer.extract.html import parse_html

    document = parse_html(page.text, url=page.sidecar.get("url"))
    articles = []
    single = len(document.posts) == 1
    for position, post in enumerate(document.posts, start=1):
        paragraphs = [p for p in post.paragraphs if p.strip()]
        if not paragraphs:
            continue
        title = post.title or (document.title if single else None)
        articles.append(
            Article(
                id=article_id(page.path, position),
                source_file=page.path,
                title=title or metadata.derive_title(paragraphs[0]),
                body="\n\n".join(paragraphs),
                published=post.published or (document.published if single else None),
                source=document.source or metadata.extract_source(page.text),
                section=document.section,
                dateline=metadata.extract_dateline(paragraphs[0]),
                url=post.url or (document.url if single else None),
                caption=post.caption,
            )
        )
    return articles


def _from_record(page: Page) -> Article:
    record = page.record
    where = f"{page.path}:{page.line}"
    raw_id = record.get("id")
    if raw_id is not None and not (
        isinstance(raw_id, str | int) and _RECORD_ID.fullmatch(str(raw_id))
    ):
        raise ExtractionError(where, "id must be 1-200 letters, digits, '_', '.', ':' or '-'")
    body = _record_text(record, "body")
    html = _record_text(record, "html")
    if html and not body:
        from indexer.extract.html import parse_html

        document = parse_html(html)
        body = "\n\n".join(p for post in document.posts for p in post.paragraphs)
    body = normalize_text(body).strip()
    if not body:
        raise ExtractionError(where, "record has no body or html text")
    title = _record_text(record, "title").strip() or metadata.derive_title(body.split("\n\n")[0])
    published = metadata.parse_date(
        _record_text(record, "published") or _record_text(record, "date")
    )
    return Article(
        id=str(raw_id) if raw_id is not None else article_id(page.path, page.line),
        source_file=page.path,
        title=title[:MAX_TITLE_CHARS],
        body=body,
        published=published,
        source=_record_text(record, "source").strip() or None,
        section=_record_text(record, "section").strip() or None,
        url=_record_text(record, "url").strip() or None,
    )


def _record_text(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    return value if isinstance(value, str) else ""


def _apply_sidecar(article: Article, sidecar: dict[str, str], count: int) -> Article:
    """Returns the article with what the user's sidecar says put over what was extracted."""
    if not sidecar:
        return article
    changes: dict[str, Any] = {}
    for key in ("url", "source", "section"):
        if key in sidecar:
            changes[key] = sidecar[key]
    if count == 1 and "title" in sidecar:
        changes["title"] = sidecar["title"]
    if "published" in sidecar:
        published: date | None = metadata.parse_date(sidecar["published"])
        if published:
            changes["published"] = published
    return replace(article, **changes)


def _with_entities(article: Article) -> Article:
    found = extract_entities(article.body, title=article.title, caption=article.caption or "")
    places = found.places
    if article.dateline:
        place = article.dateline.split(",")[0].strip()
        places = (place, *[p for p in places if p != place]) if place else places
    return replace(article, people=found.people, organizations=found.organizations, places=places)
