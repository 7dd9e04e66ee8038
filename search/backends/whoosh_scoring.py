"""A compiled Whoosh query scored over whole posting lists with numpy: Whoosh's own scores,
without a Python call per document and field.

Whoosh scores a match by walking matchers document by document; for a broad query on a large
archive that walk (FieldsMatcher's BM25F: a field length and some arithmetic per document and
field) was two thirds of the query. Here each term's postings are read once as arrays (document
numbers and frequencies, per segment, kept in a bounded cache: segments never change), each
field's lengths are one array per index generation, and the query tree is evaluated bottom up:

- `FieldsWord` (whoosh_bm25f.py): tf~ = sum over fields of w_f * tf_f / (1 - b_f + b_f * len_f /
  avglen_f), score = idf * tf~ * (k1 + 1) / (k1 + tf~), with FieldsMatcher's idf and averages;
- `Term`: `LuceneIdfBM25F`'s per-field BM25 (Whoosh's `bm25()`), times the term's boost;
- `And`: the documents every part matches, their scores added; `Or`: those any part matches,
  the scores of the parts that match added; `AndMaybe`: the first part's documents, plus the
  second's score where it matches too; `AndNot`: the first part's documents the second does
  not match, with the first's scores; `Every`: every document, score 1 (its boost);
- `Phrase`: its words' BM25 scores added (Whoosh's SpanNear2), in the documents where they stand
  at consecutive positions (read for the documents holding every word only);
- anything else is searched by Whoosh on its own and its (document, score) pairs join the
  arrays.

Each operation is done in the order Whoosh does it, so a word's score is the same to the last
bit; sums of several parts may differ from Whoosh's in the last bits (Whoosh adds them in the
order of a tree weighted by posting counts). Deleted documents stay in the postings and are
left out once, at the end (every operation decides a document on its own postings alone).
tests/test_scoring.py compares the arrays with Whoosh's own search, query form by query form.
"""

from __future__ import annotations

import itertools
import pickle
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.columns import FixedBytesColumn
from whoosh.reading import IndexReader
from whoosh.scoring import BM25FScorer
from whoosh.searching import Searcher
from whoosh.util.numeric import _length_byte_cache

from indexer.index.postings import SegmentPostings, leaf_matcher, read_segment_postings
from search.backends.whoosh_bm25f import FieldsWord, bm25_idf

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Whoosh's decoded field lengths, by the byte it stores for each document and field.
_BYTE_LENGTHS = np.asarray(_length_byte_cache, dtype=np.float64)
# The postings cache holds at most this many postings (8 bytes each: 64 MB), least recently
# used dropped first.
MAX_CACHED_POSTINGS = 8_000_000


@dataclass(frozen=True, slots=True)
class Scored:
    """Documents a query matches (ascending, distinct) and the score of each."""

    docs: IntArray
    scores: FloatArray

    @classmethod
    def empty(cls) -> Scored:
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))

    def __len__(self) -> int:
        return len(self.docs)

    def boosted(self, boost: float) -> Scored:
        """Returns the scores times a boost (Whoosh's WrappingMatcher)."""
        return self if boost == 1.0 else Scored(self.docs, self.scores * boost)


class PostingsCache:
    """Segment postings, least recently used dropped first beyond a number of postings.

    Keyed by segment id, field and term: a segment never changes once written (deletions are
    kept apart from it), so its postings serve every generation that still has it.
    """

    def __init__(self, max_postings: int = MAX_CACHED_POSTINGS) -> None:
        self.max_postings = max_postings
        self._entries: OrderedDict[tuple[str, str, bytes], SegmentPostings] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, bytes]) -> SegmentPostings | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple[str, str, bytes], postings: SegmentPostings) -> None:
        with self._lock:
            if key in self._entries or len(postings.docs) > self.max_postings:
                return
            self._entries[key] = postings
            self._size += len(postings.docs)
            while self._size > self.max_postings:
                _key, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped.docs)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


POSTINGS = PostingsCache()


def _segment_positions(
    segment: IndexReader,
    fieldname: str,
    btext: bytes,
    postings: SegmentPostings,
    wanted: IntArray,
) -> tuple[IntArray, IntArray]:
    """Returns a term's positions in some of the documents holding it in a segment (numbers
    within it, ascending): a document number and a position for each occurrence. Only the
    blocks holding them are read, found from the postings' block extents."""
    matcher = leaf_matcher(segment, fieldname, btext)
    if postings.blocks is None or type(matcher) is not W3LeafMatcher:
        return _walked_positions(matcher, wanted)
    index = np.searchsorted(postings.docs, wanted)
    held = index < len(postings.docs)
    held[held] = postings.docs[index[held]] == wanted[held]
    index = index[held]
    block_of = np.searchsorted(postings.blocks[:, 0], index, side="right") - 1
    docs: list[IntArray] = []
    positions: list[IntArray] = []
    postfile, decode = matcher._postfile, matcher.format.decode_positions
    bounds = np.flatnonzero(np.diff(block_of, prepend=-1, append=len(postings.blocks) + 1))
    for start, stop in itertools.pairwise(bounds.tolist()):
        first, offset, length, compression = postings.blocks[block_of[start]].tolist()
        data = postfile.get(offset, length)
        _deltas, _weights, values = pickle.loads(zlib.decompress(data) if compression else data)
        picked = index[start:stop] - first
        found = _position_lists([values[k] for k in picked.tolist()], decode)
        counts = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
        docs.append(np.repeat(postings.docs[index[start:stop]].astype(np.int64), counts))
        positions.append(_cumulated(found, counts))
    if not docs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(docs), np.concatenate(positions)


def _walked_positions(matcher: Any, wanted: IntArray) -> tuple[IntArray, IntArray]:
    """Returns a term's positions in some documents, its matcher walked posting by posting."""
    wanted_set = set(wanted.tolist())
    docs: list[IntArray] = []
    positions: list[IntArray] = []
    while matcher.is_active():
        if matcher.id() in wanted_set:
            found = matcher.value_as("positions")
            docs.append(np.full(len(found), matcher.id(), dtype=np.int64))
            positions.append(np.asarray(found, dtype=np.int64))
        matcher.next()
    if not docs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(docs), np.concatenate(positions)


# Whoosh's Positions format stores a posting's positions as a 4-byte count, then a protocol 2
# pickle of the list of their deltas (its final STOP sometimes left off).
_PICKLE_2 = b"\x80\x02"
_COUNT_BYTES = 4


def _position_lists(values: list[bytes], decode: Callable[[bytes], list[int]]) -> list[list[int]]:
    """Returns the position deltas of postings' values, unpickled in one call: their pickles'
    bodies inside one list (what calling Whoosh's decoder on each took, one pickle per posting,
    was most of a phrase of common words)."""
    bodies = []
    for value in values:
        body = value[_COUNT_BYTES:]
        if not body.startswith(_PICKLE_2):
            break
        # A list's pickle ends in APPEND(S) or its memo index, so a final "." is its STOP.
        bodies.append(body[2:-1] if body.endswith(b".") else body[2:])
    else:
        try:
            lists = pickle.loads(_PICKLE_2 + b"](" + b"".join(bodies) + b"e.")
        except pickle.UnpicklingError:
            lists = None
        if isinstance(lists, list) and len(lists) == len(values):
            return lists
    # Otherwise as Whoosh decodes them (positions, not deltas: turned back into deltas).
    decoded = [decode(value) for value in values]
    return [[p - q for p, q in zip(d, [0, *d[:-1]], strict=True)] for d in decoded]


def _cumulated(deltas: list[list[int]], counts: IntArray) -> IntArray:
    """Returns the positions of each list of deltas (each list summed from 0), one array."""
    flat = np.fromiter(
        itertools.chain.from_iterable(deltas), dtype=np.int64, count=int(counts.sum())
    )
    sums = np.cumsum(flat)
    ends = np.cumsum(counts)
    before = np.zeros(len(counts), dtype=np.int64)
    before[1:] = sums[ends[:-1] - 1] if len(sums) else 0
    return sums - np.repeat(before, counts)


def _segment_lengths(segment: IndexReader, fieldname: str) -> FloatArray:
    """Returns the decoded length of a field in every document of a segment, as
    `doc_field_length` returns it (0 where the document has none)."""
    count = segment.doc_count_all()
    perdoc = getattr(segment, "_perdoc", None)
    column = None
    if perdoc is not None and hasattr(perdoc, "_cached_reader"):
        column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return np.zeros(count, dtype=np.float64)
    if isinstance(column, FixedBytesColumn.Reader) and column._fixedlen == 1:
        stored = min(column._count, count)
        raw = np.frombuffer(column._dbfile.get(column._basepos, stored), dtype=np.uint8)
        codes = np.zeros(count, dtype=np.uint8)
        codes[:stored] = raw
        return _BYTE_LENGTHS[codes]
    lengths = (segment.doc_field_length(d, fieldname, 0) for d in range(count))
    return np.fromiter((n or 0 for n in lengths), dtype=np.float64, count=count)


class ScoringIndex:
    """One generation of the index as scoring needs it: its segments, field lengths, postings.

    Lengths are read once per field and generation; postings through the shared cache.
    """

    def __init__(
        self,
        searcher: Searcher,
        live: BoolArray | None = None,
        postings_cache: PostingsCache = POSTINGS,
    ) -> None:
        """Args:
        searcher: the generation's searcher (its weighting LuceneIdfBM25F).
        live: True for each document not deleted (computed from the reader when None).
        postings_cache: where segment postings are kept.
        """
        self.searcher = searcher
        self.reader = searcher.reader()
        self.doc_count: int = self.reader.doc_count_all()
        self.leaves: list[tuple[IndexReader, int]] = list(self.reader.leaf_readers())
        self.live = _live_mask(self.reader, self.doc_count) if live is None else live
        self.has_deletions = not bool(self.live.all())
        self.postings_cache = postings_cache
        self._lengths: dict[str, FloatArray] = {}
        self._lock = threading.Lock()

    def lengths(self, fieldname: str) -> FloatArray:
        """Returns every document's decoded length of a field (one array per generation)."""
        found = self._lengths.get(fieldname)
        if found is None:
            parts = [_segment_lengths(segment, fieldname) for segment, _base in self.leaves]
            found = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float64)
            self._lengths[fieldname] = found
        return found

    def positions(self, fieldname: str, btext: bytes, docs: IntArray) -> tuple[IntArray, IntArray]:
        """Returns a term's positions in some documents (ascending numbers): a document number
        and a position for each occurrence. Read from the postings file, not kept."""
        found_docs, found_positions = [], []
        for segment, base in self.leaves:
            local = docs[(docs >= base) & (docs < base + segment.doc_count_all())] - base
            if not len(local) or (fieldname, btext) not in segment:
                continue
            postings = self._segment_postings(segment, fieldname, btext)
            with self._lock:
                seg_docs, seg_positions = _segment_positions(
                    segment, fieldname, btext, postings, local
                )
            found_docs.append(seg_docs + base)
            found_positions.append(seg_positions)
        if not found_docs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(found_docs), np.concatenate(found_positions)

    def _segment_postings(
        self, segment: IndexReader, fieldname: str, btext: bytes
    ) -> SegmentPostings:
        key = (segment.segment().segment_id(), fieldname, btext)
        found = self.postings_cache.get(key)
        if found is None:
            with self._lock:  # a segment's postings file is read by seeking
                found = read_segment_postings(segment, fieldname, btext)
            self.postings_cache.put(key, found)
        return found

    def postings(self, fieldname: str, btext: bytes) -> tuple[IntArray, FloatArray]:
        """Returns a term's postings over the whole index: document numbers (ascending,
        deleted ones included) and the term's frequency in each."""
        docs_parts, weight_parts = [], []
        for segment, base in self.leaves:
            if (fieldname, btext) not in segment:
                continue
            found = self._segment_postings(segment, fieldname, btext)
            docs_parts.append(found.docs.astype(np.int64) + base)
            weight_parts.append(found.weights.astype(np.float64))
        if not docs_parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        if len(docs_parts) == 1:
            return docs_parts[0], weight_parts[0]
        return np.concatenate(docs_parts), np.concatenate(weight_parts)


def score_query(query: wq.Query, index: ScoringIndex) -> Scored:
    """Returns the live documents a compiled query matches and Whoosh's score for each.

    Args:
        query: a Whoosh query as `whoosh_query.compile_query` makes it (any other query is
            searched by Whoosh, whole or the parts this module does not evaluate).
        index: the generation to score in; its searcher's weighting must be
            `whoosh_bm25f.weighting(...)` (LuceneIdfBM25F), as the backend opens it.

    Returns:
        The matching documents, ascending, deleted ones left out, and their scores.
    """
    scored = _Evaluation(index).run(query)
    if index.has_deletions and len(scored):
        keep = index.live[scored.docs]
        scored = Scored(scored.docs[keep], scored.scores[keep])
    return scored


def _live_mask(reader: IndexReader, doc_count: int) -> BoolArray:
    live = np.ones(doc_count, dtype=np.bool_)
    if reader.has_deletions():
        live[:] = False
        live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
    return live


class _Evaluation:
    """One query's evaluation: the tree walked bottom up, each node to a Scored."""

    def __init__(self, index: ScoringIndex) -> None:
        self.index = index
        self.searcher = index.searcher
        self.schema = index.searcher.schema
        self.weighting = index.searcher.weighting

    def run(self, query: wq.Query) -> Scored:
        kind = type(query)
        if kind is FieldsWord:
            return self._fields_word(query)
        if kind is wq.Term:
            return self._term(query)
        if kind in (wq.And, wq.Or):
            return self._compound(query)
        if kind is wq.AndMaybe:
            return _and_maybe(self.run(query.a), self.run(query.b))
        if kind is wq.AndNot:
            return _and_not(self.run(query.a), self.run(query.b))
        if kind is wq.Every and query.fieldname in (None, "", "*"):
            count = self.index.doc_count
            return Scored(np.arange(count, dtype=np.int64), np.full(count, float(query.boost)))
        if kind is wq.Phrase and query.slop == 1:
            return self._phrase(query)
        if query is wq.NullQuery:
            return Scored.empty()
        return self._by_whoosh(query)

    def _by_whoosh(self, query: wq.Query) -> Scored:
        """Returns what Whoosh's own search finds for a query it alone evaluates."""
        top = self.searcher.search(query, limit=None).top_n
        if not top:
            return Scored.empty()
        docs = np.fromiter((d for _s, d in top), dtype=np.int64, count=len(top))
        scores = np.fromiter((s for s, _d in top), dtype=np.float64, count=len(top))
        order = np.argsort(docs, kind="stable")
        return Scored(docs[order], scores[order])

    def _compound(self, query: wq.CompoundQuery) -> Scored:
        subs = query.subqueries
        if isinstance(query, wq.Or) and (query.scale or query.minmatch):
            return self._by_whoosh(query)  # a coordination bonus: not evaluated here
        if not subs:
            return Scored.empty()
        if len(subs) == 1:
            return self.run(subs[0])  # Whoosh drops the compound's boost with one part
        parts = [self.run(q) for q in subs]
        count = self.index.doc_count
        combined = _and(parts, count) if isinstance(query, wq.And) else _or(parts, count)
        return combined.boosted(query.boost)

    def _btext(self, term: wq.Term) -> bytes | None:
        if term.fieldname not in self.schema:
            return None
        try:
            btext = self.schema[term.fieldname].to_bytes(term.text)
        except ValueError:
            return None
        return btext if isinstance(btext, bytes) else btext.encode("utf-8")

    def _term(self, term: wq.Term) -> Scored:
        """Returns a term's documents scored as LuceneIdfBM25F scores them (Whoosh's bm25())."""
        btext = self._btext(term)
        if btext is None:
            return Scored.empty()
        docs, tf = self.index.postings(term.fieldname, btext)
        if not len(docs):
            return Scored.empty()
        fieldname = term.fieldname
        if not self.schema[fieldname].scorable:  # Whoosh's WeightScorer: the frequency
            scores = tf
        else:
            scorer = self.weighting.scorer(self.searcher, fieldname, btext)
            if not isinstance(scorer, BM25FScorer):  # another weighting: Whoosh scores it
                return self._by_whoosh(term)
            idf, avgfl, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
            length = self.index.lengths(fieldname)[docs]
            # Whoosh's bm25(idf, tf, fl, avgfl, B, K1), operation for operation.
            scores = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * length / avgfl)))
        if term.boost != 1.0:
            scores = scores * term.boost
        return Scored(docs, scores)

    def _fields_word(self, word: FieldsWord) -> Scored:
        """Returns a word's documents scored by BM25F over its fields, as FieldsMatcher does."""
        parent = self.searcher
        doc_frequency = 0
        parts: list[tuple[IntArray, FloatArray]] = []
        for term in word.subqueries:
            if not isinstance(term, wq.Term):
                continue
            btext = self._btext(term)
            if btext is None:
                continue
            doc_frequency = max(doc_frequency, parent.doc_frequency(term.fieldname, btext))
            docs, tf = self.index.postings(term.fieldname, btext)
            if not len(docs):
                continue
            average = parent.avg_field_length(term.fieldname) or 1.0
            b = word.field_b.get(term.fieldname, word.b)
            length = self.index.lengths(term.fieldname)[docs]
            norm = 1.0 - b + b * length / average
            parts.append((docs, term.boost * (tf / norm)))
        if not parts:
            return Scored.empty()
        idf = bm25_idf(parent.doc_count_all(), doc_frequency) * word.boost
        k1 = word.k1
        # Added field by field, in the order of the word's terms, as FieldsMatcher's sum() adds.
        docs, frequency = _added(parts, self.index.doc_count)
        return Scored(docs, idf * frequency * (k1 + 1.0) / (k1 + frequency))

    def _phrase(self, phrase: wq.Phrase) -> Scored:
        """Returns a phrase's documents scored as Whoosh's SpanNear2 scores them: its words'
        BM25 scores added (in Whoosh's binary tree), times the phrase's boost, where the words
        stand at consecutive positions."""
        fieldname = phrase.fieldname
        if fieldname not in self.schema:
            return Scored.empty()
        field_format = self.schema[fieldname].format
        if not field_format or not field_format.supports("positions"):
            return self._by_whoosh(phrase)  # Whoosh raises its own error
        terms = [wq.Term(fieldname, word) for word in phrase.words]
        btexts = [self._btext(term) for term in terms]
        if not terms or None in btexts:
            return Scored.empty()
        words = [self._term(term) for term in terms]
        count = self.index.doc_count
        # Each word's score, added as SpanNear2's tree of intersections adds them.
        candidates = _tree(lambda pair: _and(pair, count), words)
        if self.index.has_deletions:
            kept = self.index.live[candidates.docs]
            candidates = Scored(candidates.docs[kept], candidates.scores[kept])
        if not len(candidates):
            return candidates
        # Word k at position p + k: keys (document, p) that every word shares. The rarest
        # words first (their postings have the fewest blocks to read); from the second word on,
        # only the documents where the words read so far stand in order are read further.
        shared: IntArray | None = None
        wanted = candidates.docs
        for offset in sorted(range(len(btexts)), key=lambda k: len(words[k])):
            btext = btexts[offset]
            assert btext is not None
            docs, positions = self.index.positions(fieldname, btext, wanted)
            keys = (docs << 32) + (positions - offset + len(btexts))
            if shared is not None:
                shared = np.intersect1d(shared, keys, assume_unique=True)
                wanted = np.unique(shared >> 32)
                if not len(wanted):
                    break
            else:
                shared = keys
        matched = np.isin(candidates.docs, wanted, assume_unique=True)
        found = Scored(candidates.docs[matched], candidates.scores[matched])
        return found.boosted(phrase.boost)


def _tree(combine: Callable[[list[Scored]], Scored], parts: list[Scored]) -> Scored:
    """Returns the parts combined pairwise in Whoosh's binary tree (make_binary_tree)."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    return combine([_tree(combine, parts[:half]), _tree(combine, parts[half:])])


def _and(parts: list[Scored], doc_count: int) -> Scored:
    """Returns the documents every part matches, their parts' scores added (from the smallest
    part: the fewest lookups)."""
    ordered = sorted(parts, key=len)
    docs, scores = ordered[0].docs, ordered[0].scores
    for part in ordered[1:]:
        if not len(docs) or not len(part):
            return Scored.empty()
        if len(docs) * 16 < len(part):
            # A few documents looked up among many: binary search.
            position = np.searchsorted(part.docs, docs)
            position[position == len(part.docs)] = 0
            found = part.docs[position] == docs
        else:
            # Comparable sizes: each document's slot in the part, over every document number.
            slot = np.full(doc_count, -1, dtype=np.int64)
            slot[part.docs] = np.arange(len(part.docs))
            position = slot[docs]
            found = position >= 0
        docs = docs[found]
        scores = scores[found] + part.scores[position[found]]
    return Scored(docs, scores)


def _or(parts: list[Scored], doc_count: int) -> Scored:
    """Returns the documents any part matches, the scores of the parts matching added."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return Scored.empty()
    docs, scores = _added([(p.docs, p.scores) for p in parts], doc_count)
    return Scored(docs, scores)


def _added(parts: list[tuple[IntArray, FloatArray]], doc_count: int) -> tuple[IntArray, FloatArray]:
    """Returns the documents of any part (ascending) and, for each, the values of the parts
    holding it added in the parts' order (0 + first + second ...: what sum() does)."""
    if len(parts) == 1:
        return parts[0]
    if sum(len(docs) for docs, _values in parts) * 8 < doc_count:
        # Few: each document's slot among the distinct ones, from one stable sort.
        all_docs = np.concatenate([docs for docs, _values in parts])
        all_values = np.concatenate([values for _docs, values in parts])
        order = np.argsort(all_docs, kind="stable")
        ordered = all_docs[order]
        first = np.empty(len(ordered), dtype=np.bool_)
        first[:1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
        slots = np.empty(len(ordered), dtype=np.int64)
        slots[order] = np.cumsum(first) - 1
        return ordered[first], _sums(slots, all_values, int(np.count_nonzero(first)))
    # Many: added over every document number, part after part, then the matched ones kept.
    added = np.zeros(doc_count, dtype=np.float64)
    matched = np.zeros(doc_count, dtype=np.bool_)
    for docs, values in parts:  # a part's documents are distinct: += adds each once
        added[docs] += values
        matched[docs] = True
    found = np.flatnonzero(matched)
    return found, added[found]


def _sums(slots: IntArray, values: FloatArray, size: int) -> FloatArray:
    """Returns the values added up by slot, in the order given (np.bincount's)."""
    return np.asarray(np.bincount(slots, weights=values, minlength=size), dtype=np.float64)


def _and_maybe(required: Scored, optional: Scored) -> Scored:
    """Returns the required part's documents, the optional part's score added where it
    matches too."""
    if not len(required) or not len(optional):
        return required
    position = np.searchsorted(optional.docs, required.docs)
    position[position == len(optional.docs)] = 0
    found = optional.docs[position] == required.docs
    scores = required.scores.copy()
    scores[found] += optional.scores[position[found]]
    return Scored(required.docs, scores)


def _and_not(positive: Scored, excluded: Scored) -> Scored:
    """Returns the positive part's documents the excluded part does not match."""
    if not len(positive) or not len(excluded):
        return positive
    keep = ~np.isin(positive.docs, excluded.docs, assume_unique=True)
    return Scored(positive.docs[keep], positive.scores[keep])
