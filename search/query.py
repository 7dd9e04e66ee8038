"""The user's query string read into a Whoosh query, leniently, and how it was read."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from whoosh import query as wq
from whoosh.fields import Schema
from whoosh.qparser import (
    AndGroup,
    FieldAliasPlugin,
    FuzzyTermPlugin,
    MultifieldParser,
    OrGroup,
    PlusMinusPlugin,
    PrefixPlugin,
)
from whoosh.reading import IndexReader

from analysis.namekeys import is_name_token, name_key
from search.phrasing import strip_request
from search.ranking import word_query

# The fields a bare word searches, and their weights: a title match counts most.
TEXT_FIELDS = ("title", "body", "caption")
# Tuned on bench/relevance.py: a title weight of 0.5 beat 1.0 and 2.5 on all three collections
# (TIME nDCG@10 +0.12, SciFact +0.06, NPL MAP +0.02 against 2.5); title words usually recur in
# the body, so they count twice already.
FIELD_BOOSTS = {"title": 0.5, "body": 1.0, "caption": 0.6}
# A word also matches the other romanizations of a name: a variant alone scores lower than the
# spelling itself, which matches the stemmed fields too. An extra weight for the exact unstemmed
# spelling measured no better on bench/relevance.py (NPL MAP -0.008 at 0.5), so it is off;
# variants at 0.35 rather than 0.7 cost SciFact 0.005 instead of 0.016 nDCG@10.
EXACT_BOOST = 0.0
NAME_VARIANT_BOOST = 0.35
# A query is read up to this many words; the rest is dropped with a note (a 5,000-character
# paste must neither hang nor error).
MAX_QUERY_WORDS = 32
MAX_QUERY_CHARS = 1000
# Expensive forms: a wildcard needs this many literal characters before it, and expands to at
# most this many terms.
MIN_PREFIX_CHARS = 2
MAX_EXPANSIONS = 256
# Field names users may write (`person:Bilash`); any other "word:" is read as plain words.
USER_FIELDS = frozenset(
    {"title", "body", "caption", "person", "organization", "place", "source", "section", "year"}
)
# User field names that search an index field of another name.
FIELD_ALIASES = {"source_name": ["source"]}
_FIELD_PREFIX = re.compile(r"(?<![\w:])(\w+):(?=\S)")

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'"})
_WORDS = re.compile(r"\w+(?:['.]\w+)*", re.UNICODE)
_OPERATOR_WORDS = re.compile(r"\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b")
_WILDCARD_TERM = re.compile(r"(?<![\w*?])([\w'.]*)([*?])")
# A question mark that ends a word ends a question ("who owns Novaya Gazeta?"): read as a
# wildcard, it would ask for one more letter and find nothing. "wom?n" keeps its wildcard.
_QUESTION_MARK = re.compile(r"(?<=\w)\?+(?=[\s)\"']|$)")


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A Whoosh query, the words it holds, and notes on how the text was read."""

    query: wq.Query
    interpreted: str
    words: tuple[str, ...]
    notes: tuple[str, ...] = ()
    is_browse: bool = False
    text: str = ""  # what was searched: the query without its request phrasing


def normalize_query(text: str) -> str:
    """Returns the query with curly quotes straightened, NFC, and whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).translate(_QUOTES).split())


def _bound_wildcards(text: str, notes: list[str]) -> str:
    """Returns the text with too-short wildcard terms ("*", "a*", "*ing") made plain words."""

    def fix(m: re.Match[str]) -> str:
        literal = m[1]
        if len(literal) >= MIN_PREFIX_CHARS:
            return m[0]
        notes.append(f"'{m[0]}' needs {MIN_PREFIX_CHARS} letters before the wildcard: ignored")
        return literal + " "

    return _WILDCARD_TERM.sub(fix, text)


def _operators_as_words(text: str, notes: list[str]) -> str:
    """Returns an all-capitals query with AND, OR and NOT made plain words.

    In a query typed with caps lock, or pasted from an all-capitals wire story or headline,
    an upper-case AND cannot mark an operator: read as one, "ELECTRON DENSITY AND TEMPERATURE"
    would require both sides of the AND (bench/relevance.py, whose TIME and NPL topics are in
    capitals: TIME nDCG@10 +0.005, NPL MAP +0.003).
    """
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2 or any(c.islower() for c in letters):
        return text
    text, count = _OPERATOR_WORDS.subn(lambda m: m[0].lower(), text)
    if count:
        notes.append("the query is all in capitals: AND, OR and NOT were read as words")
    return text


def _parser(schema: Schema, match: str) -> MultifieldParser:
    group = AndGroup if match == "all" else OrGroup.factory(0.9)
    fields = [f for f in TEXT_FIELDS if f in schema]
    parser = MultifieldParser(fields, schema, fieldboosts=FIELD_BOOSTS, group=group)
    parser.add_plugin(PrefixPlugin())
    parser.add_plugin(FuzzyTermPlugin())
    # "-word" excludes only at the start of a word: "Kyzyl-Orda" and "Kara-Murza" are names.
    parser.add_plugin(PlusMinusPlugin(plusexpr=r"(?<!\S)\+", minusexpr=r"(?<!\S)-"))
    parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
    return parser


def _unknown_fields_as_words(text: str, notes: list[str]) -> str:
    """Returns the text with "word:" prefixes that name no searchable field made plain words."""

    def fix(m: re.Match[str]) -> str:
        if m[1].lower() in USER_FIELDS:
            return m[1].lower() + ":"
        notes.append(f"'{m[1]}:' is not a field; searched it as a word")
        return m[1] + " "

    return _FIELD_PREFIX.sub(fix, text)


def parse_user_query(text: str, schema: Schema, *, match: str = "all") -> ParsedQuery:
    """Returns the query a user's text means; never raises, whatever the text.

    Args:
        text: the raw query string.
        schema: the index schema.
        match: "all" (every word required) or "any" (any word, ranked).

    Returns:
        The query, its words and notes; an empty text browses every article.
    """
    notes: list[str] = []
    text, request = strip_request(_QUESTION_MARK.sub("", normalize_query(text)))
    if request:
        quoted = " and ".join(f"'{phrase}'" for phrase in request)
        notes.append(f"{quoted} read as the request, not as words to search")
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]
        notes.append(f"the query was cut to its first {MAX_QUERY_CHARS} characters")
    tokens = text.split()
    if len(tokens) > MAX_QUERY_WORDS:
        text = " ".join(tokens[:MAX_QUERY_WORDS])
        notes.append(f"the query was cut to its first {MAX_QUERY_WORDS} words")
    words = tuple(_WORDS.findall(text))
    if not words:
        if text.strip(" *?"):
            notes.append("the query holds no words to search")
        return ParsedQuery(wq.Every(), "", (), tuple(notes), is_browse=True, text=text)
    searched = text
    text = _unknown_fields_as_words(_bound_wildcards(text, notes), notes)
    text = _operators_as_words(text, notes)
    parser = _parser(schema, match)
    try:
        parsed = parser.parse(text)
    except Exception:  # the parser is not meant to raise; if it does, fall back to words
        parsed = wq.NullQuery
    if parsed is wq.NullQuery or isinstance(parsed, type(wq.NullQuery)):
        # "AND OR", "(((", "title:(": the syntax held nothing; search the words themselves.
        parsed = parser.parse(" ".join(f'"{w}"' if "'" in w else w for w in words))
        notes.append("the query's operators could not be read; searched its words")
    if parsed is wq.NullQuery or isinstance(parsed, type(wq.NullQuery)):
        notes.append("the query holds only common words")
        return ParsedQuery(wq.NullQuery, "", words, tuple(notes), text=searched)
    expanded = _expand(parsed, text)
    return ParsedQuery(expanded, str(parsed), words, tuple(notes), text=searched)


def _word_at(text: str, term: wq.Term) -> str | None:
    start, end = getattr(term, "startchar", None), getattr(term, "endchar", None)
    if start is None or end is None:
        return None
    return text[start:end]


def _alternatives(word: str) -> list[wq.Query]:
    """Returns the exact-spelling and name-variant terms a query word also matches."""
    alternatives: list[wq.Query] = []
    if EXACT_BOOST:
        lowered = unicodedata.normalize("NFKD", word.lower())
        folded = "".join(c for c in lowered if not unicodedata.combining(c))
        alternatives.append(wq.Term("exact", folded, boost=EXACT_BOOST))
    candidate = word if word[:1].isupper() else word[:1].upper() + word[1:]
    if is_name_token(candidate):
        key = name_key(candidate)
        if key:
            alternatives.append(wq.Term("names", key, boost=NAME_VARIANT_BOOST))
    return alternatives


def _expand(q: wq.Query, text: str) -> wq.Query:
    """Returns the query with each bare word also matching its exact form and name variants."""
    if isinstance(q, wq.Or) and q.subqueries:
        subs = q.subqueries
        if all(isinstance(s, wq.Term) and s.fieldname in TEXT_FIELDS for s in subs):
            # One word's terms in each field, or (any-word mode) several words' terms in one Or:
            # each word becomes one BM25F word. Its name variants score beside it, on their own:
            # a proper name the word is (any spelling of it) weighs a little more than its text
            # (bench/relevance.py: TIME +0.018, SciFact +0.004 against one BM25F sum).
            groups: dict[object, list[wq.Query]] = {}
            for s in subs:
                start = getattr(s, "startchar", None)
                groups.setdefault(s.text if start is None else start, []).append(s)
            words = []
            for terms in groups.values():
                word = _word_at(text, terms[0])
                alternatives = _alternatives(word) if word else []
                words.append(
                    wq.Or([word_query(terms), *alternatives]) if alternatives else word_query(terms)
                )
            if len(words) == 1:
                return words[0].with_boost(q.boost)
            return wq.Or(words, boost=q.boost, scale=q.scale)
    if isinstance(q, wq.Term) and q.fieldname in TEXT_FIELDS:
        return q  # a field query (title:word) stays on its field
    if isinstance(q, wq.Not):
        return wq.Not(_expand(q.query, text), boost=q.boost)
    if isinstance(q, wq.CompoundQuery | wq.WrappingQuery | wq.BinaryQuery):
        return q.apply(lambda sub: _expand(sub, text))
    return q


def query_terms(q: wq.Query, reader: IndexReader) -> Iterator[tuple[str, str]]:
    """Yields the (field, term) pairs a query matches, wildcards expanded (bounded)."""
    for leaf in q.leaves():
        if isinstance(leaf, wq.Not) or getattr(leaf, "fieldname", None) is None:
            continue
        if isinstance(leaf, wq.Phrase):
            for w in leaf.words:
                yield leaf.fieldname, w
        elif isinstance(leaf, wq.Term):
            yield leaf.fieldname, leaf.text
        elif isinstance(leaf, wq.MultiTerm):
            for k, btext in enumerate(leaf._btexts(reader)):
                if k >= MAX_EXPANSIONS:
                    break
                yield leaf.fieldname, btext.decode("utf-8") if isinstance(btext, bytes) else btext


def negated_leaves(q: wq.Query) -> set[tuple[str, str]]:
    """Returns the (field, term) pairs under a NOT: they must not be highlighted."""
    found: set[tuple[str, str]] = set()
    for node in _walk(q):
        if isinstance(node, wq.Not | wq.AndNot):
            target = node.query if isinstance(node, wq.Not) else node.b
            for leaf in target.leaves():
                if isinstance(leaf, wq.Term):
                    found.add((leaf.fieldname, leaf.text))
    return found


def _walk(q: wq.Query) -> Iterator[wq.Query]:
    yield q
    for child in q.children():
        yield from _walk(child)
