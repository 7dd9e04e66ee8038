"""The JSON API over the sample index: search, filters, facets, sort, pagination, errors."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app import create_app


def search(client: FlaskClient, query: str) -> dict[str, Any]:
    response = client.get(f"/api/search?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    data: dict[str, Any] = response.get_json()
    return data


def ids(data: dict[str, Any]) -> list[str]:
    return [r["id"] for r in data["results"]]


def facet(data: dict[str, Any], name: str) -> dict[str, int]:
    return {v["value"]: v["count"] for v in data["facets"][name]}


def test_search_shape(client: FlaskClient) -> None:
    data = search(client, "q=camps")
    assert list(data)[:4] == ["query", "total", "page", "per_page"]
    assert data["query"] == "camps"
    assert data["page"] == 1 and data["per_page"] == 10
    assert set(data["facets"]) >= {"source", "person", "organization", "place", "year"}
    hit = data["results"][0]
    for key in ("id", "title", "snippet", "source", "published", "dateline", "url"):
        assert key in hit
    assert hit["page_url"] == f"/articles/{hit['id']}"


def test_bilash_finds_both_rferl_articles_about_him(client: FlaskClient) -> None:
    data = search(client, "q=Bilash")
    rferl = [r for r in data["results"] if r["source"] == "RFE/RL"]
    assert {r["id"] for r in rferl} == {"000_b6dae043be5a020e-2", "001_eace3fbab33ad4a8-1"}
    assert all("<mark>" in r["snippet"] for r in rferl)


def test_chrome_is_not_searchable(client: FlaskClient) -> None:
    assert search(client, 'q="Load more"')["total"] == 0
    assert search(client, 'q="Journalists In Trouble"')["total"] == 0
    assert search(client, 'q="Accessibility links"')["total"] == 0


def test_all_words_required_then_any_word_fallback(client: FlaskClient) -> None:
    both = search(client, "q=Dmitriyev Karelia")
    assert ids(both) == ["001_eace3fbab33ad4a8-2"]
    assert not both["reading"]["relaxed"]
    none_has_all = search(client, "q=Dmitriyev Samborsky")
    assert none_has_all["reading"]["relaxed"]
    assert set(ids(none_has_all)) == {"001_eace3fbab33ad4a8-2", "003_addfb53f29969fc8-2"}
    assert set(ids(search(client, "q=Dmitriyev Samborsky&match=any"))) == set(ids(none_has_all))


def test_phrase_and_not(client: FlaskClient) -> None:
    phrase = search(client, 'q="Novaya gazeta"')
    assert ids(phrase) == ["002_c97655dea1bfe384-2"]
    camps = set(ids(search(client, "q=camps")))
    without = set(ids(search(client, "q=camps NOT Bilash")))
    assert without and without < camps
    assert "000_b6dae043be5a020e-2" not in without


def test_person_filter_and_facet_counts(client: FlaskClient) -> None:
    everything = search(client, "q=")
    assert everything["total"] == 9
    people = facet(everything, "person")
    assert people, "the person facet is empty"
    name, count = max(people.items(), key=lambda kv: kv[1])
    filtered = search(client, f"q=&person={name}")
    assert filtered["total"] == count
    selected = [v for v in filtered["facets"]["person"] if v["value"] == name]
    assert selected and selected[0]["selected"]


def test_values_of_one_facet_or_and_facets_and(client: FlaskClient) -> None:
    rferl = search(client, "q=&source=RFE/RL")["total"]
    stp = search(client, "q=&source=Society for Threatened Peoples")["total"]
    assert rferl == 8 and stp == 1
    either = search(client, "q=&source=RFE/RL&source=Society for Threatened Peoples")
    assert either["total"] == rferl + stp
    both = search(client, "q=&source=Society for Threatened Peoples&year=2019")
    assert both["total"] == 1
    neither = search(client, "q=&source=RFE/RL&year=2019")
    assert neither["total"] == 0
    # The selected value stays visible with its count.
    year = {v["value"]: v for v in neither["facets"]["year"]}
    assert year["2019"]["selected"]


def test_facet_counts_cover_all_hits_not_just_the_page(client: FlaskClient) -> None:
    data = search(client, "q=&per_page=2")
    assert len(data["results"]) == 2
    assert sum(facet(data, "source").values()) == 9


def test_sort_newest_and_oldest_put_undated_last(client: FlaskClient) -> None:
    newest = search(client, "q=Kazakhstan&sort=newest")
    oldest = search(client, "q=Kazakhstan&sort=oldest")
    assert newest["results"][0]["published"] == "2019-03-11"
    assert oldest["results"][0]["published"] == "2019-03-11"
    assert all(r["published"] is None for r in oldest["results"][1:])


def test_pagination(client: FlaskClient) -> None:
    first = search(client, "q=&per_page=4")
    second = search(client, "q=&per_page=4&page=2")
    third = search(client, "q=&per_page=4&page=3")
    assert first["pages"] == 3
    seen = ids(first) + ids(second) + ids(third)
    assert len(seen) == 9 and len(set(seen)) == 9
    beyond = search(client, "q=&per_page=4&page=9")
    assert beyond["results"] == [] and beyond["total"] == 9


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("q=x&page=abc", "page"),
        ("q=x&page=0", "page"),
        ("q=x&page=-1", "page"),
        ("q=x&per_page=1000", "per_page"),
        ("q=x&per_page=", None),
        ("q=x&sort=random", "sort"),
        ("q=x&match=some", "match"),
        ("q=x&from=yesterday", "from"),
        ("q=x&from=2020&to=2019", None),  # an empty range: no hit, and a note
        ("q=x&page=1&page=2", "page"),
        ("q=" + "a" * 20001, "q"),
        ("q=x&month=2019-3", "month"),
        ("q=x&year=abc", "year"),
        ("q=x&month=abc", "month"),
        ("q=%ff", "q"),
        ("q=x&person=%C3%28", "person"),
        ("q=x&year=2019&month=2019-03", None),
    ],
    ids=[
        "page-abc",
        "page-0",
        "page-negative",
        "per-page-big",
        "per-page-empty",
        "sort",
        "match",
        "from",
        "to-before-from",
        "page-twice",
        "q-huge",
        "month-one-digit",
        "year-word",
        "month-word",
        "q-not-utf8",
        "filter-not-utf8",
        "year-and-month-good",
    ],
)
def test_bad_parameters_are_400_with_a_json_message(
    client: FlaskClient, query: str, param: str | None
) -> None:
    response = client.get(f"/api/search?{query}")
    if param is None:
        assert response.status_code == 200
        return
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_request"
    assert error["param"] == param
    assert param in error["message"] or "query" in error["message"]


@pytest.mark.parametrize(
    "q",
    ['"unclosed', "title:(", "AND OR", "*", "(((", "a AND", "NOT", "x" * 5000, "дмитриев", "🙂"],
    ids=[
        "unclosed",
        "field-paren",
        "and-or",
        "star",
        "parens",
        "dangling-and",
        "not",
        "long",
        "cyrillic",
        "emoji",
    ],
)
def test_malformed_queries_never_fail(client: FlaskClient, q: str) -> None:
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code == 200
    assert isinstance(response.get_json()["total"], int)


def test_article_endpoint(client: FlaskClient) -> None:
    response = client.get("/api/articles/004_d6af8e314100ae0e-1?q=Delius")
    assert response.status_code == 200
    data = response.get_json()
    assert data["published"] == "2019-03-11"
    assert data["source"] == "Society for Threatened Peoples"
    assert "Delius" in data["body"]
    assert data["marks"] >= 4 and data["body_html"].count("<mark") == data["marks"]
    assert all(r["id"] != data["id"] for r in data["related"])


def test_unknown_article_is_404(client: FlaskClient) -> None:
    for path in ("/api/articles/nope-1", "/articles/nope-1"):
        assert client.get(path).status_code == 404
    assert client.get("/api/articles/nope-1").get_json()["error"]["code"] == "not_found"


def test_unknown_route_is_json_404_under_api(client: FlaskClient) -> None:
    response = client.get("/api/nothing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_healthz_counts_articles(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "articles": 9}


def test_missing_index_is_503_naming_the_build_command(tmp_path: Any) -> None:
    client = create_app({"INDEX": str(tmp_path / "none"), "TESTING": True}).test_client()
    for path in ("/api/search?q=x", "/healthz", "/search?q=x"):
        response = client.get(path)
        assert response.status_code == 503
        assert "python -m indexer build" in response.get_data(as_text=True)
    assert client.get("/api/search?q=x").get_json()["error"]["code"] == "index_unavailable"


@pytest.mark.parametrize(
    ("q", "notes"),
    [
        (
            "title:(",
            ["a '(' without its ')' was closed at the end", "the query holds no words to search"],
        ),
        ("%00", ["the query holds no words to search"]),
        (
            "AND OR",
            [
                "the query is all in capitals: AND, OR and NOT were read as words",
                "the query holds only common words",
            ],
        ),
    ],
    ids=["field-paren", "nul", "and-or"],
)
def test_queries_without_words_find_nothing_and_say_why(
    client: FlaskClient, q: str, notes: list[str]
) -> None:
    data = client.get("/api/search", query_string={"q": q.replace("%00", "\x00")}).get_json()
    assert data["total"] == 0
    assert data["reading"]["notes"] == notes


def test_an_empty_date_range_finds_nothing_and_says_so(client: FlaskClient) -> None:
    data = search(client, "q=&from=2020&to=2019")
    assert data["total"] == 0
    assert "the date range is empty: 'to' is before 'from'" in data["reading"]["notes"]


def test_excluded_facet_values_leave_their_articles_out(client: FlaskClient) -> None:
    everything = search(client, "q=camps&per_page=100")
    left = search(client, "q=camps&per_page=100&not_person=Serikzhan+Bilash")
    assert 0 < left["total"] < everything["total"]
    assert all(
        not any(p.startswith("Serikzhan Bilash") for p in r["people"]) for r in left["results"]
    )
    assert left["facets"]["person"] and all(
        v["value"] != "Serikzhan Bilash" for v in left["facets"]["person"]
    )
    assert client.get("/api/search?q=x&not_year=abc").status_code == 400
