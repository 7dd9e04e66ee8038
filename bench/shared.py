"""Where the benchmarks read outside data, which is never copied into the repository."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    """Returns the shared data folder: $LANTERN_SHARED_DATA, else ../shared/data beside the repo."""
    override = os.environ.get("LANTERN_SHARED_DATA")
    return Path(override) if override else REPO.parent / "shared" / "data"
