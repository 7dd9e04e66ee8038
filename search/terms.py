"""What a query highlights and re-ranks by: its analysed terms, from the query form."""

from __future__ import annotations

from catalogue import QUERY_FIELDS
from search.backend import Backend
from search.query import ParsedQuery, analysed_terms, query_name_keys
from search.ranking import DEFAULT_RANKING, RankingConfig
from search.snippets import MatchTerms
from search.syntax import Fuzzy, Pattern, Phrase, positive_leaves


def match_terms(
    backend: Backend, parsed: ParsedQuery, config: RankingConfig = DEFAULT_RANKING
) -> MatchTerms:
    """Returns the stems, exact words and name keys the query's positive words match (excluded
    words are never highlighted)."""
    stems: set[str] = set()
    exact: set[str] = set()
    keys: set[str] = set()
    groups = {"text": stems, "exact": exact, "names": keys}
    for leaf in positive_leaves(parsed.node):
        analysis = QUERY_FIELDS[leaf.field].analysis if leaf.field else "text"
        group = groups.get(analysis)
        if group is None:  # keyword fields (section, year) are not in the text
            continue
        if isinstance(leaf, Pattern | Fuzzy):
            group.update(backend.expand(leaf, config.max_expansions))
            continue
        words = leaf.words if isinstance(leaf, Phrase) else (leaf.text,)
        for word in words:
            group.update(analysed_terms(word, analysis, backend.text_settings))
            if leaf.field is None:
                keys.update(query_name_keys(word))
    return MatchTerms(frozenset(stems), frozenset(exact), frozenset(keys), backend.text_settings)


def expansion_notes(
    backend: Backend, parsed: ParsedQuery, config: RankingConfig = DEFAULT_RANKING
) -> list[str]:
    """Returns a note for each wildcard or fuzzy word that matches more index words than are
    searched."""
    notes = []
    for leaf in positive_leaves(parsed.node):
        if not isinstance(leaf, Pattern | Fuzzy):
            continue
        if len(backend.expand(leaf, config.max_expansions + 1)) > config.max_expansions:
            # More than max_expansions in some field: matching left some out.
            shown = leaf.text if isinstance(leaf, Pattern) else f"{leaf.text}~{leaf.distance}"
            notes.append(
                f"'{shown}' matches more than {config.max_expansions} words;"
                f" the {config.max_expansions} most frequent were searched"
            )
    return notes
