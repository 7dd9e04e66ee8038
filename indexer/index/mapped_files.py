"""Segment files read in place from their memory map, not copied.

Whoosh maps a compound segment file and hands each of its parts (terms, postings, columns) to a
`BufferFile`, which wraps the part in `io.BytesIO`: that copies it. Every web worker then held a
private copy of every segment's terms and postings (at 20,000 articles, 110 MB a worker of its
460 MB), beside the mapped pages the copy was read from. `install()` makes a part a file-like
view over the map: the pages are shared by the workers and the system's page cache.

whoosh-reloaded is pinned exactly (pyproject.toml); tests/test_mapped_files.py checks the parts are
read this way.
"""

from __future__ import annotations

import contextlib
import io
import mmap
import os
from typing import Any

from whoosh.filedb import structfile


class MappedPart(io.RawIOBase):
    """A read-only file over a memoryview: reads copy only what they return."""

    def __init__(self, view: memoryview) -> None:
        super().__init__()
        self._view = view
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        start = self._position
        end = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        self._position = max(end, start)
        return bytes(self._view[start:end])

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(memoryview(buffer)))
        memoryview(buffer).cast("B")[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        start = self._position
        limit = len(self._view) if size is None or size < 0 else start + size
        end = start
        while end < limit and end < len(self._view):
            end += 1
            if self._view[end - 1] == 0x0A:
                break
        self._position = end
        return bytes(self._view[start:end])

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_CUR:
            offset += self._position
        elif whence == os.SEEK_END:
            offset += len(self._view)
        if offset < 0:
            raise ValueError(f"negative seek position {offset}")
        self._position = offset
        return offset

    def tell(self) -> int:
        return self._position


def _buffer_file_init(self: Any, buf: Any, name: Any = None, onclose: Any = None) -> None:
    # BufferFile.__init__ of whoosh-reloaded 2.7.5, with the view kept as a view.
    self._buf = buf
    self._name = name
    self.file = MappedPart(buf) if isinstance(buf, memoryview) else io.BytesIO(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def install() -> None:
    """Makes Whoosh read the parts of mapped segment files in place (once per process)."""
    structfile.BufferFile.__init__ = _buffer_file_init  # type: ignore[method-assign]


def release_pages(reader: Any, *arrays: Any) -> None:
    """Drops the pages of a reader's mapped segment files (and of memory-mapped numpy arrays)
    from this process's memory; the system's page cache keeps them, and the next read maps them
    again from there (a minor fault, no disk read).

    A worker that has searched for a while has mapped much of the index: at 200,000 articles
    its RSS counted 420 MB of such pages beside 210 MB of its own memory.
    """
    maps = []
    for segment, _ in reader.leaf_readers():
        storage = getattr(segment, "_storage", None)
        for part in (storage, getattr(storage, "a", None)):
            source = getattr(part, "_source", None)
            if isinstance(source, mmap.mmap):
                maps.append(source)
    maps += [m for m in (getattr(a, "_mmap", None) for a in arrays) if isinstance(m, mmap.mmap)]
    for mapped in maps:
        # Closed meanwhile, or a system without madvise: the pages then simply stay.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            mapped.madvise(mmap.MADV_DONTNEED)
