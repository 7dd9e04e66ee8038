"""The one place that orders the extraction stages: `extract_corpus` (every page of a corpus,
with the stages that span the corpus: learned site chrome, duplicates, `seen_on`) and
`extract_articles` (one page). `python -m indexer extract` and the build both call
`extract_corpus`, so both give the same articles with the same ids."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import signal
import tempfile
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from anyascii import anyascii

from catalogue import Article
from indexer.errors import ExtractionError
from indexer.extract import metadata
from indexer.extract.chrome import strip_chrome
from indexer.extract.dates import parse_date
from indexer.extract.dedup import DuplicateFinder, Fingerprint, fingerprint
from indexer.extract.entities import Entities, extract_entities
from indexer.extract.loader import KINDS, iter_corpus_files, load_file
from indexer.extract.models import Page
from indexer.extract.recurring import learn_recurring_lines, site_of
from indexer.extract.splitter import split_posts
from indexer.extract.text import normalize_text, to_lines

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset(suffix for suffix, kind in KINDS.items() if kind == "text")
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_RECORD_ID = re.compile(r"[A-Za-z0-9_.:-]{1,200}")
MAX_TITLE_CHARS = 300
# A page still being read after this long is skipped and named; the build goes on. Real pages
# of 4 MB take under 4 s (README, "Article text").
PAGE_SECONDS = 60.0
# People, organizations and places are read from at most this much of an article's body.
ENTITY_TEXT_CHARS = 100_000
# A body with at least this share of Cyrillic letters is read for entities romanized.
CYRILLIC_SHARE = 0.3
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_WORD = re.compile(r"\w+")


def _path_slug(source_file: str) -> str:
    stem = source_file.rsplit(".", 1)[0] if "." in source_file.rsplit("/", 1)[-1] else source_file
    return _ID_UNSAFE.sub("-", stem).strip("-")


def article_id(source_file: str, position: int) -> str:
    """Returns the stable id of the article at `position` (1-based) in a corpus file."""
    return f"{_path_slug(source_file)}-{position}"


@dataclass(slots=True)
class ExtractionReport:
    """What extraction read, kept and skipped."""

    pages_read: int = 0
    articles: int = 0
    duplicates: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


class DuplicateMerger:
    """Merges duplicates in corpus order: the first copy of an article is kept, and every later
    copy becomes a page in its `seen_on` and an id in its `duplicates`."""

    def __init__(self) -> None:
        self._finder: DuplicateFinder | None = None  # made when first needed (datasketch)
        self.seen_on: dict[str, list[str]] = {}
        self.duplicates: dict[str, list[str]] = {}

    def add(self, article_id: str, source_file: str, sketch: Fingerprint) -> bool:
        """Returns True when the article is kept, False when it repeats a kept one."""
        if self._finder is None:
            self._finder = DuplicateFinder()
        match = self._finder.add_fingerprint(article_id, sketch)
        if match is None:
            return True
        self.seen_on.setdefault(match.key, []).append(source_file)
        self.duplicates.setdefault(match.key, []).append(article_id)
        return False

    def merged(self, article: Article) -> Article:
        """Returns a kept article with the pages and ids of its copies."""
        return replace(
            article,
            seen_on=tuple(self.seen_on.get(article.id, ())),
            duplicates=tuple(self.duplicates.get(article.id, ())),
        )


def extract_corpus(
    corpus_dir: Path,
    report: ExtractionReport,
    paths: list[Path] | None = None,
    *,
    page_seconds: float = PAGE_SECONDS,
) -> Iterator[Article]:
    """Yields every article of the corpus (or of `paths` within it), duplicates merged.

    Text pages are read twice: first to learn each site's recurring chrome lines, then to
    extract their articles with that chrome removed. An article already seen (exactly or nearly
    the same text) is counted in `report.duplicates` and kept only as a page in the first
    copy's `seen_on` and its id in the first copy's `duplicates`; so the articles are spooled
    to a temporary file and yielded at the end. Ids are unique: a record repeating an earlier
    record's id is skipped and reported, and a page whose path-made id another path already
    gave ("new/x.txt" and "new-x.txt") gets a suffix made from its own path.

    This is what a first build writes; later builds (indexer.index.update) keep each article's
    id across edits of its page and run the same stages over what changed.

    Args:
        corpus_dir: the corpus root: ids are made of paths relative to it.
        report: counts pages, articles and duplicates, and lists each skipped page's reason.
        paths: the files to read (all of the corpus when None).
        page_seconds: a page whose extraction takes longer is skipped, by name (0: no limit).

    Yields:
        The articles in corpus order, each with the other pages it was seen on.
    """
    merger = DuplicateMerger()
    owners: dict[str, str] = {}  # id -> the file that gave it
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        for extracted in _iter_page_articles(corpus_dir, report, paths, page_seconds):
            article = _unique_id(extracted, owners, report)
            if article is None:
                continue
            if not merger.add(article.id, article.source_file, fingerprint(article.body)):
                report.duplicates += 1
                continue
            spool.write(json.dumps(article.to_json(), ensure_ascii=False) + "\n")
            report.articles += 1
        spool.seek(0)
        for line in spool:
            yield merger.merged(Article.from_json(json.loads(line)))


def suffixed_id(article_id: str, source_file: str) -> str:
    """Returns the id a path-made id takes when another file already gave it."""
    suffix = hashlib.blake2b(source_file.encode(), digest_size=4).hexdigest()
    return f"{article_id}~{suffix}"


def made_from_path(article_id: str, source_file: str) -> bool:
    """Returns whether an id was made from its file's path (not a record's own id)."""
    return article_id.startswith(_path_slug(source_file) + "-")


def _unique_id(
    article: Article, owners: dict[str, str], report: ExtractionReport
) -> Article | None:
    """Returns the article with an id no earlier article has, or None (reported) for a
    record that repeats an earlier record's own id."""
    owner = owners.get(article.id)
    if owner is not None:
        if not made_from_path(article.id, article.source_file) or owner == article.source_file:
            _skip(
                report.skipped,
                ExtractionError(
                    article.source_file, f"id {article.id!r} was already given by {owner}"
                ),
            )
            return None
        article = replace(article, id=suffixed_id(article.id, article.source_file))
    owners[article.id] = article.source_file
    return article


class PageTimeout(Exception):
    """A page's extraction ran past its time budget."""


@contextmanager
def _time_budget(seconds: float) -> Iterator[None]:
    """Raises PageTimeout in the block when it runs longer than `seconds` (0: no budget).

    A timer signal, so only in the main thread (the command line's builds); elsewhere, and
    where the system has no interval timer, the block runs unbounded."""
    bounded = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not bounded:
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise PageTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass(slots=True)
class FileResult:
    """What one corpus file gave: its articles (ids by position), pages read, and problems."""

    path: str
    pages_read: int = 0
    articles: list[Article] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def extract_file(
    path: Path,
    corpus_dir: Path,
    recurring: dict[str, frozenset[str]],
    page_seconds: float = PAGE_SECONDS,
) -> FileResult:
    """Returns the articles of one corpus file, each page within its time budget.

    Args:
        path: the file.
        corpus_dir: the corpus root (pages are named relative to it).
        recurring: per site, the chrome lines learned from the corpus (`learn_recurring_lines`).
        page_seconds: a page whose extraction takes longer is skipped, by name (0: no limit).
    """
    result = FileResult(path.relative_to(corpus_dir).as_posix())
    try:
        loaded = load_file(path, corpus_dir)
    except ExtractionError as err:
        _skip(result.skipped, err)
        return result
    for problem in loaded.problems:
        _skip(result.skipped, problem)
    for page in loaded.pages:
        result.pages_read += 1
        site_chrome = recurring.get(site_of(page), frozenset()) if page.kind == "text" else ()
        try:
            with _time_budget(page_seconds):
                result.articles.extend(extract_articles(page, site_chrome))
        except ExtractionError as err:
            _skip(result.skipped, err)
        except PageTimeout:
            reason = f"extraction took longer than {page_seconds:g} s; skipped"
            _skip(result.skipped, ExtractionError(page.path, reason))
    return result


def learn_corpus_chrome(files: list[Path], corpus_dir: Path) -> dict[str, frozenset[str]]:
    """Returns the recurring chrome lines of every site among the text pages of `files`."""
    return learn_recurring_lines(
        page
        for path in files
        if path.suffix.lower() in TEXT_SUFFIXES
        for page in quiet_load(path, corpus_dir)
    )


def _iter_page_articles(
    corpus_dir: Path, report: ExtractionReport, paths: list[Path] | None, page_seconds: float
) -> Iterator[Article]:
    files = list(paths if paths is not None else iter_corpus_files(corpus_dir))
    recurring = learn_corpus_chrome(files, corpus_dir)
    for path in files:
        result = extract_file(path, corpus_dir, recurring, page_seconds)
        report.pages_read += result.pages_read
        report.skipped.extend(result.skipped)
        yield from result.articles


def quiet_load(path: Path, corpus_dir: Path) -> list[Page]:
    """Returns a file's pages for learning, or none when it cannot be read (reported later)."""
    try:
        return load_file(path, corpus_dir).pages
    except ExtractionError:
        return []


def _skip(skipped: list[tuple[str, str]], err: ExtractionError) -> None:
    logger.warning("skipped %s: %s", err.path, err.reason)
    skipped.append((err.path, err.reason))


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
            paragraphs[:0] = [d for d in decks if not parse_date(d)]
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
    published = parse_date(_record_text(record, "published") or _record_text(record, "date"))
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
        published: date | None = parse_date(sidecar["published"])
        if published:
            changes["published"] = published
    return replace(article, **changes)


def _entities(body: str, title: str, caption: str) -> Entities:
    """Returns the entities of a text; Cyrillic text is read romanized (the rules and the
    gazetteers are Latin) and the names it yields are given back in the page's own script."""
    if len(_CYRILLIC.findall(body)) < CYRILLIC_SHARE * len(body):
        return extract_entities(body, title=title, caption=caption)
    originals: dict[str, str] = {}

    def romanized(text: str) -> str:
        def word(m: re.Match[str]) -> str:
            latin = anyascii(m[0])
            originals.setdefault(latin, m[0])
            return latin

        return _WORD.sub(word, text)

    def own_script(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(" ".join(originals.get(w, w) for w in name.split()) for name in names)

    found = extract_entities(romanized(body), title=romanized(title), caption=romanized(caption))
    return Entities(
        people=own_script(found.people),
        organizations=own_script(found.organizations),
        places=own_script(found.places),
    )


def _with_entities(article: Article) -> Article:
    # Linking mentions to names compares every name with every other: on a 1 MB page of
    # thousands of names that took most of a minute. An article names its people early.
    body = article.body[:ENTITY_TEXT_CHARS]
    found = _entities(body, article.title, article.caption or "")
    places = found.places
    if article.dateline:
        place = article.dateline.split(",")[0].strip()
        places = (place, *[p for p in places if p != place]) if place else places
    return replace(article, people=found.people, organizations=found.organizations, places=places)
