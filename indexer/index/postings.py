"""A term's postings read as numpy arrays, block by block: the scoring of queries
(search/backends/whoosh_scoring.py) and the concept space's matrix read them this way.

Whoosh's matchers hand out one posting per Python call; the concept space reads every posting of
the archive (1.8 million at 20,000 articles took 10 s that way), and a broad query word hundreds
of thousands. The postings file already holds them in blocks of ids and weights: read a block
at a time, they cost a few Python calls per hundred postings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import FilterMatcher
from whoosh.reading import IndexReader


@dataclass(frozen=True, slots=True)
class SegmentPostings:
    """One term's postings in one segment: document numbers within it, and frequencies; and
    where its blocks are in the postings file (a phrase reads positions from some of them)."""

    docs: npt.NDArray[np.int32]
    weights: npt.NDArray[np.float32]
    # Per block: its first posting's index, its data's offset and length, its compression;
    # None when the postings are not in W3 blocks.
    blocks: npt.NDArray[np.int64] | None = None


def leaf_matcher(segment: IndexReader, fieldname: str, btext: bytes) -> Any:
    """Returns a term's matcher in a segment at its first posting, deleted documents included."""
    matcher = segment.postings(fieldname, btext)
    if isinstance(matcher, FilterMatcher):  # the segment's deletions: left out later
        matcher = matcher.child
        matcher.reset()  # the filter moved it past the deleted documents it starts with
    return matcher


def read_segment_postings(segment: IndexReader, fieldname: str, btext: bytes) -> SegmentPostings:
    """Returns a term's postings in a segment, deleted documents included, block by block."""
    matcher = leaf_matcher(segment, fieldname, btext)
    if type(matcher) is W3LeafMatcher:
        ids: list[Any] = []
        weights: list[Any] = []
        blocks: list[tuple[int, int, int, int]] = []
        first = 0
        while True:
            # One block: a pickled tuple of delta-coded ids, weights (None: all 1, a float: all
            # that) and values (positions, read by phrases only).
            matcher._read_data()
            deltas, block_weights, _values = matcher._data
            count = matcher._blocklength
            offset = matcher._dataoffset
            blocks.append((first, offset, matcher._nextoffset - offset, matcher._compression))
            first += count
            ids.append(np.cumsum(np.asarray(deltas, dtype=np.int64)))
            if block_weights is None:
                weights.append(np.ones(count, dtype=np.float32))
            elif isinstance(block_weights, float):
                weights.append(np.full(count, block_weights, dtype=np.float32))
            else:
                weights.append(np.asarray(block_weights, dtype=np.float32))
            if matcher._lastblock:
                break
            matcher._goto(matcher._nextoffset)
        return SegmentPostings(
            np.concatenate(ids).astype(np.int32),
            np.concatenate(weights).astype(np.float32),
            np.asarray(blocks, dtype=np.int64),
        )
    # Any other matcher (postings inlined in the term info): walked posting by posting.
    docs, freqs = [], []
    while matcher.is_active():
        docs.append(matcher.id())
        freqs.append(matcher.weight())
        matcher.next()
    return SegmentPostings(np.asarray(docs, dtype=np.int32), np.asarray(freqs, dtype=np.float32))


def field_postings(
    reader: IndexReader, field: str
) -> Iterator[tuple[bytes, npt.NDArray[np.int64], npt.NDArray[np.float32]]]:
    """Yields (term, document numbers, weights) for every term of a field in every segment,
    the numbers the reader's own (segment offsets added), deleted documents included; a term
    comes once per segment that holds it."""
    for segment, offset in reader.leaf_readers():
        if field not in segment.schema:
            continue
        for btext in segment.lexicon(field):
            postings = read_segment_postings(segment, field, btext)
            yield btext, postings.docs.astype(np.int64) + offset, postings.weights
