"""Search quality over the sample index: query language, name variants, facets, snippets."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from app import create_app
from indexer.index.update import build_index
from search.backends.whoosh import WhooshSource
from search.engine import run_search
from search.models import SearchPage, SearchRequest
from search.ranking import DEFAULT_RANKING
from tests.paths import CORPUS

RFE_BILASH = {"000_b6dae043be5a020e-2", "001_eace3fbab33ad4a8-1"}
STP = "004_d6af8e314100ae0e-1"
DMITRIYEV = "001_eace3fbab33ad4a8-2"
NOVAYA = "002_c97655dea1bfe384-2"
PONOMARYOV = "000_b6dae043be5a020e-1"


def search(client: FlaskClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    data: dict[str, Any] = response.get_json()
    return data


def ids(data: dict[str, Any]) -> list[str]:
    return [r["id"] for r in data["results"]]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('"Novaya gazeta"', {NOVAYA}),
        ("Ponomaryov OR Dmitriyev", {PONOMARYOV, DMITRIYEV}),
        ("(Ponomaryov OR Dmitriyev) Karelia", {DMITRIYEV}),
        ("title:reeducation", {STP}),
        ("person:Samborsky", {"003_addfb53f29969fc8-2"}),
        ("organization:Memorial", {DMITRIYEV}),
        ("place:Petrozavodsk", {DMITRIYEV}),
        ('source:"Society for Threatened Peoples"', {STP}),
        ("Samb*", {"003_addfb53f29969fc8-2"}),
        ("Sanborsky~", {"003_addfb53f29969fc8-2"}),
        ("Gottingen", {STP}),
        ("GÖTTINGEN", {STP}),
        ("“Novaya gazeta”", {NOVAYA}),
        ("sheep vests", {NOVAYA}),
    ],
    ids=[
        "phrase",
        "or",
        "parentheses",
        "title-field",
        "person-field",
        "organization-field",
        "place-field",
        "source-field",
        "prefix",
        "fuzzy",
        "accent-folded",
        "case-folded",
        "curly-quotes",
        "stemmed-plurals",
    ],
)
def test_query_forms(client: FlaskClient, q: str, expected: set[str]) -> None:
    assert set(ids(search(client, q=q))) == expected


def test_not_and_minus_exclude(client: FlaskClient) -> None:
    camps = set(ids(search(client, q="camps")))
    for q in ("camps NOT Bilash", "camps -Bilash"):
        found = set(ids(search(client, q=q)))
        assert found and found < camps and not found & RFE_BILASH
        assert STP not in found  # Bilashuly is the same man: every spelling is excluded


def test_all_capitals_query_reads_operators_as_words(client: FlaskClient) -> None:
    # Caps lock or a pasted all-capitals headline: NOT is a (common) word, nothing is excluded.
    data = search(client, q="CAMPS NOT BILASH")
    assert set(ids(data)) >= RFE_BILASH
    assert any("capitals" in note for note in data["reading"]["notes"])
    mixed = search(client, q="Camps NOT Bilash")
    assert not set(ids(mixed)) & RFE_BILASH and not mixed["reading"]["notes"]


def test_hyphenated_names_are_words_not_exclusions(client: FlaskClient) -> None:
    data = search(client, q="COVID-19-stricken")
    assert ids(data) == ["003_addfb53f29969fc8-2"]
    assert "NOT" not in data["reading"]["interpreted"]
    assert search(client, q="well-known")["total"] >= 2


def test_stemming_matches_word_forms(client: FlaskClient) -> None:
    assert set(ids(search(client, q="detain"))) >= set(ids(search(client, q="detained")))


def test_one_letter_prefix_is_bounded_and_said(client: FlaskClient) -> None:
    data = search(client, q="a* camps")
    assert any("wildcard" in note for note in data["reading"]["notes"])
    assert data["total"] == search(client, q="a camps")["total"]


def test_a_long_query_is_read_whole_and_its_rarest_words_searched(client: FlaskClient) -> None:
    assert search(client, q=" ".join(["camps"] * 2000))["total"] > 0  # one word, repeated
    # A pasted paragraph: 70 common words first, the one that matters last. Every word is read;
    # the rarest 64 are scored, and the note says the others were left out.
    common = [f"word{n}" for n in range(70)]
    data = search(client, q=" ".join([*common, "Dmitriyev"]), match="any")
    assert ids(data)[:1] == [DMITRIYEV]
    assert any("64 rarest" in note for note in data["reading"]["notes"])
    short = search(client, q=" ".join([*common[:40], "Dmitriyev"]), match="any")
    assert ids(short)[:1] == [DMITRIYEV] and not short["reading"]["notes"]


def test_did_you_mean_draws_on_the_index(client: FlaskClient) -> None:
    data = search(client, q="reeducaton")
    assert data["total"] == 0
    assert data["reading"]["suggestion"] == "reeducation"
    assert search(client, q=data["reading"]["suggestion"])["total"] > 0
    assert search(client, q="camps")["reading"]["suggestion"] is None


# Each pair: a spelling in the corpus, another romanization of it, and the article holding it.
VARIANTS = [
    ("Dmitriyev", "Dmitriev", DMITRIYEV),
    ("Bilashuly", "Bilash", STP),
    ("Kunbolatuly", "Kunbolat", "003_addfb53f29969fc8-1"),
    ("Atajurt", "Atazhurt", STP),
    ("Ponomaryov", "Ponomarev", PONOMARYOV),
    ("Qazybek", "Kazybek", "003_addfb53f29969fc8-1"),
    ("Yury", "Yuri", DMITRIYEV),
    ("Yury", "Iurii", DMITRIYEV),
    ("Sauytbay", "Sauytbai", "002_c97655dea1bfe384-1"),
    ("Aleksandr", "Alexander", "003_addfb53f29969fc8-2"),
    ("Serikzhan", "Serikjan", STP),
]


@pytest.mark.parametrize(
    ("spelling", "variant", "article"), VARIANTS, ids=[f"{a}-{b}" for a, b, _ in VARIANTS]
)
def test_name_variants_find_each_other_both_ways(
    client: FlaskClient, spelling: str, variant: str, article: str
) -> None:
    for q in (variant, spelling):
        data = search(client, q=q)
        assert article in ids(data), f"{q} does not find {article}"
    hit = next(r for r in search(client, q=variant)["results"] if r["id"] == article)
    assert "<mark>" in hit["snippet"]


def test_exact_spelling_ranks_above_variants(client: FlaskClient) -> None:
    assert ids(search(client, q="Bilashuly"))[0] == STP
    assert set(ids(search(client, q="Bilash"))[:2]) == RFE_BILASH
    assert ids(search(client, q="Atazhurt"))[-1] == STP


def test_variants_are_not_every_word(client: FlaskClient) -> None:
    # Common words are not names: no variant matching widens them.
    assert search(client, q="Bilal")["total"] == 0
    assert search(client, q="Korea")["total"] == 0


def test_person_facet_merges_spellings(client: FlaskClient) -> None:
    people = search(client, q="Bilash")["facets"]["person"]
    merged = [v for v in people if "Serikzhan Bilashuly" in v.get("variants", [])]
    assert merged and merged[0]["value"] == "Serikzhan Bilash" and merged[0]["count"] == 3
    by_variant = search(client, q="", person="Serikzhan Bilashuly")
    by_label = search(client, q="", person="Serikzhan Bilash")
    assert set(ids(by_variant)) == set(ids(by_label)) == RFE_BILASH | {STP}


def test_selected_value_stays_visible_at_zero(client: FlaskClient) -> None:
    data = search(client, q="Dmitriyev", source="Society for Threatened Peoples")
    assert data["total"] == 0
    source = {v["value"]: v for v in data["facets"]["source"]}
    assert source["Society for Threatened Peoples"]["selected"]
    unknown = search(client, q="", place="Atlantis")["facets"]["place"]
    assert {"value": "Atlantis", "count": 0, "selected": True} in unknown


def test_facet_values_page_and_prefix(client: FlaskClient) -> None:
    first = client.get("/api/facets/person?facet_limit=5").get_json()
    second = client.get("/api/facets/person?facet_limit=5&facet_page=2").get_json()
    assert len(first["values"]) == 5 and len(second["values"]) == 5
    assert not {v["value"] for v in first["values"]} & {v["value"] for v in second["values"]}
    assert first["total_values"] > 10
    counts = [v["count"] for v in first["values"] + second["values"]]
    assert counts == sorted(counts, reverse=True)
    prefixed = client.get("/api/facets/person?facet_prefix=dmi").get_json()
    assert [v["value"] for v in prefixed["values"]] == ["Yury Dmitriyev"]
    assert client.get("/api/facets/colour").status_code == 400


def test_date_range_and_histogram(client: FlaskClient) -> None:
    dated = search(client, q="", **{"from": "2019-03", "to": "2019-03"})
    assert ids(dated) == [STP]
    assert dated["histogram"] == [{"month": "2019-03", "count": 1}]
    assert search(client, q="", **{"from": "2019-03-12"})["total"] == 0
    assert search(client, q="Kazakhstan", year="2019")["total"] == 1


@pytest.mark.parametrize("q", ["camps", "Kazakhs Xinjiang", "Bilash"], ids=["one", "two", "name"])
def test_snippets_are_short_fragments_with_marks(client: FlaskClient, q: str) -> None:
    for hit in search(client, q=q)["results"]:
        assert 1 <= len(hit["snippets"]) <= 3
        for snippet in hit["snippets"]:
            text = re.sub(r"</?mark>", "", snippet)
            assert len(text) <= 260
            assert "<mark>" in snippet
            inner = text.strip("…")
            # Cut on word boundaries: a fragment starts and ends with whole words.
            assert not inner or (inner[0] != " " and inner[-1] != " ")


def test_related_articles(client: FlaskClient) -> None:
    data = client.get(f"/api/articles/{RFE_BILASH.copy().pop()}").get_json()
    assert data["related"]
    assert data["id"] not in {r["id"] for r in data["related"]}


def test_jsonl_ingest(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    records = [
        {
            "id": "wire-1",
            "title": "Court in Almaty jails activist",
            "body": "A court in Almaty jailed an activist on Monday.\n\nHis lawyer will appeal.",
            "published": "2021-05-03",
            "source": "Wire",
            "url": "https://example.org/wire-1",
        },
        {
            "id": "wire-2",
            "title": "Protest in Bishkek",
            "html": "<html><body><article><h1>Protest in Bishkek</h1><p>Hundreds protested "
            "in Bishkek on Tuesday against the new media law, organizers said.</p>"
            "</article></body></html>",
        },
    ]
    lines = [json.dumps(r) for r in records] + ["{not json", json.dumps({"id": "x y z"})]
    (corpus / "export.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    index = tmp_path / "index"
    report = build_index(corpus, index)
    assert report.articles_indexed == 2
    assert [p for p, _ in report.skipped] == ["export.jsonl:3", "export.jsonl:4"]
    client = create_app({"INDEX": str(index), "TESTING": True}).test_client()
    article = client.get("/api/articles/wire-1").get_json()
    assert article["published"] == "2021-05-03" and article["source"] == "Wire"
    assert article["url"] == "https://example.org/wire-1"
    assert search(client, q="Bishkek")["results"][0]["id"] == "wire-2"


def client_for(tmp_path: Path, records: list[dict[str, str]]) -> FlaskClient:
    """Returns a client of an index built from records written as one JSON Lines file."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "wire.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    build_index(corpus, tmp_path / "index")
    return create_app({"INDEX": str(tmp_path / "index"), "TESTING": True}).test_client()


def test_us_and_may_are_searchable_words(tmp_path: Path) -> None:
    records = [
        {"id": "sanctions", "title": "Sanctions", "body": "The US imposed sanctions on Monday."},
        {"id": "pm", "title": "Brexit", "body": "Theresa May spoke in London on Tuesday."},
        {"id": "weather", "title": "Weather", "body": "It may rain in London on Tuesday."},
    ]
    client = client_for(tmp_path, records)
    assert ids(search(client, q="US")) == ["sanctions"]
    assert set(ids(search(client, q="May"))) == {"pm", "weather"}
    assert ids(search(client, q='"Theresa May" London')) == ["pm"]


def test_request_phrasing_is_not_searched(client: FlaskClient) -> None:
    # Every word is required by default: "send" and "articles" would exclude the Bilash posts.
    plain = search(client, q="Bilash")
    asked = search(client, q="Please send me articles about Bilash")
    assert ids(asked) == ids(plain) and set(ids(asked)) >= RFE_BILASH
    assert not asked["reading"]["relaxed"]
    assert any("'Please send me articles about'" in n for n in asked["reading"]["notes"])
    assert "articl" not in asked["reading"]["interpreted"]


def test_question_mark_ending_a_word_ends_a_question(client: FlaskClient) -> None:
    asked = search(client, q="Could you send me articles about Bilash?")
    assert set(ids(asked)) >= RFE_BILASH and ids(asked) == ids(search(client, q="Bilash"))
    assert asked["reading"]["suggestion"] is None  # "please" and "send" are not corrected
    # Inside a word, "?" stays a one-letter wildcard.
    assert set(ids(search(client, q="Bila?h"))) >= RFE_BILASH


def test_suggestion_corrects_the_subject_not_the_request(client: FlaskClient) -> None:
    data = search(client, q="please send articles about Bilsah")
    assert data["reading"]["suggestion"] == "Bilash"  # in the case it was typed in


def test_british_and_american_spellings_find_each_other(tmp_path: Path) -> None:
    records = [
        {"id": "uk", "title": "Ward", "body": "The tumour was removed; the Labour Party spoke."},
        {"id": "us", "title": "Clinic", "body": "Tumors grow; the labor party did not."},
        {"id": "beer", "title": "Pub", "body": "A pint of draught beer."},
        {"id": "law", "title": "Parliament", "body": "The draft law was passed."},
    ]
    client = client_for(tmp_path, records)
    for q in ("tumor", "tumour", "tumours", '"labor party"', '"Labour Party"'):
        assert set(ids(search(client, q=q))) == {"uk", "us"}, q
    snippets = search(client, q="tumor")["results"]
    assert all("<mark>" in "".join(hit["snippets"]) for hit in snippets)
    assert any("<mark>tumour</mark>" in "".join(hit["snippets"]) for hit in snippets)
    # A draft law is not a draught: pairs of different meanings stay apart.
    assert ids(search(client, q="draft")) == ["law"]


def test_a_lone_exclusion_lists_the_articles_without_the_word(client: FlaskClient) -> None:
    every = search(client, q="", per_page=100)["total"]
    camps = set(ids(search(client, q="camps")))
    for q in ("-camps", "NOT camps"):
        found = set(ids(search(client, q=q, per_page=100)))
        assert found and not found & camps
        assert len(found) + len(camps) == every


def test_relaxing_keeps_exclusions(client: FlaskClient) -> None:
    camps = set(ids(search(client, q="camps")))
    for q in ("Russia NOT camps zzqx", "Russia -camps zzqx"):
        data = search(client, q=q, per_page=100)
        assert data["reading"]["relaxed"] and data["total"] > 0
        assert not set(ids(data)) & camps
        assert "NOT camps" in data["reading"]["interpreted"]


def test_a_phrase_of_names_finds_other_spellings(client: FlaskClient) -> None:
    found = set(ids(search(client, q='"Serikzhan Bilash"')))
    assert found >= RFE_BILASH | {STP}  # STP writes him "Serikzhan Bilashuly"


def test_a_wordless_query_is_not_the_whole_archive(client: FlaskClient) -> None:
    for q in ("🔥", "%%", "((("):
        data = search(client, q=q)
        assert data["total"] == 0
        assert data["reading"]["notes"]


def test_fuzzy_distance_is_bounded_and_said(client: FlaskClient) -> None:
    data = search(client, q="camps~5")
    assert data["total"] == search(client, q="camps~2")["total"]
    assert any("at most 2 edits" in note for note in data["reading"]["notes"])


def test_an_excluded_word_is_not_highlighted(client: FlaskClient) -> None:
    page = client.get(f"/api/articles/{STP}", query_string={"q": "-Atajurt"}).get_json()
    assert page["marks"] == 0 and "<mark" not in page["body_html"]
    assert client.get(f"/api/articles/{STP}", query_string={"q": "Atajurt"}).get_json()["marks"]


def test_wildcards_expand_to_a_bounded_number_of_words(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # Code wx{n} stands in n + 1 reports of its own: wx0 is the rarest.
    records = [
        {"id": f"r{n}-{k}", "title": f"Report {n}", "body": f"The code wx{n} was seen."}
        for n in range(6)
        for k in range(n + 1)
    ]
    (corpus / "r.jsonl").write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    build_index(corpus, tmp_path / "index")
    config = replace(DEFAULT_RANKING, max_expansions=5)
    backend = WhooshSource(tmp_path / "index", config).current()
    page = run_search(backend, SearchRequest(q="wx*", per_page=100), config)
    # The five most frequent expansions are searched: every report but wx0's.
    assert page.total == 20 and "r0-0" not in {hit.article.id for hit in page.hits}
    assert any("more than 5 words" in note for note in page.reading.notes)
    marked = {m for hit in page.hits for s in hit.snippets for m in re.findall("<mark>(.*?)</", s)}
    assert marked == {f"wx{n}" for n in range(1, 6)}  # what matched is what is highlighted
    within = run_search(backend, SearchRequest(q="wx5*", per_page=100), config)
    assert within.total == 6 and not within.reading.notes


def test_hyphenated_given_names_meet_their_romanizations(tmp_path: Path) -> None:
    records = [
        {
            "id": "tokayev",
            "title": "President signs decree",
            "body": "ASTANA -- President Kassym-Jomart Tokayev signed the decree on Monday.",
        },
        {"id": "other", "title": "Weather", "body": "Rain fell over Astana on Monday."},
    ]
    client = client_for(tmp_path, records)
    for q in ("Kasym-Zhomart", "Kasym-Zhomart Tokayev", '"Kasym-Zhomart Tokaev"'):
        assert ids(search(client, q=q)) == ["tokayev"], q


def test_suggestions_keep_the_first_letter_and_the_case(client: FlaskClient) -> None:
    assert search(client, q='"unclosed')["reading"]["suggestion"] is None
    assert search(client, q="Kazakstan zzqx")["reading"]["suggestion"] == "Kazakhstan zzqx"
    assert search(client, q="smørrebrød")["reading"]["suggestion"] is None


def test_queries_are_read_with_the_analysis_the_index_was_built_with(tmp_path: Path) -> None:
    from analysis.tokens import TextSettings

    plain = TextSettings(stoplist=frozenset(), minsize=1, stemmer="none")
    build_index(CORPUS, tmp_path / "plain", text_settings=plain)
    build_index(CORPUS, tmp_path / "default")
    views = {name: WhooshSource(tmp_path / name).current() for name in ("plain", "default")}

    def found(name: str, q: str) -> SearchPage:
        return run_search(views[name], SearchRequest(q=q, per_page=100))

    # Without stop words "the" is a word to find; without stems "camp" is not "camps".
    assert found("default", "the").total == 0
    assert found("plain", "the").total == 9
    camps = {hit.article.id for hit in found("default", "camp").hits}
    assert camps and camps > {hit.article.id for hit in found("plain", "camp").hits}


def test_a_cyrillic_place_meets_its_romanization_in_the_facet(
    corpus_copy: Path, tmp_path: Path
) -> None:
    page = Path(__file__).parent / "data" / "cyrillic" / "almaty_court_cp1251.txt"
    (corpus_copy / page.name).write_bytes(page.read_bytes())
    build_index(corpus_copy, tmp_path / "index")
    client = create_app({"INDEX": str(tmp_path / "index"), "TESTING": True}).test_client()
    found = search(client, q="", place="Almaty", per_page=100)
    assert "almaty_court_cp1251-1" in ids(found)
    (almaty,) = [v for v in found["facets"]["place"] if v["selected"]]
    assert "Алматы" in [almaty["value"], *almaty.get("variants", [])]


@pytest.mark.parametrize(
    ("q", "match"),
    [('-"human rights"', "all"), ("camps -(Xinjiang)", "all"), ("zzq* -camps", "any")],
    ids=["excluded-phrase", "excluded-group", "optional-word-matching-nothing"],
)
def test_exclusions_of_phrases_and_groups_hold(client: FlaskClient, q: str, match: str) -> None:
    data = search(client, q=q, match=match, per_page=100)
    excluded = {'-"human rights"': '"human rights"', "camps -(Xinjiang)": "Xinjiang"}.get(q)
    if excluded is None:  # nothing can match the optional word: nothing is found
        assert data["total"] == 0
        return
    assert data["total"] > 0
    assert not set(ids(data)) & set(ids(search(client, q=excluded, per_page=100)))


def test_two_selected_spellings_of_one_name_are_one_value(client: FlaskClient) -> None:
    data = search(
        client,
        q="",
        person=["Baibolat Kunbolat", "Baibolat Kunbolatuly"],
        facet_limit=1,
    )
    chosen = [v for v in data["facets"]["person"] if v["selected"]]
    assert len(chosen) == 1
    page = client.get(
        "/search",
        query_string={"person": ["Baibolat Kunbolat", "Baibolat Kunbolatuly"], "facet_limit": 1},
    ).get_data(as_text=True)
    chip = re.search(r'<a class="chip" href="([^"]+)"', page)
    assert chip and "person=" not in chip[1].replace("&amp;", "&")
