"""A term's postings read as numpy arrays, block by block.

Whoosh's matchers hand out one posting per Python call; the concept space reads every posting of
the archive (1.8 million at 20,000 articles took 10 s that way). The postings file already holds
them in blocks of ids and weights: read a block at a time, they cost a few Python calls per
hundred postings.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import wrappers
from whoosh.reading import IndexReader


def segment_postings(
    segment: IndexReader, field: str, btext: bytes
) -> tuple[np.ndarray, np.ndarray]:
    """Returns one segment's postings of a term: its document numbers in the segment (int64,
    ascending, deleted documents included) and their weights (float32: the term's frequency
    for the text fields)."""
    matcher = segment.postings(field, btext)
    if isinstance(matcher, wrappers.FilterMatcher):  # the segment's deletions: the caller's
        matcher = matcher.child
        matcher.reset()  # the filter moved it past the deleted documents it starts with
    if not isinstance(matcher, W3LeafMatcher):  # another codec: one posting at a time
        pairs = list(matcher.items_as("weight"))
        return (
            np.fromiter((d for d, _ in pairs), np.int64, len(pairs)),
            np.fromiter((w for _, w in pairs), np.float32, len(pairs)),
        )
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    while matcher.is_active():
        # The block's ids and weights as Whoosh decodes them for its own matching.
        matcher._read_ids()
        matcher._read_weights()
        ids.append(np.asarray(matcher._ids, dtype=np.int64))
        weights.append(np.asarray(matcher._weights, dtype=np.float32))
        matcher._next_block()
    if not ids:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    return np.concatenate(ids), np.concatenate(weights)


def field_postings(
    reader: IndexReader, field: str
) -> Iterator[tuple[bytes, np.ndarray, np.ndarray]]:
    """Yields (term, document numbers, weights) for every term of a field in every segment,
    the numbers the reader's own (segment offsets added), deleted documents included; a term
    comes once per segment that holds it."""
    for segment, offset in reader.leaf_readers():
        if field not in segment.schema:
            continue
        for btext in segment.lexicon(field):
            ids, weights = segment_postings(segment, field, btext)
            yield btext, ids + offset, weights
