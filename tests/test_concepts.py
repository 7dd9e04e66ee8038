"""The concept space: fitted at build time beside the index, and re-ranking the top hits."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask.testing import FlaskClient

from app import create_app
from indexer.index.concepts import MIN_ARTICLES, read_concepts
from indexer.index.update import build_index
from search.rerank import query_counts

PRISON = "guards detained the prisoner in custody in a cell of the prison"
FOOTBALL = "the striker scored a goal in the league match at the stadium"


def _records() -> list[dict[str, str]]:
    """Twelve prison stories, twelve football reports, and two short notes that both say
    "report" once: one in prison words, one in football words (the football one first)."""
    records = [{"id": "note-football", "title": "Note", "body": "report striker league goal"}]
    records.append({"id": "note-prison", "title": "Note", "body": "report guards custody cell"})
    for n in range(12):
        records.append({"id": f"prison-{n}", "title": f"Prison {n}", "body": f"{PRISON} {n}"})
        records.append({"id": f"match-{n}", "title": f"Match {n}", "body": f"{FOOTBALL} {n}"})
    return records


def _build(tmp_path: Path, records: list[dict[str, str]]) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    lines = "\n".join(json.dumps(r) for r in records) + "\n"
    (corpus / "wire.jsonl").write_text(lines, encoding="utf-8")
    build_index(corpus, tmp_path / "index")
    return tmp_path / "index"


def _client(index: Path) -> FlaskClient:
    return create_app({"INDEX": str(index), "TESTING": True}).test_client()


def _search(client: FlaskClient, **params: Any) -> list[str]:
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [hit["id"] for hit in response.get_json()["results"]]


def test_build_stores_one_space_per_generation(tmp_path: Path) -> None:
    index = _build(tmp_path, _records())
    folders = sorted(p.name for p in index.glob("concepts-*"))
    assert len(folders) == 1
    generation = int(folders[0].removeprefix("concepts-"))
    space = read_concepts(index, generation)
    assert space is not None and space.articles.shape[0] == len(_records())
    assert np.allclose(np.linalg.norm(space.articles, axis=1), 1.0, atol=1e-4)
    assert {"prison", "custodi", "goal"} <= set(space.words)
    # An update that changes less than a tenth of the archive keeps the fit: the removed
    # articles leave the new generation's space, the one before stays for searchers on it.
    _build(tmp_path, _records()[:-2])
    updated = read_concepts(index, generation + 1)
    assert updated is not None and updated.fitted_on == space.fitted_on == 26
    assert set(updated.ids) == {r["id"] for r in _records()[:-2]}
    assert sorted(p.name for p in index.glob("concepts-*")) == [
        f"concepts-{generation}",
        f"concepts-{generation + 1}",
    ]
    # One that grows it by more than a tenth fits anew; the oldest space goes.
    more = [
        {"id": f"cell-{n}", "title": f"Cell {n}", "body": f"{PRISON} cell {n}"} for n in range(5)
    ]
    _build(tmp_path, _records()[:-2] + more)
    refitted = read_concepts(index, generation + 2)
    assert refitted is not None and refitted.fitted_on == 29
    assert sorted(p.name for p in index.glob("concepts-*")) == [
        f"concepts-{generation + 1}",
        f"concepts-{generation + 2}",
    ]


def test_an_update_folds_a_new_article_in_near_its_topic(tmp_path: Path) -> None:
    index = _build(tmp_path, _records())
    new = {"id": "prison-new", "title": "Cells", "body": f"{PRISON} inspection"}
    _build(tmp_path, [*_records(), new])
    generation = max(int(p.name.removeprefix("concepts-")) for p in index.glob("concepts-*"))
    space = read_concepts(index, generation)
    assert space is not None and space.fitted_on == 26  # folded in, not fitted
    rows = space.rows_of(["prison-new", "prison-0", "match-0"])
    vectors = space.vectors(rows)
    assert rows[0] >= 0 and np.isclose(np.linalg.norm(vectors[0]), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > 0.9 > vectors[0] @ vectors[2]


def test_on_topic_article_ranks_first_among_equal_word_matches(tmp_path: Path) -> None:
    client = _client(_build(tmp_path, _records()))
    # Both notes hold "report" once in bodies of one length, and neither holds "prison":
    # BM25F ties them, and the note in prison words is the one about prisons.
    ranked = _search(client, q="prison report", match="any", per_page=50)
    assert ranked.index("note-prison") < ranked.index("note-football")
    ranked = _search(client, q="football goal report", match="any", per_page=50)
    assert ranked.index("note-football") < ranked.index("note-prison")


def test_pages_of_reranked_hits_neither_repeat_nor_skip(tmp_path: Path) -> None:
    client = _client(_build(tmp_path, _records()))
    whole = _search(client, q="prison report", match="any", per_page=20)
    pages = [_search(client, q="prison report", match="any", per_page=5, page=p) for p in (1, 2)]
    pages += [_search(client, q="prison report", match="any", per_page=10, page=2)]
    assert pages[0] + pages[1] + pages[2] == whole


def test_small_archive_has_no_space_and_still_searches(tmp_path: Path) -> None:
    records = _records()[: MIN_ARTICLES - 1]
    index = _build(tmp_path, records)
    assert not list(index.glob("concepts-*"))
    assert "note-prison" in _search(_client(index), q="report")


def test_damaged_space_is_logged_and_search_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index = _build(tmp_path, _records())
    (folder,) = index.glob("concepts-*")
    (folder / "articles.npy").write_bytes(b"not an array")
    with caplog.at_level(logging.WARNING, logger="indexer.index.concepts"):
        ranked = _search(_client(index), q="prison report", match="any")
    assert "note-prison" in ranked and "note-football" in ranked
    assert any("concept space" in r.getMessage() for r in caplog.records)


def test_query_counts_weigh_a_repeated_word_as_an_article_does() -> None:
    counts = query_counts("Prisoners and prison guards; prisons", frozenset({"prison", "guard"}))
    assert counts == {"prison": 3, "guard": 1}
    # A matched stem the text does not spell out (a prefix's expansion) still counts once.
    assert query_counts("pris*", frozenset({"prison"})) == {"prison": 1}


def test_a_view_opened_before_the_space_is_written_finds_it_later(tmp_path: Path) -> None:
    from search.backends.whoosh import WhooshSource

    index = _build(tmp_path, _records())
    (space,) = index.glob("concepts-*")
    hidden = space.rename(tmp_path / "hidden")  # as between the build's commit and its fit
    source = WhooshSource(index)
    assert source.current().concepts is None
    hidden.rename(space)
    assert source.current().concepts is not None


def test_a_space_fitted_on_a_sample_places_every_article_by_its_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past FIT_SAMPLE articles the axes are fitted on a sample; every article still has its
    place, the one its words give it (as an update folds a new article in)."""
    from whoosh import index as whoosh_index

    from analysis.tokens import DEFAULT_SETTINGS
    from indexer.index import concepts
    from indexer.index.schema import from_stored

    records = _records()
    monkeypatch.setattr(concepts, "FIT_SAMPLE", len(records) // 2)
    index = _build(tmp_path, records)
    ix = whoosh_index.open_dir(str(index))
    with ix.reader() as reader:
        space = concepts.fit_concepts(reader)
        articles = [from_stored(stored) for _, stored in reader.iter_docs()]
    assert space is not None and space.fitted_on == len(records)
    rows = space.rows_of([a.id for a in articles])
    assert (rows >= 0).all()
    for article, row in zip(articles, rows, strict=True):
        placed = space.fold_in(article, DEFAULT_SETTINGS)
        assert np.allclose(space.articles[row], placed, atol=1e-4), article.id
    prison = space.articles[space.rows_of(["prison-0", "prison-5", "match-0"])]
    assert prison[0] @ prison[1] > prison[0] @ prison[2]  # the sample still told the topics apart
