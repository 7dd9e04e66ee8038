"""One query word scored over several fields at once: BM25F proper.

Whoosh's `BM25F` scores each field on its own and adds the scores, so a word in the title and
the body saturates twice and counts nearly double. Real BM25F (Robertson, Zaragoza and Taylor,
2004) first adds the word's length-normalised frequencies over the fields, each field weighted,
and saturates that sum once:

    tf~ = sum over fields f of  w_f * tf_f / (1 - b_f + b_f * len_f / avglen_f)
    score = idf * tf~ * (k1 + 1) / (k1 + tf~)
    idf = ln(1 + (N - df + 0.5) / (df + 0.5))        (Lucene's, never negative)

`FieldsWord` is a Whoosh query over one word's terms in each field (its leaves stay plain
`Term`s, so highlighting and term listing see them); its matcher walks their postings together.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from whoosh import matching, scoring
from whoosh import query as wq
from whoosh.searching import Searcher

from search.ranking import RankingConfig


def bm25_idf(doc_count: int, doc_frequency: int) -> float:
    """Returns Lucene's BM25 idf: positive even for a word in every document."""
    return math.log(1.0 + (doc_count - doc_frequency + 0.5) / (doc_frequency + 0.5))


class FieldsWord(wq.CompoundQuery):
    """A word's terms in several fields, matched as one and scored by BM25F.

    The subqueries are `Term`s of one analysed word (title:kinas, body:kinas, caption:kinas);
    each term's boost is its field's weight, `field_b` gives each field's length normalisation
    (`b` for fields not in it), `k1` the saturation.
    """

    JOINT = " | "

    def __init__(
        self,
        subqueries: list[wq.Query],
        boost: float = 1.0,
        *,
        field_b: Mapping[str, float] | None = None,
        b: float = 0.75,
        k1: float = 1.2,
    ) -> None:
        super().__init__(subqueries, boost=boost)
        self.field_b = dict(field_b or {})
        self.b = b
        self.k1 = k1

    def _model(self) -> dict[str, Any]:
        return {"field_b": self.field_b, "b": self.b, "k1": self.k1}

    def __unicode__(self) -> str:
        return "(" + self.JOINT.join(str(s) for s in self.subqueries) + ")"

    __str__ = __unicode__

    def __hash__(self) -> int:
        return super().__hash__() ^ hash(self.k1)

    def apply(self, fn: Any) -> FieldsWord:
        return FieldsWord([fn(q) for q in self.subqueries], boost=self.boost, **self._model())

    def normalize(self) -> wq.Query:
        # Kept whole even with one field: the score must stay BM25F's, not Whoosh's per field.
        terms = [q for q in (s.normalize() for s in self.subqueries) if q is not wq.NullQuery]
        if not terms:
            return wq.NullQuery
        return FieldsWord(terms, boost=self.boost, **self._model())

    def simplify(self, ixreader: Any) -> wq.Query:
        return self

    def requires(self) -> set[wq.Query]:
        return set()

    def estimate_size(self, ixreader: Any) -> int:
        return sum(q.estimate_size(ixreader) for q in self.subqueries)

    def matcher(self, searcher: Searcher, context: Any = None) -> Any:
        parent = searcher.get_parent()
        reader = searcher.reader()
        parts = []
        doc_frequency = 0
        for term in self.subqueries:
            if not isinstance(term, wq.Term) or term.fieldname not in searcher.schema:
                continue
            field = searcher.schema[term.fieldname]
            try:
                btext = field.to_bytes(term.text)
            except ValueError:
                continue
            doc_frequency = max(doc_frequency, parent.doc_frequency(term.fieldname, btext))
            if (term.fieldname, btext) not in reader:
                continue
            postings = reader.postings(term.fieldname, btext)
            average = parent.avg_field_length(term.fieldname) or 1.0
            b = self.field_b.get(term.fieldname, self.b)
            parts.append(_Part(postings, term.fieldname, term.boost, b, average))
        if not parts:
            return matching.NullMatcher()
        idf = bm25_idf(parent.doc_count_all(), doc_frequency)
        return FieldsMatcher(parts, reader, idf * self.boost, self.k1)


@dataclass(slots=True)
class _Part:
    """One field's postings of the word, and how that field counts."""

    postings: Any
    fieldname: str
    weight: float
    b: float
    average_length: float

    def copy(self) -> _Part:
        return _Part(self.postings.copy(), self.fieldname, self.weight, self.b, self.average_length)

    def frequency(self, reader: Any, docnum: int) -> float:
        """Returns the part's length-normalised term frequency in the current document."""
        length = reader.doc_field_length(docnum, self.fieldname, 0)
        norm = 1.0 - self.b + self.b * length / self.average_length
        return self.postings.weight() / norm


class FieldsMatcher(matching.Matcher):
    """The union of one word's postings in several fields, scored by BM25F."""

    def __init__(self, parts: list[_Part], reader: Any, idf: float, k1: float) -> None:
        self._all = parts
        self._parts = [p for p in parts if p.postings.is_active()]
        self._reader = reader
        self._idf = idf
        self._k1 = k1
        self._id = min((p.postings.id() for p in self._parts), default=-1)

    def __repr__(self) -> str:
        return f"FieldsMatcher({[p.fieldname for p in self._all]})"

    def _settle(self) -> None:
        self._parts = [p for p in self._parts if p.postings.is_active()]
        self._id = min((p.postings.id() for p in self._parts), default=-1)

    def is_active(self) -> bool:
        return bool(self._parts)

    def reset(self) -> None:
        for part in self._all:
            part.postings.reset()
        self._parts = list(self._all)
        self._settle()

    def copy(self) -> FieldsMatcher:
        return FieldsMatcher([p.copy() for p in self._all], self._reader, self._idf, self._k1)

    def children(self) -> list[Any]:
        return [p.postings for p in self._parts]

    def term_matchers(self) -> Iterator[Any]:
        for part in self._parts:
            yield from part.postings.term_matchers()

    def id(self) -> int:
        return self._id

    def next(self) -> bool:
        current = self._id
        for part in self._parts:
            if part.postings.id() == current:
                part.postings.next()
        self._settle()
        return False

    def skip_to(self, target: int) -> bool:
        if not self.is_active() or target <= self._id:
            return False
        for part in self._parts:
            if part.postings.id() < target:
                part.postings.skip_to(target)
        self._settle()
        return False

    def supports(self, astype: str) -> bool:
        return False

    def max_quality(self) -> float:
        # The saturation tf~ (k1 + 1) / (k1 + tf~) stays below k1 + 1: a bound for the Whoosh
        # matchers (AndMaybe, for "+word other") that ask before they skip.
        return self._idf * (self._k1 + 1.0)

    def weight(self) -> float:
        return sum(p.postings.weight() for p in self._parts if p.postings.id() == self._id)

    def score(self) -> float:
        docnum = self._id
        frequency = sum(
            p.weight * p.frequency(self._reader, docnum)
            for p in self._parts
            if p.postings.id() == docnum
        )
        return self._idf * frequency * (self._k1 + 1.0) / (self._k1 + frequency)


class LuceneIdfBM25F(scoring.BM25F):
    """Whoosh's per-field BM25 for the query forms FieldsWord does not cover (phrases, prefixes,
    fuzzy words, field queries), with the same idf as FieldsWord so that their scores add up on
    one scale."""

    def idf(self, searcher, fieldname, text):  # type: ignore[no-untyped-def]
        parent = searcher.get_parent()
        return bm25_idf(parent.doc_count_all(), parent.doc_frequency(fieldname, text))


def weighting(config: RankingConfig) -> scoring.WeightingModel:
    """Returns the weighting model a searcher uses under a ranking configuration."""
    field_b = {f"{name}_B": value for name, value in config.field_b.items()}
    return LuceneIdfBM25F(B=config.b, K1=config.k1, **field_b)


def word_query(terms: list[wq.Query], config: RankingConfig) -> wq.Query:
    """Returns one query word's field terms (their boosts the field weights) as one BM25F word."""
    return FieldsWord(terms, field_b=config.field_b, b=config.b, k1=config.k1)
