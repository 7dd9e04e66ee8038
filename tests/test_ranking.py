"""Ranking on a small hand-made index: BM25F across fields, and the order users see."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

import pytest

from indexer.index.update import build_index
from search.backend import Retrieval
from search.backends.whoosh import WhooshBackend, WhooshSource
from search.backends.whoosh_bm25f import bm25_idf
from search.query import parse_user_query
from search.ranking import DEFAULT_RANKING

FILLER = "The report was published on Monday by the monitoring group after a long review."
RECORDS = [
    # One query word, in the title and three times in the body.
    {
        "id": "one-word-everywhere",
        "title": "About the kinase",
        "body": f"The kinase, its kinase and their kinase. {FILLER}",
    },
    # Both query words, once each, in a body of about the same length.
    {
        "id": "both-words",
        "title": "A study of cells",
        "body": f"The kinase and its inhibitor. {FILLER}",
    },
    {"id": "other", "title": "Weather", "body": f"Rain fell over the hills. {FILLER}"},
    {"id": "inhibitor-only", "title": "Drugs", "body": f"An inhibitor was tested. {FILLER}"},
    # One spelling once, and another romanization of the same name four times.
    {
        "id": "spelling-once",
        "title": "Court hearing",
        "body": f"Serikzhan Bilashuly spoke to the court. {FILLER} {FILLER}",
    },
    {
        "id": "variant-often",
        "title": "Activist detained",
        "body": f"Bilash was detained. Bilash said. Bilash left. Bilash wrote. {FILLER}",
    },
]


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WhooshBackend]:
    root = tmp_path_factory.mktemp("ranking")
    corpus = root / "corpus"
    corpus.mkdir()
    lines = "\n".join(json.dumps(r) for r in RECORDS) + "\n"
    (corpus / "records.jsonl").write_text(lines, encoding="utf-8")
    build_index(corpus, root / "index")
    view = WhooshSource(root / "index").current()
    yield view
    view.searcher.close()


def scores(backend: WhooshBackend, text: str) -> dict[str, float]:
    parsed = parse_user_query(text, match="any")
    found = backend.search(Retrieval(parsed.node, limit=len(RECORDS), fetch=False))
    return {match.id: match.score for match in found.hits}


def ranked_ids(backend: WhooshBackend, text: str) -> list[str]:
    return list(scores(backend, text))


def test_covering_both_words_beats_repeating_one_in_every_field(backend: WhooshBackend) -> None:
    # Scored field by field, the title and the body each saturate on their own and the
    # one-word article wins; BM25F saturates the word once, so two words count for more.
    assert ranked_ids(backend, "kinase inhibitor")[0] == "both-words"


def test_a_word_scores_by_the_bm25f_formula(backend: WhooshBackend) -> None:
    searcher = backend.searcher
    reader = searcher.reader()
    docnum = next(d for d, f in reader.iter_docs() if f["id"] == "one-word-everywhere")
    frequency = 0.0
    config = DEFAULT_RANKING
    for field, tf in (("title", 1), ("body", 3)):
        b = config.b_for(field)
        length = reader.doc_field_length(docnum, field)
        norm = 1 - b + b * length / searcher.avg_field_length(field)
        frequency += config.field_weights[field] * tf / norm
    df = max(searcher.doc_frequency(f, "kinas") for f in ("title", "body"))
    expected = bm25_idf(searcher.doc_count_all(), df) * frequency * (config.k1 + 1)
    expected /= config.k1 + frequency
    # No capitalised "Kinase" here: the name-variant field adds nothing.
    found = scores(backend, "kinase")
    assert math.isclose(found["one-word-everywhere"], expected, rel_tol=1e-6)


def test_idf_stays_positive_for_a_word_in_every_article(backend: WhooshBackend) -> None:
    assert bm25_idf(10, 10) > 0
    found = scores(backend, "report kinase")
    assert found["other"] > 0  # "report" is in every body


def test_one_exact_spelling_outranks_many_variants(backend: WhooshBackend) -> None:
    assert ranked_ids(backend, "Bilashuly") == ["spelling-once", "variant-often"]
    assert ranked_ids(backend, "Bilash") == ["variant-often", "spelling-once"]


def test_field_query_keeps_to_its_field(backend: WhooshBackend) -> None:
    assert ranked_ids(backend, "title:kinase") == ["one-word-everywhere"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("+kinase inhibitor", ["both-words", "one-word-everywhere"]),
        ("kinase +inhibitor", ["both-words", "inhibitor-only"]),
        ("+kinase -inhibitor", ["one-word-everywhere"]),
    ],
)
def test_required_and_optional_words_mix(
    backend: WhooshBackend, q: str, expected: list[str]
) -> None:
    # "+word" makes Whoosh ask the other words' matchers for their best possible score.
    assert ranked_ids(backend, q) == expected
