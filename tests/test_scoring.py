"""Scores from arrays of postings (search/backends/whoosh_scoring.py) against Whoosh's own search:
for every query form, on indexes our build made, the same documents with the same scores, ranked
in the same order (equal scores by document number, as Whoosh's collector ranks them)."""

from __future__ import annotations

import json
import pickle
import re
import shutil
import struct
from collections.abc import Sequence
from pathlib import Path
from random import Random
from typing import Any

import numpy as np
import pytest
from whoosh import query as wq
from whoosh.formats import Positions
from whoosh.matching import AndNotMatcher, FilterMatcher
from whoosh.searching import Searcher

from indexer.index.schema import from_stored
from indexer.index.update import build_index
from search.backend import Filters, Retrieval
from search.backends.whoosh import WhooshBackend, WhooshSource, _most_counted
from search.backends.whoosh_scoring import (
    ScoringIndex,
    _cumulated,
    _position_lists,
    score_query,
)
from search.query import Match, parse_user_query
from search.ranking import RankingConfig
from search.rerank import rerank
from tests.paths import CORPUS

# Scores may differ from Whoosh's in the last bits where several parts are added (Whoosh adds
# them in the order of a tree it weighs by posting counts).
RELATIVE = 1e-9
NO_RERANK = RankingConfig(concept_weight=0.0)

# A made-up archive: news words drawn with Zipf-like weights (the first in most articles, with
# postings of several blocks; the last in a few), names in two spellings, a few rare words.
WORDS = (
    "court government minister police protest activist prison election parliament president "
    "journalist report official statement lawyer hearing trial sentence region border security "
    "military economy market bank oil price energy company investment agreement talks country "
    "city village family people children women workers students teachers doctors hospital "
    "school university church mosque television newspaper radio internet website blogger video "
    "photo interview meeting conference summit visit delegation embassy ambassador refugees "
    "migrants camp detention torture rights freedom speech religion law decree constitution "
    "referendum vote campaign party opposition leader member council committee budget tax "
    "salary pension inflation currency export import grain gas pipeline railway road airport "
    "flight weather flood drought earthquake fire accident victims relatives memorial "
    "anniversary history culture music film festival football match team coach player"
).split()
RARE = "glacier saffron tungsten marmot zeppelin quartz lagoon".split()
NAMES = (
    "Serikzhan Bilash",
    "Serikjan Bilashuly",
    "Lev Ponomaryov",
    "Lev Ponomarev",
    "Nursultan Nazarbayev",
    "Nursultan Nazarbaev",
    "Aigerim Tazhi",
)
_WEIGHTS = [1.0 / (rank + 1) ** 0.9 for rank in range(len(WORDS))]


def _sentence(rng: Random) -> str:
    words = rng.choices(WORDS, weights=_WEIGHTS, k=rng.randint(7, 14))
    if rng.random() < 0.05:
        words.insert(rng.randrange(len(words)), rng.choice(RARE))
    if rng.random() < 0.2:
        words.insert(rng.randrange(len(words)), rng.choice(NAMES))
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _records(rng: Random, first: int, count: int) -> list[dict[str, str]]:
    records = []
    for number in range(first, first + count):
        paragraphs = [
            " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))
            for _ in range(rng.randint(2, 4))
        ]
        title = _sentence(rng)[:-1]
        record = {"id": f"made-{number}", "title": title, "body": "\n\n".join(paragraphs)}
        if rng.random() < 0.8:  # the rest undated; many share a day
            record["published"] = f"2024-{rng.randint(1, 4):02d}-{rng.randint(1, 3):02d}"
        records.append(record)
    return records


def _write(path: Path, records: Sequence[dict[str, str]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Returns an index of the sample corpus and 420 made-up articles, updated twice: a second
    segment of 80 more, then an edited article and a removed page (deleted documents kept in
    their segments)."""
    work = tmp_path_factory.mktemp("scoring")
    corpus, index = work / "corpus", work / "index"
    shutil.copytree(CORPUS, corpus)
    rng = Random(13)
    first = _records(rng, 0, 420)
    _write(corpus / "archive.jsonl", first)
    build_index(corpus, index)
    _write(corpus / "more.jsonl", _records(rng, 1000, 80))
    build_index(corpus, index)
    first[7]["body"] += "\n\nThe court adjourned the hearing of the activist again."
    _write(corpus / "archive.jsonl", first)
    (corpus / "004_d6af8e314100ae0e.txt").unlink()
    build_index(corpus, index)
    return index


def _backend(index: Path, config: RankingConfig = NO_RERANK) -> WhooshBackend:
    return WhooshSource(index, config).current()


def _compiled(backend: WhooshBackend, q: str, match: Match = "all") -> wq.Query:
    parsed = parse_user_query(q, match=match, text_settings=backend.text_settings)
    return backend._compile(parsed.node)


class _AndNotMatcher(AndNotMatcher):
    """Whoosh's AndNotMatcher, but it looks for the excluded part's first document whenever
    both parts are active: Whoosh's looks only when both start on one document, and so keeps
    the first document of a segment's positive part when the excluded part holds it but starts
    below it ('"court hearing" -prison' kept an article with "prison")."""

    def _find_first(self) -> None:
        if self.a.is_active() and self.b.is_active():
            self._find_next()


class _AndNot(wq.AndNot):
    def matcher(self, searcher: Searcher, context: object = None) -> AndNotMatcher:
        excluded = self.b.matcher(searcher, searcher.boolean_context())
        return _AndNotMatcher(self.a.matcher(searcher, context), excluded)


def _fixed(query: wq.Query) -> wq.Query:
    """Returns the query with each AndNot matched by _AndNotMatcher."""
    if isinstance(query, wq.AndNot):
        return _AndNot(_fixed(query.a), _fixed(query.b))
    return query if query.is_leaf() else query.apply(_fixed)


def _whoosh(searcher: Searcher, compiled: wq.Query) -> list[tuple[int, float]]:
    """Returns Whoosh's own (docnum, score) of every match, in its order."""
    top = searcher.search(_fixed(compiled), limit=None).top_n
    return [(docnum, score) for score, docnum in top]


def _groups(scores: Sequence[float]) -> list[int]:
    """Returns the lengths of the runs of equal scores (within RELATIVE) in a ranking."""
    lengths: list[int] = []
    for k, score in enumerate(scores):
        if k and abs(score - scores[k - 1]) <= RELATIVE * abs(score):
            lengths[-1] += 1
        else:
            lengths.append(1)
    return lengths


def assert_same_ranking(
    expected: Sequence[tuple[object, float]], found: Sequence[tuple[object, float]]
) -> None:
    """Asserts two rankings hold the same keys with the same scores, in the same order but
    within runs of scores equal to RELATIVE (there, the last bits of a sum may decide)."""
    assert len(found) == len(expected)
    scores = dict(expected)
    for key, score in found:
        assert score == pytest.approx(scores[key], rel=RELATIVE, abs=0.0), key
    start = 0
    for length in _groups([score for _key, score in expected]):
        run = slice(start, start + length)
        assert {k for k, _s in found[run]} == {k for k, _s in expected[run]}, run
        start += length


QUERIES: list[tuple[str, Match]] = [
    # (query, match)
    ("court", "all"),  # in most articles: postings of several blocks
    ("glacier", "all"),  # in a few
    ("court activist", "all"),
    ("court activist", "any"),
    ("prison trial hearing lawyer", "any"),
    ("court OR glacier", "all"),
    ("(court OR prison) activist", "all"),
    ("court NOT prison", "all"),
    ("court -prison -hearing", "all"),
    ("-court", "all"),  # only an exclusion: every article but those
    ("NOT court NOT government", "all"),
    ("+court activist glacier", "any"),  # AndMaybe
    ("+court +trial -prison glacier", "any"),
    ("title:court", "all"),
    ("body:prison title:court", "all"),
    ("caption:court", "all"),
    ("person:Bilash", "all"),  # a name key: both spellings
    ("person:Ponomarev", "all"),
    ("Bilashuly", "all"),  # a word that is a name: its variants score beside it
    ("Nazarbayev court", "all"),
    ('"human rights"', "all"),
    ('"court hearing"', "all"),
    ('"court court"', "all"),  # one word twice, at consecutive positions
    ('"human rights activist"', "all"),
    ('"court government court"', "any"),
    ('"Serikzhan Bilash"', "all"),  # a phrase of names: other spellings too
    ('title:"court hearing"', "all"),
    ('"court hearing" -prison', "all"),
    ('"the court" activist', "any"),  # one word once the stop word goes
    ("gov*", "all"),
    ("pr*", "all"),
    ("pri?on", "all"),
    ("title:pol*", "all"),
    ("goverment~", "all"),
    ("activst~2 court", "any"),
    ("year:2019", "all"),
    ("section:news court", "any"),
    ("source:RFE", "all"),
    ("court government minister police protest activist prison election parliament", "all"),
]


@pytest.mark.parametrize(("q", "match"), QUERIES, ids=[f"{q} ({m})" for q, m in QUERIES])
@pytest.mark.parametrize("index_name", ["archive", "index_dir"])
def test_scores_are_whooshs(
    index_name: str, q: str, match: Match, request: pytest.FixtureRequest
) -> None:
    backend = _backend(request.getfixturevalue(index_name))
    compiled = _compiled(backend, q, match)
    if compiled is wq.NullQuery:
        pytest.skip("matches nothing in this index's words")
    expected = _whoosh(backend.searcher, compiled)
    found = score_query(compiled, ScoringIndex(backend.searcher))
    assert bool(np.all(np.diff(found.docs) > 0))
    assert_same_ranking(
        sorted(expected),  # by document number
        list(zip(found.docs.tolist(), found.scores.tolist(), strict=True)),
    )


@pytest.mark.parametrize(("q", "match"), QUERIES, ids=[f"{q} ({m})" for q, m in QUERIES])
def test_the_backend_ranks_as_whoosh(archive: Path, q: str, match: Match) -> None:
    """Every hit of WhooshBackend.search, best first, is Whoosh's ranking (ids and scores)."""
    backend = _backend(archive)
    compiled = _compiled(backend, q, match)
    expected = _whoosh(backend.searcher, compiled) if compiled is not wq.NullQuery else []
    node = parse_user_query(q, match=match, text_settings=backend.text_settings).node
    found = backend.search(Retrieval(node, limit=10_000, fetch=False))
    ids = backend.searcher.reader().column_reader("id")
    assert found.total == len(expected)
    assert_same_ranking(
        [(ids[docnum], score) for docnum, score in expected],
        [(match.id, match.score) for match in found.hits],
    )


def test_the_archive_has_segments_with_deleted_documents(archive: Path) -> None:
    """The index the tests above compare in: several segments, deleted documents in one."""
    backend = _backend(archive)
    leaves = backend.searcher.reader().leaf_readers()
    assert len(leaves) >= 2
    assert any(segment.has_deletions() for segment, _base in leaves)
    assert backend.article_count() < backend.searcher.reader().doc_count_all()


@pytest.mark.parametrize(("offset", "limit"), [(0, 10), (5, 10), (95, 20), (0, 300)])
@pytest.mark.parametrize("q", ["court", "court activist", "Bilash"])
def test_pages_of_filtered_and_reranked_hits_are_those_of_the_whole_ranking(
    archive: Path, q: str, offset: int, limit: int
) -> None:
    """Only the hits a page or the re-ranking can show are ordered: a page (filtered by a facet,
    re-ranked in the concept space) is the page of Whoosh's whole ranking, filtered, re-ranked."""
    backend = _backend(archive, RankingConfig())
    space = backend.concepts
    assert space is not None
    parsed = parse_user_query(q, text_settings=backend.text_settings)
    filters = Filters(facets=(("source", ("RFE/RL",)),)) if q == "Bilash" else Filters()
    topic = {word: 1 for word in parsed.words}
    found = backend.search(
        Retrieval(parsed.node, filters, offset=offset, limit=limit, topic=topic, fetch=False)
    )
    ids = backend.searcher.reader().column_reader("id")
    expected = [(ids[d], s) for d, s in _whoosh(backend.searcher, _compiled(backend, q))]
    if filters:
        allowed = backend.tables.facets["source"].mask_for(("RFE/RL",), backend.tables.doc_count)
        expected = [
            (ids[d], s) for d, s in _whoosh(backend.searcher, _compiled(backend, q)) if allowed[d]
        ]
        assert expected
    reranked = rerank(
        expected,
        lambda keys: space.vectors(space.rows_of(keys)),
        space.query_vector(topic),
        backend.config,
    )
    assert_same_ranking(reranked[offset : offset + limit], [(m.id, m.score) for m in found.hits])


def test_field_lengths_are_whooshs(archive: Path, index_dir: Path) -> None:
    """Lengths decoded from each segment's length column are `doc_field_length`'s."""
    for index in (archive, index_dir):
        searcher = _backend(index).searcher
        scoring = ScoringIndex(searcher)
        reader = searcher.reader()
        for field in ("title", "body", "caption", "names", "person", "source"):
            expected = [reader.doc_field_length(d, field, 0) or 0 for d in range(scoring.doc_count)]
            assert scoring.lengths(field).tolist() == expected, field


def test_postings_are_whooshs(archive: Path) -> None:
    """A term's postings over every segment, as arrays: Whoosh's document numbers (deleted ones
    too) and frequencies."""
    searcher = _backend(archive).searcher
    scoring = ScoringIndex(searcher)
    reader = searcher.reader()
    for field, text in [("body", "court"), ("title", "court"), ("body", "glacier"), ("names", "")]:
        terms = [text] if text else list(reader.field_terms(field))[:20]
        for term in terms:
            btext = term.encode("utf-8")
            expected_docs, expected_weights = [], []
            for segment, base in reader.leaf_readers():
                if (field, btext) not in segment:
                    continue
                matcher = segment.postings(field, btext)
                if isinstance(matcher, FilterMatcher):  # deleted ones too
                    matcher = matcher.child
                    matcher.reset()
                while matcher.is_active():
                    expected_docs.append(matcher.id() + base)
                    expected_weights.append(matcher.weight())
                    matcher.next()
            docs, weights = scoring.postings(field, btext)
            assert docs.tolist() == expected_docs, term
            assert weights.tolist() == expected_weights, term
    assert len(scoring.postings("body", b"court")[0]) > 128  # several blocks


def test_scores_after_an_update_reuse_the_unchanged_segments(
    corpus_copy: Path, tmp_path: Path
) -> None:
    """Postings kept from the last generation serve the next, whose deletions they ignore."""
    index = tmp_path / "index"
    _write(corpus_copy / "archive.jsonl", _records(Random(5), 0, 150))
    build_index(corpus_copy, index)
    source = WhooshSource(index, NO_RERANK)
    queries = ["court", "court -prison", "Bilash trial", '"court hearing"']
    for q in queries:  # postings of the first generation read and kept
        backend = source.current()
        backend.count(parse_user_query(q, text_settings=backend.text_settings).node)
    records = _records(Random(6), 0, 150)[:100]  # 50 articles gone, 100 changed
    _write(corpus_copy / "archive.jsonl", records)
    build_index(corpus_copy, index)
    backend = source.current()
    assert backend.searcher.reader().has_deletions()
    for q in queries:
        compiled = _compiled(backend, q)
        expected = sorted(_whoosh(backend.searcher, compiled))
        found = score_query(compiled, ScoringIndex(backend.searcher))
        assert_same_ranking(
            expected, list(zip(found.docs.tolist(), found.scores.tolist(), strict=True))
        )


@pytest.mark.parametrize("q", ['"court hearing" -prison', "court -prison", "-prison"])
def test_an_excluded_word_is_in_no_hit(archive: Path, q: str) -> None:
    """Whoosh's own AndNot kept a segment's first match of the positive part when the excluded
    part held it too (see _AndNotMatcher); the arrays exclude it."""
    backend = _backend(archive)
    node = parse_user_query(q, text_settings=backend.text_settings).node
    found = backend.search(Retrieval(node, limit=10_000))
    assert found.hits
    for match in found.hits:
        assert match.article is not None
        text = f"{match.article.title} {match.article.body} {match.article.caption or ''}"
        assert not re.search(r"\bprison", text.lower()), match.id  # "imprisonment" may


def test_positions_unpickled_together_are_whooshs() -> None:
    """A block's position lists are unpickled in one call; with or without the final STOP, and
    in another pickle protocol (Whoosh's decoder then), they are what Whoosh decodes."""
    positions = Positions()
    lists = [[0], [3, 5, 300, 70_000, 2**40], [12], [7, 8]]
    values = [positions.encode(p) for p in lists]
    values[1] = values[1].removesuffix(b".")
    for batch in (values, [*values, struct.pack("!I", 2) + pickle.dumps([4, 1], 4)]):
        deltas = _position_lists(batch, positions.decode_positions)
        counts = np.asarray([len(d) for d in deltas], dtype=np.int64)
        expected = [p for value in batch for p in positions.decode_positions(value)]
        assert _cumulated(deltas, counts).tolist() == expected


@pytest.mark.parametrize("share", [0.0, 0.01, 0.1, 0.5, 1.0])
def test_facet_counts_over_few_or_many_hits_are_every_pairs(archive: Path, share: float) -> None:
    """A facet counts few hits from their own values and many from every (document, value)
    pair of the facet: both count what the pairs hold."""
    backend = _backend(archive)
    tables, reader = backend.tables, backend.searcher.reader()
    mask = np.random.default_rng(3).random(tables.doc_count) < share
    for table in tables.facets.values():
        # A value's documents as Whoosh's postings hold them, over all its spellings.
        expected = [
            len(
                {d for term in spellings for d in _live_docs(reader, table.facet.field, term)}
                & set(np.flatnonzero(mask).tolist())
            )
            for spellings in table.spellings
        ]
        assert table.count(mask).tolist() == expected, table.facet.name
        hits = np.flatnonzero(mask)
        assert table.count(mask, hits).tolist() == expected, table.facet.name


def _live_docs(reader: Any, field: str, term: str) -> list[int]:
    return [d for d in reader.postings(field, term).all_ids() if not reader.is_deleted(d)]


@pytest.mark.parametrize("wanted", [0, 1, 10, 50, 400])
def test_the_most_counted_facet_values_are_those_a_full_sort_puts_first(wanted: int) -> None:
    rng = np.random.default_rng(wanted)
    counts = rng.integers(0, 6, 300)  # many ties, and values no hit holds
    candidates = np.flatnonzero(counts)
    full = candidates[np.lexsort((candidates, -counts[candidates]))]
    assert _most_counted(counts, candidates, wanted).tolist() == full[:wanted].tolist()
    assert _most_counted(counts, candidates[:0], wanted).tolist() == []


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_date_sorts_and_the_histogram_are_what_the_stored_dates_say(
    archive: Path, sort: str
) -> None:
    """Hits by date: undated last, ties in index order, over segments with deletions; the
    histogram counts each month of the hits."""
    backend = _backend(archive)
    searcher = backend.searcher
    published = {d: from_stored(f).published for d, f in searcher.reader().iter_docs()}
    docnum_of = {from_stored(f).id: d for d, f in searcher.reader().iter_docs()}
    assert 0 < sum(day is None for day in published.values()) < len(published) / 2
    for q in ("court", "activist OR hearing", ""):
        node = parse_user_query(q, text_settings=backend.text_settings).node
        found = backend.search(Retrieval(query=node, sort=sort, limit=1000, histogram=True))
        if q:  # what Whoosh's own search matches
            matched = list(searcher.search(_compiled(backend, q), limit=None).docs())
        else:
            matched = list(published)
        sign = -1 if sort == "newest" else 1
        expected = sorted(
            matched,
            key=lambda d: (
                published[d] is None,
                sign * published[d].toordinal() if published[d] else 0,
                d,
            ),
        )
        assert found.total == len(matched) > 20
        assert [docnum_of[m.id] for m in found.hits] == expected
        months: dict[str, int] = {}
        for day in (published[d] for d in matched):
            if day:
                months[f"{day:%Y-%m}"] = months.get(f"{day:%Y-%m}", 0) + 1
        assert found.histogram == tuple(sorted(months.items()))
