"""Tests for analysis/: the pure analysis against the Whoosh chains it replaced, and its adapter.

The reference chains are built here from Whoosh's own parts, as indexes of schema 4 were built:
the same words, positions, offsets and stop words are required, and the same stems but where
Whoosh's port of Snowball is older than Snowball 3 (STEM_ALLOWANCE).
"""

from __future__ import annotations

import gc
import gzip
import importlib
import importlib.util
import itertools
import json
import pickle
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    CompositeAnalyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis import filters as whoosh_filters
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.lang import stemmer_for_language
from whoosh.qparser import QueryParser
from whoosh.support.charset import accent_map

from analysis.folding import fold
from analysis.namekeys import TOKEN_PATTERN as NAME_PATTERN
from analysis.namekeys import _is_candidate, clean_token, name_key, name_key_tokens
from analysis.spelling import american_spelling
from analysis.stemming import STEMMERS, stem
from analysis.stopwords import STOP_WORDS
from analysis.tokens import (
    TextSettings,
    Token,
    exact_tokens,
    stems,
    text_tokens,
)
from analysis.whoosh_adapter import (
    AnalysisTokenizer,
    exact_analyzer,
    name_key_analyzer,
    text_analyzer,
)
from indexer.index import schema
from indexer.index.update import build_index
from search.backends.whoosh import WhooshSource
from tests.paths import CORPUS, ROOT

# The word pattern of schema 4's RegexTokenizer.
OLD_WORD_PATTERN = r"\w+(?:[.'’]\w+)*"
OLD_STOP_WORDS = frozenset(whoosh_filters.STOP_WORDS - {"us", "may"})
# Share of a collection's distinct words whose stem may differ from Whoosh's port of Snowball,
# all by Snowball 3's later rules ("organisms": "organism", was "organ"; analysis/stemming.py).
# Measured: 8 of the sample corpus's 1,043 words (0.8%: news say "organization", "international"
# and "emergency"), 0.2 to 0.3% of the IR collections' words (128 of 62,989 in all of them).
STEM_ALLOWANCE = 0.01
# Documents read from each IR collection (the first ones of its file).
IR_DOCUMENTS = 600
IR_COLLECTIONS = ("time", "npl", "scifact", "med", "cran")
PAGES = sorted(CORPUS.glob("*.txt"))


class _Spelling(Filter):
    """Schema 4's spelling step: American spellings of the folded words."""

    def __call__(self, tokens: Iterable[Any]) -> Iterator[Any]:
        for token in tokens:
            token.text = american_spelling(token.text)
            yield token


class SpellingFilter(Filter):  # type: ignore[misc]
    """Schema 4's spelling step, the reference the analysis is compared with."""

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for token in tokens:
            token.text = american_spelling(token.text)
            yield token


class NameKeyFilter(Filter):  # type: ignore[misc]
    """Schema 4's name-key step, the reference the analysis is compared with."""

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for token in tokens:
            word = clean_token(token.text)
            if not _is_candidate(word, require_capital=token.mode != "query"):
                continue
            key = name_key(word)
            if key:
                token.text = key
                yield token


@cache
def _reference_text(*, stemmed: bool) -> Analyzer:
    """Returns schema 4's title/body chain, with or without its stemmer."""
    chain = (
        RegexTokenizer(OLD_WORD_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | _Spelling()
        | StopFilter(stoplist=OLD_STOP_WORDS, minsize=2)
    )
    return chain | StemFilter(lang="en") if stemmed else chain


@cache
def _reference_exact() -> Analyzer:
    return RegexTokenizer(OLD_WORD_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)


@cache
def _reference_names() -> Analyzer:
    """Returns schema 4's name-key chain (NameKeyFilter is the old filter, kept for it)."""
    return CompositeAnalyzer(RegexTokenizer(NAME_PATTERN), NameKeyFilter())


Row = tuple[str, int, int, int, bool]


def _whoosh_rows(analyzer: Analyzer, text: str, **kwargs: Any) -> list[Row]:
    """Returns (text, position, start, end, stopped) of a Whoosh analyzer's tokens."""
    # "İ" is fold's one deliberate difference inside words (analysis/folding.py): it folds
    # to "i" where Whoosh kept "i" + a combining dot. Same length, so offsets stay.
    text = text.replace("İ", "I")
    return [
        (t.text, t.pos, t.startchar, t.endchar, t.stopped)
        for t in analyzer(text, positions=True, chars=True, **kwargs)
    ]


def _rows(tokens: Iterable[Token]) -> list[Row]:
    return [(t.text, t.position, t.start, t.end, t.stopped) for t in tokens]


def _page_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _shared_data_dir() -> Path:
    """Returns the benchmarks' shared data folder (bench/shared.py; not a package)."""
    name = "lantern_bench_shared"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "shared.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    folder: Path = sys.modules[name].shared_data_dir()
    return folder


@cache
def _ir_texts(collection: str) -> tuple[str, ...]:
    """Returns title + body of the first IR_DOCUMENTS documents of an IR collection."""
    path = _shared_data_dir() / "ir" / collection / "corpus.jsonl.gz"
    if not path.is_file():
        pytest.skip(f"no IR collection at {path} (shared data is optional)")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        documents = [json.loads(line) for line in itertools.islice(handle, IR_DOCUMENTS)]
    return tuple(f"{doc['title']}\n{doc['body']}" for doc in documents)


# Collections of texts: the sample corpus's pages, then each IR collection's first documents.
TEXTS: list[tuple[str, Callable[[], tuple[str, ...]]]] = [
    ("sample-corpus", lambda: tuple(map(_page_text, PAGES))),
    *((f"ir-{name}", lambda name=name: _ir_texts(name)) for name in IR_COLLECTIONS),
]
TEXT_IDS = [name for name, _ in TEXTS]


def test_the_sample_corpus_has_pages() -> None:
    assert len(PAGES) >= 5


# --- stop words and folding ---------------------------------------------------------------


def test_stop_words_are_whooshs_without_us_and_may() -> None:
    assert STOP_WORDS == OLD_STOP_WORDS
    assert {"us", "may"} <= whoosh_filters.STOP_WORDS and not {"us", "may"} & STOP_WORDS


# Where fold differs from Whoosh's LowercaseFilter + CharsetFilter(accent_map), on purpose
# (analysis/folding.py says why): Turkish "İ", and the seven combining marks accent_map maps to
# stray letters.
DELIBERATE = {
    "İ": ("i", "i\u0307"),
    "\u0303": ("\u0303", "p"),
    "\u0308": ("\u0308", "t"),
    "\u030a": ("\u030a", "y"),
    "\u030c": ("\u030c", "j"),
    "\u0323": ("\u0323", "l"),
    "\u0329": ("\u0329", "s"),
    "\u0331": ("\u0331", "h"),
}


def _whoosh_fold(text: str) -> str:
    return text.lower().translate(accent_map)


def test_fold_equals_whoosh_on_every_code_point_but_the_deliberate_ones() -> None:
    differences = {
        char: (fold(char), _whoosh_fold(char))
        for char in map(chr, itertools.chain(range(0xD800), range(0xE000, 0x110000)))
        if fold(char) != _whoosh_fold(char)
    }
    assert differences == DELIBERATE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Smørrebrød", "smorrebrod"),
        ("Crème Brûlée", "creme brulee"),
        ("ÆRØ Cœur", "æro cœur"),  # æ and œ are letters to accent_map, not marked ones
        ("Straße", "strase"),
        ("Łódź", "lodz"),
        ("Đorđe Þór", "dorde tor"),
        ("Kırıkkale Şymkent Jañaözen", "kirikkale symkent janaozen"),
        ("Йошкар-Ола Ёлка Київ", "йошкар-ола ёлка київ"),
        ("Қазақстан Өскемен Ұлы Әлем", "қазақстан өскемен ұлы әлем"),
        ("ΆΘΗΝΑ ΟΔΟΣ", "άθηνα οδος"),
        ("Dmitriyev’s “quote”", "dmitriyev’s “quote”"),
        ("２０２４ ＵＮ 2024", "2024 un 2024"),
        ("İstanbul", "istanbul"),
    ],
    ids=[
        "danish",
        "french",
        "ligatures",
        "sharp-s",
        "polish",
        "stroke-thorn",
        "turkic-latin",
        "cyrillic",
        "kazakh-cyrillic",
        "greek",
        "quotes",
        "fullwidth",
        "turkish-dotted-i",
    ],
)
def test_fold_of_real_text(text: str, expected: str) -> None:
    assert fold(text) == expected
    if "İ" not in text:
        assert fold(text) == _whoosh_fold(text)


# --- stems --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("men’s", "men"),
        ("men's", "men"),
        ("o’brien", "o'brien"),
        ("organisms", "organism"),
        ("running", "run"),
        ("generously", "generous"),
    ],
    ids=["curly", "straight", "curly-inside", "snowball3", "plain", "adverb"],
)
def test_stem(word: str, expected: str) -> None:
    assert stem(word) == expected


@pytest.mark.parametrize(
    ("word", "whoosh", "ours"),
    [
        ("organisms", "organ", "organism"),
        ("international", "intern", "internat"),
        ("biologists", "biologist", "biolog"),
        ("evening", "even", "evening"),
    ],
    ids=["organisms", "international", "biologists", "evening"],
)
def test_stems_that_differ_from_whooshs_port(word: str, whoosh: str, ours: str) -> None:
    assert stemmer_for_language("en")(word) == whoosh
    assert stem(word) == ours


def test_stemmers_by_name() -> None:
    assert STEMMERS == ("english", "porter", "none")
    assert stem("generalization", "porter") == "gener"
    assert stem("generalization", "english") == "general"
    assert stem("generalization", "none") == "generalization"
    with pytest.raises(ValueError, match="unknown stemmer"):
        stem("word", "krovetz")  # type: ignore[arg-type]


# --- text, exact and name-key tokens against the Whoosh chains ----------------------------


@pytest.mark.parametrize("keep_stops", [False, True], ids=["stops-removed", "stops-kept"])
@pytest.mark.parametrize(("name", "texts"), TEXTS, ids=TEXT_IDS)
def test_text_tokens_equal_whooshs_before_stemming(
    name: str, texts: Callable[[], tuple[str, ...]], keep_stops: bool
) -> None:
    unstemmed = TextSettings(stemmer="none")
    for text in texts():
        ours = _rows(text_tokens(text, keep_stops=keep_stops, settings=unstemmed))
        theirs = _whoosh_rows(_reference_text(stemmed=False), text, removestops=not keep_stops)
        assert ours == theirs


@pytest.mark.parametrize(("name", "texts"), TEXTS, ids=TEXT_IDS)
def test_text_tokens_stem_like_whoosh_within_the_allowance(
    name: str, texts: Callable[[], tuple[str, ...]]
) -> None:
    words, differing = set(), set()
    for text in texts():
        unstemmed = list(text_tokens(text, settings=TextSettings(stemmer="none")))
        ours = _rows(text_tokens(text))
        theirs = _whoosh_rows(_reference_text(stemmed=True), text)
        assert len(ours) == len(theirs) == len(unstemmed)
        for word, mine, whooshs in zip(unstemmed, ours, theirs, strict=True):
            assert mine[1:] == whooshs[1:]  # positions, offsets, stopped
            assert mine[0] == stem(word.text)
            words.add(word.text)
            if mine[0] != whooshs[0]:
                differing.add(word.text)
    assert len(differing) <= STEM_ALLOWANCE * len(words), sorted(differing)


@pytest.mark.parametrize(("name", "texts"), TEXTS, ids=TEXT_IDS)
def test_exact_tokens_equal_whooshs(name: str, texts: Callable[[], tuple[str, ...]]) -> None:
    for text in texts():
        assert _rows(exact_tokens(text)) == _whoosh_rows(_reference_exact(), text)


@pytest.mark.parametrize("mode", ["index", "query"])
@pytest.mark.parametrize(
    "path", [*PAGES, CORPUS.parent / "tests" / "test_namekeys.py"], ids=lambda p: p.name
)
def test_name_key_tokens_equal_the_old_filters(path: Path, mode: str) -> None:
    text = _page_text(path)
    ours = _rows(name_key_tokens(text, mode=mode))
    assert ours, "no names at all: the comparison would prove nothing"
    assert ours == _whoosh_rows(_reference_names(), text, mode=mode)


def test_text_tokens_positions_skip_stop_words_as_whoosh_did() -> None:
    tokens = list(text_tokens("The cat and the organisms’ colour", keep_stops=True))
    assert [(t.text, t.position, t.stopped) for t in tokens] == [
        ("the", 0, True),
        ("cat", 1, False),
        ("and", 2, True),
        ("the", 3, True),
        ("organism", 2, False),
        ("color", 3, False),
    ]
    assert stems("The cat and the organisms’ colour") == ["cat", "organism", "color"]


def test_settings_vary_stop_words_and_stemmer() -> None:
    text = "a study of the generalization"
    assert stems(text) == ["studi", "general"]
    assert stems(text, TextSettings(stoplist=frozenset(), minsize=1)) == [
        "a",
        "studi",
        "of",
        "the",
        "general",
    ]
    assert stems(text, TextSettings(stemmer="porter")) == ["studi", "gener"]
    assert stems(text, TextSettings(stemmer="none")) == ["study", "generalization"]
    with pytest.raises(ValueError, match="unknown stemmer"):
        TextSettings(stemmer="krovetz")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="frozenset"):
        TextSettings(stoplist={"a"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Organi*", ["organi*"]), ("the", []), ("Universities", ["universiti"]), ("", [])],
    ids=["wildcard", "stop-word", "word", "empty"],
)
def test_whole_text_as_one_word(text: str, expected: list[str]) -> None:
    assert [t.text for t in text_tokens(text, tokenize=False)] == expected
    unstemmed = TextSettings(stemmer="none")
    ours = text_tokens(text, keep_stops=True, settings=unstemmed, tokenize=False)
    theirs = _reference_text(stemmed=False)
    assert _rows(ours) == _whoosh_rows(theirs, text, removestops=False, tokenize=False)


# --- the Whoosh adapter -------------------------------------------------------------------

SAMPLE = "The Universities’ organisms and Yury Dmitriyev’s colour, in ALMATY: U.S. policy."


def _whoosh_attributes(analyzer: Analyzer, text: str, **kwargs: Any) -> list[dict[str, Any]]:
    keys = ("text", "pos", "startchar", "endchar", "stopped", "boost", "original", "mode")
    return [
        {key: getattr(t, key, None) for key in keys}
        for t in analyzer(text, positions=True, chars=True, keeporiginal=True, **kwargs)
    ]


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (text_analyzer(TextSettings(stemmer="none")), _reference_text(stemmed=False)),
        (exact_analyzer(), _reference_exact()),
        (name_key_analyzer(), _reference_names()),
    ],
    ids=["text", "exact", "names"],
)
@pytest.mark.parametrize(
    "kwargs",
    [
        {"mode": "index"},
        {"mode": "query", "removestops": False},
        {"mode": "index", "start_pos": 7, "start_char": 100},
        {"mode": "query", "tokenize": False},
    ],
    ids=["index", "query-keep-stops", "offsets", "whole"],
)
def test_adapter_follows_whooshs_protocol(
    ours: AnalysisTokenizer, theirs: Analyzer, kwargs: dict[str, Any]
) -> None:
    for text in (SAMPLE, "Dmitriyev’s", "the"):
        assert _whoosh_attributes(ours, text, **kwargs) == _whoosh_attributes(
            theirs, text, **kwargs
        )


def test_adapter_stems_unless_asked_not_to() -> None:
    analyzer = text_analyzer()
    assert analyzer.is_morph and analyzer.has_morph()
    assert not exact_analyzer().has_morph() and not name_key_analyzer().has_morph()
    assert [t.text for t in analyzer("organisms")] == ["organism"]
    assert [t.text for t in analyzer("organisms", no_morph=True)] == ["organisms"]
    assert [t.text for t in analyzer("organisms", mode="query", boosts=True)] == ["organism"]


def test_adapter_pickles_as_a_kind_and_settings() -> None:
    analyzer = text_analyzer(TextSettings(stoplist=frozenset({"x"}), minsize=1))
    assert vars(analyzer) == {"kind": "text", "settings": analyzer.settings}
    copy = pickle.loads(pickle.dumps(analyzer))
    assert copy == analyzer and copy.settings.stoplist == frozenset({"x"})
    assert copy != text_analyzer() and exact_analyzer() == exact_analyzer()
    schema_copy = pickle.loads(pickle.dumps(schema.build_schema()))
    assert schema_copy["body"].analyzer == text_analyzer()
    assert schema_copy["names"].analyzer == name_key_analyzer()
    with pytest.raises(ValueError, match="unknown analysis"):
        AnalysisTokenizer("stems")  # type: ignore[arg-type]


def test_schema_analyses_every_text_field_with_the_adapter() -> None:
    fields = schema.build_schema()
    for name in ("title", "body", "caption"):
        assert fields[name].analyzer == text_analyzer()
    assert fields["exact"].analyzer == fields["source_name"].analyzer == exact_analyzer()
    for name in ("names", "person", "organization", "place"):
        assert fields[name].analyzer == name_key_analyzer()
    porter = TextSettings(stemmer="porter")
    assert schema.build_schema(porter)["body"].analyzer == text_analyzer(porter)


def test_an_index_searches_through_the_adapter() -> None:
    index_schema = Schema(
        id=ID(stored=True),
        body=TEXT(analyzer=text_analyzer(), stored=True),
        exact=TEXT(analyzer=exact_analyzer(), spelling=True),
        names=TEXT(analyzer=name_key_analyzer(), phrase=True),
    )
    ix = RamStorage().create_index(index_schema)
    with ix.writer() as writer:
        writer.add_document(id="a", body=SAMPLE, exact=SAMPLE, names=SAMPLE)
        writer.add_document(id="b", body="Smørrebrød in Copenhagen", exact="Smørrebrød")
    with ix.searcher() as searcher:

        def ids(field: str, query: str) -> set[str]:
            parsed = QueryParser(field, ix.schema).parse(query)
            return {hit["id"] for hit in searcher.search(parsed)}

        assert ids("body", "organism") == {"a"}
        assert ids("body", '"universities organisms"') == {"a"}
        assert ids("body", "color") == {"a"}
        assert ids("body", "organi*") == {"a"}
        assert ids("body", "smorrebrod") == ids("body", "SMØRREBRØD") == {"b"}
        assert ids("exact", "smørrebrød") == {"b"}
        assert ids("names", '"iurii dmitriev"') == {"a"}
        assert searcher.corrector("exact").suggest("smorrebrad", limit=1) == ["smorrebrod"]


def _open_error(index: Path) -> str | None:
    """Returns the name of the error opening an index raises, the file Whoosh left open closed."""
    name = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            whoosh_index.open_dir(str(index))
        except Exception as err:
            name = type(err).__name__
        gc.collect()
    return name


def test_an_index_whose_schema_names_gone_code_is_built_anew(tmp_path: Path) -> None:
    # Schema 4 pickled filters of modules that moved (indexer.spelling.SpellingFilter): the
    # build cannot open such an index, so it starts a new one instead of failing.
    module = tmp_path / "gone_analysis.py"
    module.write_text(
        "from whoosh.analysis import Filter\n"
        "class GoneFilter(Filter):\n"
        "    def __call__(self, tokens):\n"
        "        yield from tokens\n",
        encoding="utf-8",
    )
    sys.path.insert(0, str(tmp_path))
    try:
        gone = importlib.import_module("gone_analysis")
        analyzer = RegexTokenizer() | gone.GoneFilter()
        index = tmp_path / "index"
        index.mkdir()
        whoosh_index.create_in(str(index), Schema(id=ID(stored=True), body=TEXT(analyzer=analyzer)))
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("gone_analysis", None)
    assert _open_error(index) == "ModuleNotFoundError"
    assert build_index(CORPUS, index).articles_indexed == 9
    assert WhooshSource(index).current().article_count() == 9
