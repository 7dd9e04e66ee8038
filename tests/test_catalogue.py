"""The catalogue declares each field and facet once: the schema, the document codec, the API and
the page follow it."""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient

from catalogue import FACETS, QUERY_FIELDS, Article
from indexer.index.schema import build_schema, from_stored, to_document

ARTICLE = Article(
    id="wire-1",
    source_file="wire.jsonl",
    title="Court jails rights defender",
    body="ALMATY, Kazakhstan -- Serikzhan Bilash was sentenced.\n\nHis lawyer spoke.",
    published=date(2019, 8, 17),
    source="RFE/RL",
    section="Watchdog",
    dateline="Almaty, Kazakhstan",
    url="https://example.org/wire-1",
    caption="Serikzhan Bilash in court.",
    people=("Serikzhan Bilash",),
    organizations=("Atajurt",),
    places=("Almaty", "Kazakhstan"),
    seen_on=("copy.txt",),
)


def test_the_schema_has_every_declared_field() -> None:
    schema = build_schema()
    for facet in FACETS:
        assert facet.field in schema
    for query_field in QUERY_FIELDS.values():
        assert query_field.index_field in schema


def test_an_article_round_trips_through_the_index_codec() -> None:
    document = to_document(ARTICLE, "digest")
    assert from_stored(document) == ARTICLE
    assert Article.from_json(ARTICLE.to_json()) == ARTICLE
    assert document["people"] == "Serikzhan Bilash"
    assert document["places"] == "Almaty|Kazakhstan"
    assert document["year"] == "2019" and document["month"] == "2019-08"


def test_the_api_shows_the_codec_and_the_page_its_labels(client: FlaskClient) -> None:
    data = client.get("/api/search", query_string={"q": "camps"}).get_json()
    hit = data["results"][0]
    assert set(ARTICLE.to_json()) - {"body"} <= set(hit)
    assert list(data["facets"]) == [facet.name for facet in FACETS]
    page = client.get("/", query_string={"q": "camps"}).get_data(as_text=True)
    for facet in FACETS:
        if data["facets"][facet.name]:
            assert f">{facet.label}</h2>" in page
