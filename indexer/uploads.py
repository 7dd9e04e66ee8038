"""Pages sent over the API, saved into the corpus's `uploads` folder under a safe name."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from indexer.errors import BadPageName
from indexer.extract.loader import KINDS
from indexer.extract.models import PageKind

UPLOADS_FOLDER = "uploads"
SUFFIXES: dict[PageKind, str] = {"text": ".txt", "html": ".html", "record": ".jsonl"}
MAX_NAME_CHARS = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def page_name(name: str | None, data: bytes, kind: PageKind) -> str:
    """Returns the file name a page is saved under: the name given, made safe (runs of anything
    but ASCII letters, digits, '-', '_' and '.' become '-'; no leading dot, so no '..' and no
    hidden file), or else the hash of the page; with the suffix of its kind.

    Raises:
        BadPageName: nothing is left of the name given.
    """
    if name is None:
        stem = hashlib.blake2b(data, digest_size=10).hexdigest()
    else:
        stem = _UNSAFE.sub("-", name).strip(".-")[:MAX_NAME_CHARS].rstrip(".-")
        if not stem:
            raise BadPageName(f"the name {name!r} has no letter or digit to name a file with")
    if KINDS.get(Path(stem).suffix.lower()) == kind:
        return stem
    return stem + SUFFIXES[kind]


def save_page(corpus: Path, name: str, data: bytes) -> str:
    """Writes a page into the corpus's uploads folder, replacing a page of the same name, in
    one step (an update never reads half a page); returns its path in the corpus."""
    folder = corpus / UPLOADS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")  # hidden: not listed as a page
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, folder / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return f"{UPLOADS_FOLDER}/{name}"
