"""Segment files are read in place from their memory map: a worker holds no copy of them."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from indexer.index.mapped_files import MappedPart
from search.backends.whoosh import WhooshSource


def test_the_index_reads_its_terms_and_postings_from_the_map(index_dir: Path) -> None:
    view = WhooshSource(index_dir).current()
    leaves = list(view.searcher.reader().leaf_readers())
    assert leaves
    for segment, _ in leaves:
        terms = segment._terms  # the terms index and the postings of the segment
        for part in (terms._tindex.dbfile, terms._postfile):
            assert isinstance(part.file, MappedPart), type(part.file)
    assert view.article_count() > 0


DATA = b"first line\nsecond\n\x00\x01binary\xff tail without newline"


@pytest.mark.parametrize(
    "steps",
    [
        [("read", 5), ("read", 3), ("tell",), ("read", -1), ("read", 4)],
        [("seek", 11, os.SEEK_SET), ("readline",), ("readline",), ("readline",), ("readline",)],
        [("seek", -7, os.SEEK_END), ("read", 100), ("seek", 2, os.SEEK_CUR), ("read", 1)],
        [("readline", 4), ("readline", 100), ("seek", 0, os.SEEK_SET), ("readinto", 6)],
        [("seek", 1000, os.SEEK_SET), ("read", 3), ("tell",), ("readline",)],
    ],
)
def test_a_mapped_part_reads_as_a_bytes_file_does(steps: list[tuple]) -> None:
    mapped, reference = MappedPart(memoryview(DATA)), io.BytesIO(DATA)
    for name, *args in steps:
        if name == "readinto":
            ours, theirs = bytearray(args[0]), bytearray(args[0])
            assert mapped.readinto(ours) == reference.readinto(theirs)
            assert ours == theirs
        else:
            assert getattr(mapped, name)(*args) == getattr(reference, name)(*args), (name, args)


def test_an_index_of_several_segments_reads_back_through_the_map(tmp_path: Path) -> None:
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.query import Term

    ix = whoosh_index.create_in(str(tmp_path), Schema(id=ID(stored=True), body=TEXT(stored=True)))
    for start in (0, 150):
        with ix.writer() as writer:
            for n in range(start, start + 150):
                writer.add_document(id=str(n), body=f"word{n % 7} common text number {n}")
    with ix.searcher() as searcher:
        assert all(
            isinstance(segment._terms._postfile.file, MappedPart)
            for segment, _ in searcher.reader().leaf_readers()
        )
        found = {hit["id"] for hit in searcher.search(Term("body", "word3"), limit=None)}
        assert found == {str(n) for n in range(300) if n % 7 == 3}
        assert searcher.stored_fields(searcher.document_number(id="299"))["body"].endswith("299")


def _mapped_kb(folder: Path) -> int:
    """Returns the kB of this process's resident pages that map files of a folder."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split()
        if head and "-" in head[0] and len(head) >= 5:  # a mapping's first line
            inside = len(head) >= 6 and head[5].startswith(str(folder))
        elif inside and line.startswith("Rss:"):
            total += int(head[1])
    return total


def test_a_request_starts_with_the_index_unmapped_and_searches_alike(index_dir: Path) -> None:
    from indexer.index.mapped_files import release_pages
    from search.syntax import Word

    source = WhooshSource(index_dir)
    view = source.current()
    before = [view.count(Word(w)) for w in ("Kazakhstan", "camps", "court")]
    assert _mapped_kb(index_dir) > 0  # the searches read the mapped segment files
    release_pages(view.searcher.reader())
    assert _mapped_kb(index_dir) == 0
    view._cache.clear()
    assert [view.count(Word(w)) for w in ("Kazakhstan", "camps", "court")] == before
    assert before[0] > 0
    assert source.current() is view and _mapped_kb(index_dir) == 0  # each request releases
