"""The engines Lantern searches with; `open_source` picks one by name."""

from __future__ import annotations

from pathlib import Path

from search.backend import BackendSource
from search.ranking import DEFAULT_RANKING, RankingConfig

BACKENDS = ("whoosh",)


def open_source(name: str, location: str, config: RankingConfig = DEFAULT_RANKING) -> BackendSource:
    """Returns the source of views of an index: `name` is the engine, `location` its index.

    Raises:
        ValueError: no backend has this name.
    """
    if name == "whoosh":
        from search.backends.whoosh import WhooshSource

        return WhooshSource(Path(location), config)
    raise ValueError(f"unknown backend {name!r}; known: {', '.join(BACKENDS)}")
