"""Article ids that outlive edits: a page read again keeps the ids its articles had.

A first read numbers a file's articles by position ("blog-page-1", "blog-page-2"). When the file
changes, each new article takes the id of the old article it continues: the same body, else the
most similar body (an edited post, at the duplicates' threshold), else the same title. The others
get numbers the file has never used, so a post inserted above the others neither takes their ids
nor gives an old permalink to another article. A JSON Lines record's own `id` is its id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from catalogue import Article
from indexer.extract.dedup import THRESHOLD, Fingerprint
from indexer.extract.pipeline import article_id, made_from_path, suffixed_id
from indexer.index.state import StoredArticle


@dataclass(slots=True)
class Identified:
    """A file's articles with their lasting ids, and what could not be given one."""

    articles: list[StoredArticle]
    next_number: int
    skipped: list[tuple[str, str]]


def keep_ids(
    path: str,
    fresh: list[tuple[Article, Fingerprint]],
    previous: list[StoredArticle],
    next_number: int,
    owner: Callable[[str], str | None],
) -> Identified:
    """Returns a file's freshly extracted articles with the ids they keep or get.

    Args:
        path: the file (relative to the corpus).
        fresh: its articles as extraction numbered them, with their fingerprints.
        previous: its articles as the last update stored them.
        next_number: the first number the file has not used (0: a file never read; 1: one
            that never gave an article).
        owner: the file that already holds an id, if another does.
    """
    unmatched = [old for old in previous if made_from_path(old.article.id, path)]
    chosen: dict[int, str] = {}
    for rule in (_same_body, _similar_body, _same_title):
        for index, (article, sketch) in enumerate(fresh):
            if index in chosen or not made_from_path(article.id, path) or not unmatched:
                continue
            match = rule(article, sketch, unmatched)
            if match is not None:
                chosen[index] = match.article.id
                unmatched.remove(match)
    # A file that never gave an article numbers like a first read (by position, or a record's
    # line), as `indexer extract` does; one that did never reuses a number it gave.
    first_read = not previous and next_number <= 1
    number = max(next_number, 1)
    kept: list[StoredArticle] = []
    skipped: list[tuple[str, str]] = []
    given: set[str] = set()
    for index, (article, sketch) in enumerate(fresh):
        wanted = chosen.get(index)
        if wanted is None and made_from_path(article.id, path) and not first_read:
            wanted = article_id(path, number)
            number += 1
        elif wanted is None:
            # A record's own id, or a first read's numbering (by position, or a record's line).
            wanted = article.id
            number = max(number, _number_of(wanted) + 1)
        holder = owner(wanted)
        if (holder is not None and holder != path) or wanted in given:
            if not made_from_path(wanted, path) or wanted in given:
                where = holder if holder is not None else path
                skipped.append((path, f"id {wanted!r} was already given by {where}"))
                continue
            wanted = suffixed_id(wanted, path)
        given.add(wanted)
        kept.append(StoredArticle(replace(article, id=wanted), len(kept), sketch))
    return Identified(kept, number, skipped)


def _same_body(
    article: Article, sketch: Fingerprint, old: list[StoredArticle]
) -> StoredArticle | None:
    return next((o for o in old if o.sketch.digest == sketch.digest), None)


def _similar_body(
    article: Article, sketch: Fingerprint, old: list[StoredArticle]
) -> StoredArticle | None:
    best, similarity = None, THRESHOLD
    for candidate in old:
        value = sketch.jaccard(candidate.sketch)
        if value >= similarity:
            best, similarity = candidate, value
    return best


def _same_title(
    article: Article, sketch: Fingerprint, old: list[StoredArticle]
) -> StoredArticle | None:
    return next((o for o in old if o.article.title == article.title), None)


def _number_of(made_id: str) -> int:
    tail = made_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0
