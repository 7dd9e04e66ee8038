"""What the last update knew of the corpus, kept beside the index so that the next one reads only
what changed: each file's size, time and content hash, the chrome lines its site shares, and the
articles it gave (with the fingerprints duplicates are found by and the ids they were given).

A SQLite database: one transaction per update, so a killed update leaves the state of the
update before it. The state never says what the index holds: each update compares the articles
the state gives with the digests the index itself stores (`indexer.index.update`), so an index
and a state written by different updates (a kill between the two commits) still meet.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from catalogue import Article
from indexer.extract.dedup import LSH_BANDS, LSH_ROWS, Fingerprint

STATE_FILE = "lantern-state.sqlite"
# The leading signature values the LSH bands are made of (uint32 each).
BANDED_BYTES = LSH_BANDS * LSH_ROWS * 4
_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    digest TEXT NOT NULL, site TEXT, lines TEXT, pages INTEGER NOT NULL,
    skipped TEXT NOT NULL, next_number INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, path TEXT NOT NULL, ordinal INTEGER NOT NULL, title TEXT NOT NULL,
    words INTEGER NOT NULL, body_digest BLOB NOT NULL, signature BLOB NOT NULL,
    figures TEXT NOT NULL, article BLOB NOT NULL, article_digest BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_by_path ON articles (path, ordinal);
CREATE TABLE IF NOT EXISTS site_lines (
    site TEXT NOT NULL, line TEXT NOT NULL, pages INTEGER NOT NULL, PRIMARY KEY (site, line)
);
CREATE TABLE IF NOT EXISTS sites (site TEXT PRIMARY KEY, pages INTEGER NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class FileRecord:
    """One corpus file as the last update read it."""

    path: str
    size: int
    mtime_ns: int  # the later of its (and its sidecar's) modification and change times
    digest: str  # blake2b of the file's bytes and its sidecar's
    site: str | None  # text pages: the site whose chrome it shares
    pages: int
    skipped: tuple[tuple[str, str], ...]
    next_number: int  # the next number a new post of this file gets in its id


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """An article as extracted from its file (before duplicates are merged), with its sketch."""

    article: Article
    ordinal: int  # its place among its file's articles
    sketch: Fingerprint


@dataclass(frozen=True, slots=True)
class ArticleKey:
    """What merging duplicates reads of every article: no text, and of its sketch only what
    tells whether it could repeat another."""

    id: str
    path: str
    sketch: Fingerprint
    article_digest: bytes


def article_digest(article: Article) -> bytes:
    """Returns the digest of an article as extracted."""
    data = json.dumps(article.to_json(), ensure_ascii=False, sort_keys=True).encode()
    return _hash(data)


def _hash(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class CorpusState:
    """The state database of one index folder. Changes stay in one transaction until commit()."""

    def __init__(self, index_dir: Path) -> None:
        self.path = index_dir / STATE_FILE
        self._db = sqlite3.connect(self.path, isolation_level="DEFERRED")
        self._db.executescript(_TABLES)
        self._db.commit()

    def close(self) -> None:
        """Closes the database; what was not committed is rolled back."""
        self._db.close()

    def commit(self) -> None:
        """Makes every change since the last commit durable, at once."""
        self._db.commit()

    def rollback(self) -> None:
        """Drops every change since the last commit."""
        self._db.rollback()

    def clear(self) -> None:
        """Forgets the corpus (ids included): the next update reads every file anew."""
        for table in ("meta", "files", "articles", "site_lines", "sites"):
            self._db.execute(f"DELETE FROM {table}")

    def get(self, key: str) -> str | None:
        """Returns a value of the state's metadata."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set(self, key: str, value: str) -> None:
        """Sets a value of the state's metadata."""
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def counts(self) -> tuple[int, int]:
        """Returns the articles and the duplicates merged, as the last update counted them."""
        articles, duplicates = (self.get("counts") or "0 0").split()
        return int(articles), int(duplicates)

    def files(self) -> dict[str, FileRecord]:
        """Returns every file the state knows, by path."""
        rows = self._db.execute(
            "SELECT path, size, mtime_ns, digest, site, pages, skipped, next_number FROM files"
        )
        return {
            row[0]: FileRecord(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                row[5],
                _skipped(row[6]),
                row[7],
            )
            for row in rows
        }

    def pages_and_skipped(self) -> tuple[int, list[tuple[str, str]]]:
        """Returns the pages the corpus's files hold and what they could not give, in corpus
        order."""
        pages = self._db.execute("SELECT coalesce(sum(pages), 0) FROM files").fetchone()[0]
        rows = self._db.execute("SELECT skipped FROM files WHERE skipped != '[]' ORDER BY path")
        skipped = [(path, reason) for row in rows for path, reason in json.loads(row[0])]
        return int(pages), skipped

    def file_lines(self, paths: Iterable[str]) -> dict[str, frozenset[str]]:
        """Returns the candidate chrome lines of text files."""
        found = {}
        for path in paths:
            row = self._db.execute("SELECT lines FROM files WHERE path = ?", (path,)).fetchone()
            if row and row[0]:
                found[path] = frozenset(json.loads(row[0]))
        return found

    def files_of_site(self, site: str) -> list[str]:
        """Returns the text files of a site."""
        rows = self._db.execute("SELECT path FROM files WHERE site = ? ORDER BY path", (site,))
        return [row[0] for row in rows]

    def put_file(self, record: FileRecord, lines: frozenset[str] | None) -> None:
        """Records a file as read now (its articles are put apart)."""
        self._db.execute(
            "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.path,
                record.size,
                record.mtime_ns,
                record.digest,
                record.site,
                json.dumps(sorted(lines), ensure_ascii=False) if lines is not None else None,
                record.pages,
                json.dumps(record.skipped, ensure_ascii=False),
                record.next_number,
            ),
        )

    def restamp(self, path: str, size: int, stamp: int) -> None:
        """Records a file's new size and time when its content is what it was (a `touch`)."""
        self._db.execute(
            "UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?", (size, stamp, path)
        )

    def remove_file(self, path: str) -> None:
        """Forgets a file and its articles."""
        self._db.execute("DELETE FROM files WHERE path = ?", (path,))
        self._db.execute("DELETE FROM articles WHERE path = ?", (path,))

    # Chrome lines: per site, on how many of its text pages each candidate line stands.

    def count_site(self, site: str, lines: Iterable[str], step: int) -> None:
        """Adds (step 1) or takes away (step -1) one page of a site and its candidate lines."""
        self._db.execute(
            "INSERT INTO sites VALUES (?, ?) ON CONFLICT (site) DO UPDATE SET pages = pages + ?",
            (site, step, step),
        )
        self._db.executemany(
            "INSERT INTO site_lines VALUES (?, ?, ?) "
            "ON CONFLICT (site, line) DO UPDATE SET pages = pages + ?",
            [(site, line, step, step) for line in lines],
        )

    def site_counts(self, site: str) -> tuple[int, dict[str, int]]:
        """Returns a site's text pages and, per candidate line, the pages it stands on."""
        row = self._db.execute("SELECT pages FROM sites WHERE site = ?", (site,)).fetchone()
        lines = self._db.execute(
            "SELECT line, pages FROM site_lines WHERE site = ? AND pages > 0", (site,)
        )
        return (row[0] if row else 0), dict(lines.fetchall())

    def sites(self) -> list[str]:
        """Returns every site with text pages."""
        return [row[0] for row in self._db.execute("SELECT site FROM sites WHERE pages > 0")]

    # Articles.

    def articles_of(self, path: str) -> list[StoredArticle]:
        """Returns a file's articles in file order."""
        rows = self._db.execute(
            "SELECT ordinal, words, body_digest, signature, figures, article FROM articles "
            "WHERE path = ? ORDER BY ordinal",
            (path,),
        )
        return [
            StoredArticle(_article(row[5]), row[0], _sketch(row[1], row[2], row[3], row[4]))
            for row in rows
        ]

    def put_articles(self, path: str, articles: list[StoredArticle]) -> None:
        """Replaces a file's articles."""
        self._db.execute("DELETE FROM articles WHERE path = ?", (path,))
        self._db.executemany(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    stored.article.id,
                    path,
                    stored.ordinal,
                    stored.article.title,
                    stored.sketch.words,
                    stored.sketch.digest,
                    stored.sketch.signature,
                    " ".join(sorted(stored.sketch.figures)),
                    zlib.compress(
                        json.dumps(stored.article.to_json(), ensure_ascii=False).encode(), 3
                    ),
                    article_digest(stored.article),
                )
                for stored in articles
            ],
        )

    def owner(self, article_id: str) -> str | None:
        """Returns the file that gave an id, or None."""
        row = self._db.execute("SELECT path FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def article_keys(self) -> Iterator[ArticleKey]:
        """Yields every article's key in corpus order (by path, then place in its file), its
        sketch cut to what tells whether it could repeat another (dedup.could_repeat): the
        signature's banded values only, no figures. `sketch` gives an article's whole one."""
        rows = self._db.execute(
            "SELECT id, path, words, body_digest, substr(signature, 1, ?), article_digest "
            "FROM articles ORDER BY path, ordinal",
            (BANDED_BYTES,),
        )
        for row in rows:
            yield ArticleKey(row[0], row[1], _sketch(row[2], row[3], row[4], ""), row[5])

    def sketch(self, article_id: str) -> Fingerprint:
        """Returns an article's whole fingerprint."""
        row = self._db.execute(
            "SELECT words, body_digest, signature, figures FROM articles WHERE id = ?",
            (article_id,),
        ).fetchone()
        return _sketch(row[0], row[1], row[2], row[3])

    def load(self, ids: Iterable[str]) -> Iterator[Article]:
        """Yields the stored articles of the given ids."""
        for article_id in ids:
            row = self._db.execute(
                "SELECT article FROM articles WHERE id = ?", (article_id,)
            ).fetchone()
            if row:
                yield _article(row[0])


def _skipped(data: str) -> tuple[tuple[str, str], ...]:
    # Most files skip nothing: their "[]" is not parsed (20,000 parses were a fifth of a second).
    if data == "[]":
        return ()
    return tuple((path, reason) for path, reason in json.loads(data))


def _sketch(words: int, digest: bytes, signature: bytes, figures: str) -> Fingerprint:
    return Fingerprint(words, digest, signature, frozenset(figures.split()))


def _article(data: bytes) -> Article:
    return Article.from_json(json.loads(zlib.decompress(data)))
