"""Tests for indexer.extract.entities: rules on small hand-written texts and on the real corpus pages."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from indexer.extract.entities import Entities, extract_entities

REPO = Path(__file__).resolve().parent.parent
LABELS = REPO / "tests" / "data" / "entities" / "labels.json"
TYPES = ("people", "organizations", "places")


def _bench() -> ModuleType:
    """Loads bench/entities.py (not a package) for its labelled-set loader and scorer."""
    module = sys.modules.get("lantern_bench_entities")
    if module is None:
        spec = importlib.util.spec_from_file_location(
            "lantern_bench_entities", REPO / "bench" / "entities.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return module


def _labels() -> list[dict[str, Any]]:
    articles: list[dict[str, Any]] = json.loads(LABELS.read_text("utf-8"))["articles"]
    return articles


CORPUS_SPECS = [a for a in _labels() if a["source"] == "corpus"]


def test_entities_is_a_frozen_value_with_empty_defaults() -> None:
    empty = Entities()
    assert (empty.people, empty.organizations, empty.places) == ((), (), ())
    with pytest.raises(dataclasses.FrozenInstanceError):
        empty.people = ("x",)  # type: ignore[misc]


@pytest.mark.parametrize(
    "body",
    ["", "\n\n", "the police said nothing on monday.", "0:00 0:04:47 0:00"],
    ids=["empty", "blank-paragraphs", "all-lowercase", "numbers-only"],
)
def test_text_without_names_gives_no_entities(body: str) -> None:
    assert extract_entities(body) == Entities()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Serikzhan Bilash was arrested.\n\nBilash denied it. Lawyers for Mr. Bilash appealed.",
            ("Serikzhan Bilash",),
        ),
        (
            "Under Stalin, millions died. Soviet dictator Josef Stalin ruled until 1953.",
            ("Josef Stalin",),
        ),
        (
            "Historian Yury Dmitriyev is on trial. Dmitriyev’s research angered many.",
            ("Yury Dmitriyev",),
        ),
        (
            "The group's leader, Mukhtar Karibai, told reporters that Karibai's office was shut.",
            ("Mukhtar Karibai",),
        ),
        ("Prosecutors questioned Mr Gopinath. Gorur Gopinath later resigned.", ("Gorur Gopinath",)),
    ],
    ids=[
        "surname-and-mr",
        "fullest-form-comes-later",
        "curly-possessive",
        "apposition",
        "mr-without-dot",
    ],
)
def test_people_come_out_once_under_their_fullest_name(
    body: str, expected: tuple[str, ...]
) -> None:
    assert extract_entities(body).people == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Protesters cheered President Vladimir Putin in Moscow.", ("Vladimir Putin",)),
        ("The jailed rights activist Zhamila Maken went on hunger strike.", ("Zhamila Maken",)),
        ("“We will appeal,” said Ulrich Delius, the STP's director.", ("Ulrich Delius",)),
        ("Ombudsman Gennady Sarayev visited the prison.", ("Gennady Sarayev",)),
        ("Freedom Now Legal Officer Adam Lhedmat welcomed the ruling.", ("Adam Lhedmat",)),
        (
            "Two women, Khalida Aqytkhan and Gauhar Qurmanghalieva, were detained.",
            ("Khalida Aqytkhan", "Gauhar Qurmanghalieva"),
        ),
        ("The Chinese ambassador to Kazakhstan, Zhang Xiao, said so.", ("Zhang Xiao",)),
    ],
    ids=[
        "title",
        "role-noun",
        "apposition-after",
        "capitalized-role",
        "org-then-title",
        "list-after-role",
        "role-with-complement",
    ],
)
def test_people_are_found_by_titles_roles_and_appositions(
    body: str, expected: tuple[str, ...]
) -> None:
    assert extract_entities(body).people == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Russia's Justice Ministry refused to register it.", ("Justice Ministry",)),
        (
            "He heads the local branch of the Memorial human rights organization.",
            ("Memorial",),
        ),
        ("The independent newspaper Novaya gazeta said its staff fell ill.", ("Novaya gazeta",)),
        (
            "The UN Working Group on Arbitrary Detention ruled on the case.",
            ("UN Working Group on Arbitrary Detention",),
        ),
        (
            "The Society for Threatened Peoples (STP) called for his release. The STP said so.",
            ("Society for Threatened Peoples",),
        ),
        (
            "The United Nations said so in August. The UN also said more camps existed.",
            ("United Nations",),
        ),
        (
            "Bilash led the Atazhurt Eriktileri (Volunteers of the Fatherland) group.",
            ("Atazhurt Eriktileri",),
        ),
        (
            "A petition was filed by the Washington-based Freedom Now human rights group.",
            ("Freedom Now",),
        ),
        ("With reporting by Dozhd and TASS", ("Dozhd", "TASS")),
        (
            "Kazakh authorities and the Kazakh Foreign Ministry disagreed.",
            ("Kazakh Foreign Ministry",),
        ),
    ],
    ids=[
        "ministry",
        "org-noun-after",
        "russian-title-case",
        "of-and-on-inside",
        "acronym-in-parentheses",
        "acronym-of-full-name",
        "translation-in-parentheses",
        "based-and-group",
        "reporting-credit",
        "demonym-opens-org",
    ],
)
def test_organizations(body: str, expected: tuple[str, ...]) -> None:
    assert extract_entities(body).organizations == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("ALMATY, Kazakhstan -- Police detained six protesters.", ("Almaty", "Kazakhstan")),
        ("Kazakhstan's largest city hosts China's consulate.", ("Kazakhstan", "China")),
        ("Kazakh citizens met Chinese and Russian officials.", ()),
        ("Camps in Xinjiang and courts in Karelia drew criticism.", ("Xinjiang", "Karelia")),
        ("U.S. officials met Ukraine's envoy. The U.S. said more.", ("United States", "Ukraine")),
        ("He was freed in the town of Endirei.", ("Endirei",)),
        ("Police in Almaty said so. Of course, they refused.", ("Almaty",)),
        ("Russia's Siberian Altai Region was flooded.", ("Russia", "Altai")),
    ],
    ids=[
        "dateline",
        "possessives",
        "demonyms-are-not-places",
        "regions",
        "country-alias",
        "place-cue-for-small-town",
        "sentence-initial-words",
        "region-suffix",
    ],
)
def test_places(body: str, expected: tuple[str, ...]) -> None:
    assert extract_entities(body).places == expected


@pytest.mark.parametrize(
    "body",
    [
        "On Monday, Nonetheless and However opened sentences in March.",
        "Answering questions, Investigators said the President would come.",
        "Supporters gathered. Dozens of Russian scholars signed.",
        "Officials should advocate for release (Press Release). A Press Conference followed.",
    ],
    ids=["weekdays-months-openers", "titles-alone", "plural-openers", "document-kinds"],
)
def test_common_capitalized_words_are_not_entities(body: str) -> None:
    assert extract_entities(body) == Entities()


@pytest.mark.parametrize(
    ("body", "people", "places"),
    [
        ("US President Donald Trump met reporters.", ("Donald Trump",), ("United States",)),
        (
            "He met Prime Minister Theresa May on May 24. In May, Mrs May resigned.",
            ("Theresa May",),
            (),
        ),
        ("The General Election is in May. The election may be close.", (), ()),
        (
            "Navalny's lawyer Olga Mikhailova said Aleksei Navalny would appeal.",
            ("Aleksei Navalny", "Olga Mikhailova"),
            (),
        ),
        (
            "Under Putin, Stalin was rehabilitated. Josef Stalin died in 1953.",
            ("Josef Stalin",),
            (),
        ),
    ],
    ids=[
        "us-before-title",
        "may-the-name-and-the-month",
        "title-before-common-word",
        "possessive-before-role",
        "city-named-like-a-person",
    ],
)
def test_ambiguous_capitals(body: str, people: tuple[str, ...], places: tuple[str, ...]) -> None:
    found = extract_entities(body)
    assert (found.people, found.places) == (people, places)


def test_title_and_caption_come_first_in_order_of_appearance() -> None:
    found = extract_entities(
        "Sergei Samborsky told reporters in Tomsk that he fled to Georgia.",
        title="Protest In Almaty",
        caption="Sergei Samborsky (file photo)",
    )
    assert found.people == ("Sergei Samborsky",)
    assert found.places == ("Almaty", "Tomsk", "Georgia")


def test_a_title_case_headline_names_no_new_person() -> None:
    found = extract_entities("Police said little.", title="Locked Up Again For Wearing Masks")
    assert found == Entities()


def _corpus_entities(spec: dict[str, Any]) -> Entities:
    body = _bench().corpus_body(spec)
    return extract_entities(body, title=spec.get("title", ""), caption=spec.get("caption", ""))


@pytest.mark.parametrize("spec", CORPUS_SPECS, ids=[s["id"] for s in CORPUS_SPECS])
def test_corpus_articles_match_their_labels(spec: dict[str, Any]) -> None:
    found = _corpus_entities(spec)
    for kind in TYPES:
        assert set(getattr(found, kind)) == set(spec[kind]), kind


@pytest.mark.parametrize(
    ("article", "kind", "expected"),
    [
        (
            "corpus/001#2",
            "people",
            ("Yury Dmitriyev", "Gennady Sarayev", "Josef Stalin", "Vladimir Putin"),
        ),
        (
            "corpus/000#2",
            "places",
            (
                "Almaty",
                "Kazakhstan",
                "China",
                "Xinjiang",
                "Soviet Union",
                "Kyrgyzstan",
                "Russia",
                "Tatarstan",
            ),
        ),
        (
            "corpus/004#1",
            "organizations",
            (
                "Society for Threatened Peoples",
                "Atajurt",
                "Chinese Communist Party",
                "Hotel Rahat Palace",
            ),
        ),
    ],
    ids=["dmitriyev-people", "bilash-places", "press-release-orgs"],
)
def test_corpus_entities_keep_order_of_first_appearance(
    article: str, kind: str, expected: tuple[str, ...]
) -> None:
    spec = next(s for s in CORPUS_SPECS if s["id"] == article)
    assert getattr(_corpus_entities(spec), kind) == expected


def test_labels_are_well_formed_and_hold_no_outside_text() -> None:
    articles = _labels()
    ids = [a["id"] for a in articles]
    assert len(ids) == len(set(ids))
    assert len([a for a in articles if a["source"] != "corpus"]) >= 25
    for article in articles:
        assert article["split"] in {"tune", "holdout", "fresh"}
        # Research-only sources: the repo stores ids and labels, never their text.
        assert not {"body", "text", "title"} & article.keys() or article["source"] == "corpus"
        for kind in TYPES:
            names = article[kind]
            assert len(names) == len(set(names)), (article["id"], kind)


def test_outside_texts_are_skipped_when_the_shared_data_is_absent(tmp_path: Path) -> None:
    articles, missing = _bench().load_labelled(tmp_path)
    assert {a.id for a in articles} == {s["id"] for s in CORPUS_SPECS}
    assert len(missing) == len(_labels()) - len(CORPUS_SPECS)


def test_shared_data_folder_can_be_overridden(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LANTERN_SHARED_DATA", str(tmp_path))
    assert _bench().shared_data_dir() == tmp_path


def test_labelled_set_meets_the_goals() -> None:
    bench = _bench()
    articles, missing = bench.load_labelled()
    outside = [a for a in articles if not a.id.startswith("corpus/")]
    if not outside:
        pytest.skip(f"shared data absent ({len(missing)} labelled articles unreadable)")
    found = [extract_entities(a.body, title=a.title, caption=a.caption) for a in articles]
    scores, _ = bench.score(articles, found)
    assert scores["people"].precision >= 0.9 and scores["people"].recall >= 0.85
    assert scores["places"].precision >= 0.9 and scores["places"].recall >= 0.9


def test_city_names_are_cached_between_runs_and_a_cache_that_cannot_be_written_costs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from indexer.extract import entities

    source = entities._geonames_dir() / "cities5000.json"
    expected = entities._read_cities(source)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert entities._load_cities() == expected
    (cached,) = (tmp_path / "cache" / "lantern").glob("cities-*.json")
    # The next run reads the cache: what it holds is what the run gets.
    cached.write_text(json.dumps({"Almaty": 1}), encoding="utf-8")
    assert entities._load_cities() == {"Almaty": 1}
    # A damaged cache is read anew, and a folder that cannot be made is no error.
    cached.write_bytes(b"\x00{")
    assert entities._load_cities() == expected
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert entities._load_cities() == expected
