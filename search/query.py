"""The user's query text read, leniently, into the backend-neutral query form, with notes on how
it was read. Never raises, whatever the text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from analysis.namekeys import is_name_token, name_key, name_key_tokens
from analysis.tokens import (
    DEFAULT_SETTINGS,
    WORD_PATTERN,
    TextSettings,
    exact_tokens,
    text_tokens,
)
from catalogue import QUERY_FIELDS, Analysis
from search.phrasing import strip_request
from search.syntax import (
    NOTHING,
    Bool,
    Everything,
    Fuzzy,
    Node,
    Pattern,
    Phrase,
    Word,
    describe,
    joined,
)

Match = Literal["all", "any"]
# A wildcard needs this many literal characters before it (the backend bounds its expansion).
MIN_PREFIX_CHARS = 2
MAX_FUZZY_DISTANCE = 2

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'"})
# Words as the text analysis sees them: inner apostrophes and dots stay ("U.S.", "don't").
_WORDS = re.compile(WORD_PATTERN)
_OPERATORS = frozenset({"AND", "OR", "NOT"})
# A question mark that ends a word ends a question ("who owns Novaya Gazeta?"): read as a
# wildcard, it would ask for one more letter and find nothing. "wom?n" keeps its wildcard.
_QUESTION_MARK = re.compile(r"(?<=\w)\?+(?=[\s)\"']|$)")
_FUZZY = re.compile(r"^(.*\w)~([0-9]*)$")
# One lexical unit: a quote, a parenthesis, or a run of anything else.
_LEXEME = re.compile(r'\s*(?:(")|([()])|([^\s()"]+))')
_FIELD = re.compile(r"^(\w+):(.*)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """The query form, the words it holds, and notes on how the text was read."""

    node: Node
    interpreted: str
    words: tuple[str, ...]  # the words searched for (not those excluded)
    notes: tuple[str, ...] = ()
    is_browse: bool = False  # no query: every article
    text: str = ""  # what was searched: the query without its request phrasing


def normalize_query(text: str) -> str:
    """Returns the query with curly quotes straightened, NFC, and whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).translate(_QUOTES).split())


@dataclass(slots=True)
class _Token:
    kind: Literal["word", "phrase", "open", "close", "op"]
    text: str
    sign: str = ""  # "+" required, "-" excluded
    field: str | None = None
    opens_group: bool = False  # a `field:(` token


@dataclass(slots=True)
class _Reader:
    """A recursive-descent reader over the query's tokens."""

    tokens: list[_Token]
    match: Match
    text_settings: TextSettings
    notes: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    position: int = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def sequence(self, field_name: str | None = None, *, nested: bool = False) -> Node:
        """Reads clauses up to a closing parenthesis (nested) or the end, joined by the default
        operator: every clause required (match=all) or any of them (match=any)."""
        must: list[Node] = []
        should: list[Node] = []
        must_not: list[Node] = []
        while (token := self.peek()) is not None:
            if token.kind == "close":
                if nested:
                    self.take()
                    break
                self.take()
                self.note("a ')' without its '(' was ignored")
                continue
            sign, nodes = self.either(field_name)
            if not nodes:
                continue
            if sign == "-":
                must_not.append(nodes[0] if len(nodes) == 1 else Bool(must=tuple(nodes)))
            elif sign == "+" or self.match == "all":
                must.extend(nodes)
            else:
                should.extend(nodes)
        else:
            if nested:
                self.note("a '(' without its ')' was closed at the end")
        return _joined(must, should, must_not)

    def either(self, field_name: str | None) -> tuple[str, list[Node]]:
        """Reads `a OR b OR c` (one clause: any of them)."""
        sign, nodes = self.both(field_name)
        alternatives = [_as_node(sign, nodes)] if nodes else []
        joined = False
        while (token := self.peek()) is not None and token.kind == "op" and token.text == "OR":
            self.take()
            joined = True
            more_sign, more = self.both(field_name)
            if more:
                alternatives.append(_as_node(more_sign, more))
        if not joined:
            return sign, nodes
        alternatives = [a for a in alternatives if not (isinstance(a, Bool) and a.is_empty())]
        if len(alternatives) == 1:
            return "", alternatives
        return "", [Bool(should=tuple(alternatives))] if alternatives else []

    def both(self, field_name: str | None) -> tuple[str, list[Node]]:
        """Reads `a AND b AND NOT c` (one clause: all of them)."""
        sign, nodes = self.unary(field_name)
        parts: list[tuple[str, list[Node]]] = [(sign, nodes)]
        while (token := self.peek()) is not None and token.kind == "op" and token.text == "AND":
            self.take()
            parts.append(self.unary(field_name))
        if len(parts) == 1:
            return sign, nodes
        must: list[Node] = []
        must_not: list[Node] = []
        for part_sign, part in parts:
            if part_sign == "-":
                must_not.extend(part)
            else:
                must.extend(part)
        return "", [_joined(must, [], must_not)]

    def unary(self, field_name: str | None) -> tuple[str, list[Node]]:
        """Reads `NOT a`, `-a`, `+a` or a plain atom; returns its sign and its nodes."""
        token = self.peek()
        while token is not None and token.kind == "op" and token.text != "NOT":
            self.take()
            self.note(f"'{token.text}' joins nothing there: ignored")
            token = self.peek()
        if token is None or token.kind == "close":
            return "", []
        if token.kind == "op":  # NOT
            self.take()
            _sign, nodes = self.unary(field_name)
            return ("-", nodes) if nodes else ("", [])
        sign = token.sign
        return sign, self.atom(field_name)

    def atom(self, field_name: str | None) -> list[Node]:
        token = self.take()
        name = token.field or field_name
        if token.kind == "open" or token.opens_group:
            group = self.sequence(name, nested=True)
            return [] if isinstance(group, Bool) and group.is_empty() else [group]
        if token.kind == "phrase":
            words = _WORDS.findall(token.text)
            if len(words) < 2:
                return self.plain(words[0], name, token) if words else []
            if token.sign != "-":
                self.words.extend(words)
            return [Phrase(tuple(words), name)]
        return self.term(token.text, name, token)

    def term(self, text: str, name: str | None, token: _Token) -> list[Node]:
        if "*" in text or "?" in text:
            literal = re.split(r"[*?]", text, maxsplit=1)[0]
            if len(_fold_literal(literal)) >= MIN_PREFIX_CHARS and _WORDS.fullmatch(
                text.replace("*", "a").replace("?", "a")
            ):
                if token.sign != "-":
                    self.words.append(literal)
                return [Pattern(text, name)]
            self.note(f"'{text}' needs {MIN_PREFIX_CHARS} letters before the wildcard: ignored")
            text = text.replace("*", " ").replace("?", " ")
        fuzzy = _FUZZY.match(text)
        if fuzzy and _WORDS.fullmatch(fuzzy[1]):
            if token.sign != "-":
                self.words.append(fuzzy[1])
            distance = int(fuzzy[2][:3] or 1)
            if distance > MAX_FUZZY_DISTANCE:
                self.note(f"'{text}': at most {MAX_FUZZY_DISTANCE} edits are searched")
                distance = MAX_FUZZY_DISTANCE
            if distance < 1:
                return self.plain(fuzzy[1], name, token)
            return [Fuzzy(fuzzy[1], name, distance)]
        if name is not None and QUERY_FIELDS[name].analysis == "keyword":
            value = text.strip()
            return [Word(value, name)] if value else []
        nodes: list[Node] = []
        for word in _WORDS.findall(text):
            nodes.extend(self.plain(word, name, token))
        return nodes

    def plain(self, word: str, name: str | None, token: _Token) -> list[Node]:
        if token.sign != "-":
            self.words.append(word)
        if _is_searchable(word, name, self.text_settings):
            return [Word(word, name)]
        if name is not None and _is_searchable(word, None, self.text_settings):
            # "organization:Memorial": too common a word to be indexed as a name.
            self.note(f"'{word}' is not indexed as a {name} name; searched it in the text")
            return [Word(word)]
        return []


def _fold_literal(text: str) -> str:
    return "".join(_WORDS.findall(text))


def _as_node(sign: str, nodes: list[Node]) -> Node:
    """Returns one clause of an OR: its nodes together, an excluded one as all-but-it."""
    if sign == "-":
        return Bool(must_not=tuple(nodes))
    return nodes[0] if len(nodes) == 1 else Bool(must=tuple(nodes))


def _joined(must: list[Node], should: list[Node], must_not: list[Node]) -> Node:
    # A word typed twice is one clause, as Whoosh's and Lucene's parsers make it: counted
    # twice, "RESISTIVE INDUCTIVE AND RESISTIVE CAPACITIVE" leaned on one word (bench/relevance.py:
    # TIME nDCG@10 -0.0016, NPL MAP -0.0013, SciFact -0.0004 when each occurrence counted).
    return joined(*(tuple(dict.fromkeys(nodes)) for nodes in (must, should, must_not)))


def analysed_terms(text: str, analysis: Analysis, settings: TextSettings) -> list[str]:
    """Returns the terms a query field's analysis makes of a text: stems ("text"), name keys
    ("names"), folded words ("exact"), or the value as it is ("keyword")."""
    if analysis == "names":
        return [t.text for t in name_key_tokens(text, mode="query")]
    if analysis == "exact":
        return [t.text for t in exact_tokens(text)]
    if analysis == "keyword":
        return [text] if text.strip() else []
    return [t.text for t in text_tokens(text, mode="query", settings=settings)]


def _is_searchable(word: str, field_name: str | None, settings: TextSettings) -> bool:
    """Returns whether the analysis keeps anything of the word (not a stop word alone)."""
    analysis = QUERY_FIELDS[field_name].analysis if field_name else "text"
    if analysed_terms(word, analysis, settings):
        return True
    return field_name is None and has_name_key(word)


def has_name_key(word: str) -> bool:
    """Returns whether a query word may be a name with other romanizations (then its name key
    is searched too, whatever its case: people type "dmitriev")."""
    candidate = word if word[:1].isupper() else word[:1].upper() + word[1:]
    return is_name_token(candidate) and bool(name_key(candidate))


def query_name_keys(word: str) -> list[str]:
    """Returns the name keys a bare query word also searches (none when it is no name)."""
    if not has_name_key(word):
        return []
    return [t.text for t in name_key_tokens(word[:1].upper() + word[1:])]


def _lex(text: str, notes: list[str]) -> list[_Token]:
    """Returns the query's tokens: words (with their sign and field), phrases, parentheses and
    the operators AND, OR and NOT (in capitals)."""
    tokens: list[_Token] = []
    pos = 0
    pending_sign = ""
    pending_field: str | None = None
    while pos < len(text):
        m = _LEXEME.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        if m[1]:  # a quote: a phrase up to the next quote
            end = text.find('"', pos)
            if end == -1:
                notes.append("a quote without its closing quote was ignored")
                continue
            tokens.append(_Token("phrase", text[pos:end], pending_sign, pending_field))
            pos = end + 1
            pending_sign, pending_field = "", None
            continue
        if m[2] == "(":
            tokens.append(_Token("open", "(", pending_sign, pending_field))
            pending_sign, pending_field = "", None
            continue
        if m[2] == ")":
            tokens.append(_Token("close", ")"))
            continue
        raw = m[3]
        if raw in ("+", "-") and not pending_sign and text[pos : pos + 1] in ('"', "("):
            pending_sign = raw  # -"a phrase", +(a group)
            continue
        if raw in _OPERATORS and not pending_sign and pending_field is None:
            tokens.append(_Token("op", raw))
            continue
        sign = pending_sign
        if raw[:1] in "+-" and len(raw) > 1 and not sign:
            sign, raw = raw[0], raw[1:]
        fielded = _FIELD.match(raw)
        if fielded and pending_field is None:
            name = fielded[1].lower()
            if name in QUERY_FIELDS:
                rest = fielded[2]
                if not rest:  # `person:"…"` or `title:(…)`: the field applies to what follows
                    pending_sign, pending_field = sign, name
                    continue
                tokens.append(_Token("word", rest, sign, name))
                continue
            notes.append(f"'{fielded[1]}:' is not a field; searched it as a word")
            raw = f"{fielded[1]} {fielded[2]}"
        for part in raw.split():
            tokens.append(_Token("word", part, sign, pending_field))
        pending_sign, pending_field = "", None
    if pending_field is not None:
        notes.append(f"'{pending_field}:' is followed by nothing: ignored")
    return tokens


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
    text, count = re.subn(r"\b(?:AND|OR|NOT)\b", lambda m: m[0].lower(), text)
    if count:
        notes.append("the query is all in capitals: AND, OR and NOT were read as words")
    return text


def parse_user_query(
    text: str, *, match: Match = "all", text_settings: TextSettings = DEFAULT_SETTINGS
) -> ParsedQuery:
    """Returns the query a user's text means; never raises, whatever the text.

    Args:
        text: the raw query string.
        match: "all" (every word required) or "any" (any word, ranked).
        text_settings: the index's title/body analysis (which words are stop words).

    Returns:
        The query form, its words and notes; an empty text browses every article. Every word
        is read, however long the text (a research question pasted whole is a normal query):
        the engine bounds the cost by the number of distinct words it scores.
    """
    notes: list[str] = []
    text, request = strip_request(_QUESTION_MARK.sub("", normalize_query(text)))
    if request:
        quoted = " and ".join(f"'{phrase}'" for phrase in request)
        notes.append(f"{quoted} read as the request, not as words to search")
    if not text.strip(" *"):
        return ParsedQuery(Everything(), "", (), tuple(notes), is_browse=True, text=text)
    if not _WORDS.search(text):
        notes.append("the query holds no words to search")
        return ParsedQuery(NOTHING, "", (), tuple(notes), text=text)
    tokens = _lex(_operators_as_words(text, notes), notes)
    reader = _Reader(tokens, match, text_settings, notes)
    node = reader.sequence()
    words = tuple(reader.words)
    if isinstance(node, Bool) and node.is_empty():
        if words:
            notes.append("the query holds only common words")
        else:
            notes.append("the query holds no words to search")
        return ParsedQuery(NOTHING, "", words, tuple(notes), text=text)
    return ParsedQuery(node, describe(node), words, tuple(notes), text=text)
