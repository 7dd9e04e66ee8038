"""Corpus files in, decoded pages out: text dumps, HTML, JSON Lines records and their sidecars."""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.errors import ExtractionError
from indexer.extract.decoding import UTF16_32_BOMS, decode
from indexer.extract.models import Page, PageKind

logger = logging.getLogger(__name__)

KINDS: dict[str, PageKind] = {
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".jsonl": "record",
}
SIDECAR_SUFFIX = ".json"
# A page larger than this is not an article page (a dump of a whole site, a binary mistaken for
# text); records files are exempt, being many articles in one file.
MAX_PAGE_BYTES = 16 * 1024 * 1024
MAX_RECORD_BYTES = 16 * 1024 * 1024
# A "page" with more undecodable bytes than this share of its characters is not text.
MAX_UNDECODED_SHARE = 0.05
SIDECAR_FIELDS = ("url", "title", "published", "source", "section")


@dataclass(slots=True)
class LoadedFile:
    """The pages one corpus file holds, and the problems met while reading it."""

    pages: list[Page] = field(default_factory=list)
    problems: list[ExtractionError] = field(default_factory=list)


@dataclass(slots=True)
class Listed:
    """A page file as listed: its size and time (with its sidecar's), and its hash once read."""

    path: Path
    size: int
    stamp: int  # the latest modification or change time (ns) of the page and its sidecar
    digest: str | None = None


@dataclass(slots=True)
class Listing:
    """The corpus's page files by relative path, in corpus order, and the files refused."""

    files: dict[str, Listed] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def list_corpus(corpus_dir: Path) -> Listing:
    """Returns the corpus's page files in corpus order: sorted by relative path (as text).

    Hidden files and folders are left out, and so are links that lead outside the corpus
    (reported: the archive is what the folder holds, not what it points at). One stat a page
    (the folder listing tells files, folders and links apart), and one more for a sidecar.
    """
    listing = Listing()
    root = corpus_dir.resolve()
    found: list[tuple[str, os.DirEntry[str]]] = []
    sidecars: set[str] = set()
    folders: list[tuple[Path, str]] = [(corpus_dir, "")]
    while folders:
        folder, prefix = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    folders.append((Path(entry.path), f"{rel}/"))
                    continue
                suffix = Path(entry.name).suffix.lower()
                if suffix == SIDECAR_SUFFIX:
                    sidecars.add(rel)
                elif suffix not in KINDS:
                    logger.info("skipping %s: not a page (.txt, .html or .jsonl)", rel)
                elif entry.is_symlink() and not Path(entry.path).resolve().is_relative_to(root):
                    logger.warning("skipped %s: a link to a file outside the corpus", rel)
                    listing.skipped.append((rel, "a link to a file outside the corpus"))
                else:
                    found.append((rel, entry))
    for rel, entry in sorted(found, key=lambda item: item[0]):
        try:
            info = entry.stat()
        except OSError:
            continue  # gone since it was listed, or a broken link
        if not stat.S_ISREG(info.st_mode):
            continue
        size, stamp = info.st_size, max(info.st_mtime_ns, info.st_ctime_ns)
        sidecar_rel = rel.rsplit(".", 1)[0] + SIDECAR_SUFFIX
        if sidecar_rel in sidecars:
            try:
                sidecar = (corpus_dir / sidecar_rel).stat()
                size += sidecar.st_size
                stamp = max(stamp, sidecar.st_mtime_ns, sidecar.st_ctime_ns)
            except OSError:
                pass
        listing.files[rel] = Listed(Path(entry.path), size, stamp)
    return listing


def iter_corpus_files(corpus_dir: Path) -> Iterator[Path]:
    """Yields the corpus's page files in corpus order (see list_corpus)."""
    for listed in list_corpus(corpus_dir).files.values():
        yield listed.path


def _read_sidecar(path: Path, rel: str) -> dict[str, Any]:
    sidecar = path.with_suffix(SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return {}
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        logger.warning("ignoring sidecar of %s: %s", rel, err)
        return {}
    if not isinstance(data, dict):
        logger.warning("ignoring sidecar of %s: not a JSON object", rel)
        return {}
    return {k: data[k] for k in SIDECAR_FIELDS if isinstance(data.get(k), str) and data[k]}


def load_file(path: Path, corpus_dir: Path) -> LoadedFile:
    """Returns the pages a corpus file holds.

    Args:
        path: the file.
        corpus_dir: the corpus root; pages are named relative to it.

    Returns:
        A LoadedFile; a JSON Lines file reports each bad line as a problem and keeps the rest.

    Raises:
        ExtractionError: the file as a whole cannot be read.
    """
    rel = path.relative_to(corpus_dir).as_posix() if path.is_relative_to(corpus_dir) else str(path)
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise ExtractionError(rel, f"unsupported file type {path.suffix!r}")
    try:
        size = path.stat().st_size
        limit = MAX_RECORD_BYTES * 64 if kind == "record" else MAX_PAGE_BYTES
        if size > limit:
            raise ExtractionError(rel, f"file too large ({size} bytes; the limit is {limit})")
        data = path.read_bytes()
    except OSError as err:
        raise ExtractionError(rel, f"cannot read: {err.strerror or err}") from err
    if not data.strip():
        raise ExtractionError(rel, "empty file")
    text, charset = _decoded(data, rel, markup=kind == "html")
    if kind == "record":
        return _load_records(text, rel)
    page = Page(path=rel, kind=kind, text=text, charset=charset, sidecar=_read_sidecar(path, rel))
    return LoadedFile(pages=[page])


def _decoded(data: bytes, rel: str, *, markup: bool) -> tuple[str, str]:
    """Returns a file's text and charset.

    Raises:
        ExtractionError: the file is binary, or no character set reads it.
    """
    if b"\x00" in data[:8192] and not data.startswith(UTF16_32_BOMS):
        raise ExtractionError(rel, "binary file (NUL bytes), not a text or HTML page")
    text, charset = decode(data, markup=markup)
    if text.count("\ufffd") > MAX_UNDECODED_SHARE * len(text):
        raise ExtractionError(rel, "could not detect the character encoding")
    return text, charset


def _load_records(text: str, rel: str) -> LoadedFile:
    loaded = LoadedFile()
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        if len(raw) > MAX_RECORD_BYTES:
            loaded.problems.append(ExtractionError(f"{rel}:{number}", "record too large"))
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as err:
            loaded.problems.append(ExtractionError(f"{rel}:{number}", f"bad JSON: {err.msg}"))
            continue
        if not isinstance(record, dict):
            loaded.problems.append(ExtractionError(f"{rel}:{number}", "not a JSON object"))
            continue
        loaded.pages.append(Page(path=rel, kind="record", text=raw, record=record, line=number))
    return loaded
