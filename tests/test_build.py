"""Building the index: the report, bad files, failed builds, the write lock, descriptors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema

from catalogue import Article
from indexer.errors import IndexLockedError
from indexer.index.lock import build_lock, is_updating
from indexer.index.schema import from_stored
from indexer.index.update import BuildReport, EmptyBuildError, build_index
from search.backends.whoosh import WhooshSource
from tests.paths import CORPUS, ROOT


def _all_articles(view: Any) -> list[Article]:
    return [from_stored(fields) for fields in view.searcher.all_stored_fields()]


def test_sample_build_report(sample_build: tuple[Path, BuildReport]) -> None:
    index_dir, report = sample_build
    assert report.pages_read == 5
    assert report.articles_indexed == 9
    assert report.skipped == []
    with whoosh_index.open_dir(str(index_dir)).searcher() as searcher:
        assert searcher.doc_count() == 9


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.html", b"  \n\n ", "empty file"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "binary"),
        ("chrome-only.txt", b"Accessibility links\n\nBreaking News\n\nLoad more\n", "no article"),
        ("image.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "binary"),
        ("noise.jsonl", bytes(range(0x80, 0x100)) * 40, "character encoding"),
    ],
    ids=["empty", "blank-html", "binary", "chrome-only", "binary-html", "undecodable-jsonl"],
)
def test_bad_files_are_skipped_and_named(
    corpus_copy: Path, tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    (corpus_copy / name).write_bytes(content)
    report = build_index(corpus_copy, tmp_path / "index")
    assert report.articles_indexed == 9
    assert [path for path, _ in report.skipped] == [name]
    assert reason in report.skipped[0][1]


def test_mis_encoded_page_is_read(corpus_copy: Path, tmp_path: Path) -> None:
    text = (
        "Göttingen: the Society for Threatened Peoples (STP) called for the release of "
        "activists held in Kazakhstan, the STP's director said in Göttingen on Sunday.\n\n"
        "The director said the arrests were a slap in the face for civil society.\n"
    )
    (corpus_copy / "latin1.txt").write_bytes(text.encode("latin-1"))
    report = build_index(corpus_copy, tmp_path / "index")
    assert report.articles_indexed == 10 and report.skipped == []
    article = WhooshSource(tmp_path / "index").current().fetch("latin1-1")
    assert article is not None and "Göttingen" in article.body


def test_failed_build_leaves_the_old_index_working(tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(CORPUS, index)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "junk.txt").write_bytes(b"\x00\x01\x02")
    with pytest.raises(EmptyBuildError):
        build_index(empty, index)
    with whoosh_index.open_dir(str(index)).searcher() as searcher:
        assert searcher.doc_count() == 9


def test_index_of_an_older_schema_serves_until_the_new_build_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "index"
    index.mkdir()
    old = whoosh_index.create_in(str(index), Schema(id=ID(stored=True), text=TEXT))
    with old.writer() as writer:
        writer.add_document(id="old-1", text="an article of the previous version")
    # A build that cannot write (another writer holds the lock) must not have emptied it.
    monkeypatch.setattr("indexer.index.writer.WRITE_LOCK_SECONDS", 0.2)
    holder = old.writer()
    try:
        with pytest.raises(IndexLockedError):
            build_index(CORPUS, index)
    finally:
        holder.cancel()
    with whoosh_index.open_dir(str(index)).searcher() as searcher:
        assert [d["id"] for d in searcher.all_stored_fields()] == ["old-1"]
    build_index(CORPUS, index)
    with whoosh_index.open_dir(str(index)).searcher() as searcher:
        assert searcher.doc_count() == 9
        assert "people" in searcher.schema and "text" not in searcher.schema


def test_second_update_is_refused_while_one_holds_the_lock(tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(CORPUS, index)
    with build_lock(index):
        assert is_updating(index)
        with pytest.raises(IndexLockedError):
            build_index(CORPUS, index, lock_timeout=0.2)
    assert not is_updating(index)
    # Whoosh's own write lock, held by another program, refuses an update that must write.
    writer = whoosh_index.open_dir(str(index)).writer()
    try:
        with pytest.raises(IndexLockedError):
            import indexer.index.writer as writer_module

            old = writer_module.WRITE_LOCK_SECONDS
            writer_module.WRITE_LOCK_SECONDS = 0.2
            try:
                build_index(CORPUS, index, full=True)
            finally:
                writer_module.WRITE_LOCK_SECONDS = old
    finally:
        writer.cancel()
    assert build_index(CORPUS, index).articles_indexed == 9


def test_rebuilds_do_not_leak_descriptors(corpus_copy: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(corpus_copy, index)
    source = WhooshSource(index)
    source.current()
    fd_dir = Path("/proc/self/fd")

    def open_fds() -> int:
        return len(os.listdir(fd_dir))

    before = open_fds()
    for n in range(25):
        (corpus_copy / f"extra-{n}.txt").write_text(
            f"Extra report number {n} says observers counted protesters in Almaty on Monday.\n",
            encoding="utf-8",
        )
        build_index(corpus_copy, index)
        assert source.current().article_count() == 10 + n
    assert open_fds() - before < 15


def run_indexer(*args: str, env: dict[str, str] | None = None) -> str:
    """Runs `python -m indexer ARGS` in the repository; returns its output, asserting success."""
    command = [sys.executable, "-m", "indexer", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_cli_build_and_extract(corpus_copy: Path, tmp_path: Path) -> None:
    env = {**os.environ, "LANTERN_CORPUS": str(corpus_copy), "LANTERN_INDEX": str(tmp_path / "ix")}
    build = run_indexer("build", env=env)
    assert "pages read:       5" in build
    assert "articles indexed: 9" in build
    files = sorted(str(p) for p in corpus_copy.glob("*.txt"))
    articles = json.loads(run_indexer("extract", *files))
    assert len(articles) == 9
    for key in (
        "id",
        "source_file",
        "title",
        "body",
        "published",
        "source",
        "dateline",
        "people",
        "organizations",
        "places",
    ):
        assert all(key in a for a in articles)
    stats = run_indexer("stats", env=env)
    assert json.loads(stats)["report"]["articles_indexed"] == 9


def test_build_if_outdated_rebuilds_only_for_another_schema(
    corpus_copy: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "LANTERN_CORPUS": str(corpus_copy), "LANTERN_INDEX": str(tmp_path / "ix")}

    def build() -> str:
        return run_indexer("build", "--if-outdated", env=env)

    assert "articles indexed: 9" in build()  # no index yet
    assert "up to date" in build()
    manifest = tmp_path / "ix" / "lantern-manifest.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "schema_version": data["schema_version"] - 1}))
    assert "articles indexed: 9" in build()  # built by an older version


def test_extract_and_build_give_the_same_ids(corpus_copy: Path, tmp_path: Path) -> None:
    # A page in a subfolder: its id names the folder, whichever command reads it.
    (corpus_copy / "new").mkdir()
    page = corpus_copy / "new" / "x.txt"
    page.write_text(
        "Observers counted protesters outside the court in Almaty on Monday morning.\n",
        encoding="utf-8",
    )
    env = {**os.environ, "LANTERN_CORPUS": str(corpus_copy), "LANTERN_INDEX": str(tmp_path / "ix")}
    run_indexer("build", env=env)
    (extracted,) = json.loads(run_indexer("extract", str(page), env=env))
    view = WhooshSource(tmp_path / "ix").current()
    assert extracted["id"] == "new-x-1"
    indexed = view.fetch(extracted["id"])
    assert indexed is not None and indexed.body == extracted["body"]


def test_a_merged_copy_is_named_by_the_article_that_stands_for_it(
    corpus_copy: Path, tmp_path: Path
) -> None:
    first = sorted(corpus_copy.glob("*.txt"))[0]
    copy = corpus_copy / "mirror" / first.name
    copy.parent.mkdir()
    copy.write_bytes(first.read_bytes())  # the same page crawled from a mirror
    report = build_index(corpus_copy, tmp_path / "index")
    assert report.duplicates >= 1
    view = WhooshSource(tmp_path / "index").current()
    original = view.fetch(first.stem + "-1")
    assert original is not None
    assert original.duplicates == (f"mirror-{first.stem}-1",)
    assert original.seen_on == (f"mirror/{first.name}",)
    assert view.fetch(f"mirror-{first.stem}-1") is None


def test_ids_stay_unique_and_one_bad_record_loses_nothing_else(
    corpus_copy: Path, tmp_path: Path
) -> None:
    prose = "Observers counted {} protesters outside the court in Almaty on Monday morning."
    (corpus_copy / "new").mkdir()
    (corpus_copy / "new" / "x.txt").write_text(prose.format("forty") + "\n", encoding="utf-8")
    (corpus_copy / "new-x.txt").write_text(prose.format("ninety") + "\n", encoding="utf-8")
    records = [
        {"id": "wire-1", "title": "First", "body": prose.format("twelve")},
        {"id": "wire-1", "title": "Again", "body": prose.format("thirty")},
        {"id": "wire-2", "title": "Second", "body": prose.format("sixty")},
    ]
    (corpus_copy / "wire.jsonl").write_text(
        "\n".join(json.dumps(r) for r in records), encoding="utf-8"
    )
    report = build_index(corpus_copy, tmp_path / "index")
    assert report.articles_indexed == 9 + 4
    assert report.skipped == [("wire.jsonl", "id 'wire-1' was already given by wire.jsonl")]
    view = WhooshSource(tmp_path / "index").current()
    # Corpus order is the paths' text order: "new-x.txt" comes before "new/x.txt".
    first = view.fetch("new-x-1")
    assert first is not None and "ninety" in first.body
    (second,) = [a for a in _all_articles(view) if a.source_file == "new/x.txt"]
    assert second.id.startswith("new-x-1~") and "forty" in second.body
    wire = view.fetch("wire-1")
    assert wire is not None and wire.title == "First"
