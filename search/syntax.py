"""The query form every backend answers: a small tree of words, phrases and boolean clauses.

The query reader (search/query.py) builds it from the user's text; a backend compiles it to its
engine's queries (search/backends/). Nothing here knows an engine. Words are kept as the user
typed them: each backend analyses them with the one analysis (analysis/), so that stems, name
variants and folding are the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Word:
    """One word. With no field it searches the text fields and the name variants of a name."""

    text: str
    field: str | None = None  # a catalogue.QUERY_FIELDS name


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words next to each other, in order (stop words skipped, as the index skips them)."""

    words: tuple[str, ...]
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Pattern:
    """A word with wildcards: `camp*` (a prefix) or `wom?n`; bounded by the backend."""

    text: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Fuzzy:
    """A word and its spellings within `distance` edits: `Kazakstan~`."""

    text: str
    field: str | None = None
    distance: int = 1


@dataclass(frozen=True, slots=True)
class Everything:
    """Every article."""


@dataclass(frozen=True, slots=True)
class Bool:
    """Articles with every `must` clause and none of `must_not`, and, when there is no `must`,
    at least one `should` clause (with no positive clause at all: every article but those).
    Scores add up over the matching `must` and `should` clauses. No clause: no article."""

    must: tuple[Node, ...] = ()
    should: tuple[Node, ...] = ()
    must_not: tuple[Node, ...] = ()

    def is_empty(self) -> bool:
        """Returns whether the clause matches nothing (it has no clause at all)."""
        return not (self.must or self.should or self.must_not)


Node = Word | Phrase | Pattern | Fuzzy | Everything | Bool
NOTHING = Bool()


def positive_leaves(node: Node) -> list[Word | Phrase | Pattern | Fuzzy]:
    """Returns the leaves that select articles, not those under a `must_not` (for highlighting
    and for re-ranking by topic)."""
    if isinstance(node, Bool):
        return [leaf for child in (*node.must, *node.should) for leaf in positive_leaves(child)]
    if isinstance(node, Everything):
        return []
    return [node]


def describe(node: Node) -> str:
    """Returns the tree as query text: how the query was read, for the reading notes."""
    if isinstance(node, Word):
        return _fielded(node.field, node.text)
    if isinstance(node, Phrase):
        return _fielded(node.field, '"' + " ".join(node.words) + '"')
    if isinstance(node, Pattern):
        return _fielded(node.field, node.text)
    if isinstance(node, Fuzzy):
        return _fielded(node.field, f"{node.text}~{node.distance}")
    if isinstance(node, Everything):
        return "*"
    parts = [_grouped(c) for c in node.must]
    if node.should:
        should = " OR ".join(_grouped(c) for c in node.should)
        grouped = (node.must or node.must_not) and len(node.should) > 1
        parts.append(f"({should})" if grouped else should)
    parts.extend(f"NOT {_grouped(c)}" for c in node.must_not)
    return " AND ".join(parts)


def _grouped(node: Node) -> str:
    text = describe(node)
    return f"({text})" if isinstance(node, Bool) and len(_clauses(node)) > 1 else text


def _clauses(node: Bool) -> tuple[Node, ...]:
    return (*node.must, *node.should, *node.must_not)


def _fielded(field: str | None, text: str) -> str:
    return f"{field}:{text}" if field else text


def without_words(node: Node, dropped: frozenset[str]) -> Node:
    """Returns the tree without the bare words (no field) whose text is in `dropped`; a clause
    left with nothing goes too."""
    if isinstance(node, Word):
        return NOTHING if node.field is None and node.text in dropped else node
    if not isinstance(node, Bool):
        return node
    return joined(
        *(
            tuple(
                kept
                for kept in (without_words(child, dropped) for child in clauses)
                if not (isinstance(kept, Bool) and kept.is_empty())
            )
            for clauses in (node.must, node.should, node.must_not)
        )
    )


def joined(must: tuple[Node, ...], should: tuple[Node, ...], must_not: tuple[Node, ...]) -> Node:
    """Returns the clauses as one node: a lone required or optional clause is itself."""
    if len(must) == 1 and not should and not must_not:
        return must[0]
    if len(should) == 1 and not must and not must_not:
        return should[0]
    return Bool(must, should, must_not)
