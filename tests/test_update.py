"""Incremental updates: only what changed is read, and the index ends as a full build would
leave it (ids kept across edits, duplicates promoted, site chrome relearned), through the
library and the command line."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import shutil
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index

from catalogue import Article
from indexer.index.lock import is_updating
from indexer.index.schema import from_stored
from indexer.index.update import Progress, build_index
from search.backends.whoosh import WhooshSource
from tests.live import wait_until
from tests.paths import CORPUS, ROOT

SEED = "000_b6dae043be5a020e.txt"
# Under 20 words: articles made from it are never merged as duplicates, however alike.
PROSE = "Observers counted {} protesters outside the regional court in Almaty on Monday."
STORY = (
    "Observers counted eighty protesters outside the regional court in Almaty on Monday, and "
    "the police detained several of them after the hearing of the activist was adjourned "
    "until next week, their lawyers said in a statement released in the evening."
)


def _articles(index: Path) -> dict[str, Article]:
    with whoosh_index.open_dir(str(index)).searcher() as searcher:
        return {a.id: a for a in map(from_stored, searcher.all_stored_fields())}


def _generation(index: Path) -> int:
    return int(whoosh_index.open_dir(str(index)).latest_generation())


def _full_build(corpus: Path, tmp_path: Path) -> dict[str, Article]:
    fresh = tmp_path / f"fresh-{time.monotonic_ns()}"
    build_index(corpus, fresh, full=True)
    return _articles(fresh)


def _records(path: Path, bodies: list[str]) -> None:
    lines = [json.dumps({"title": f"Report {n}", "body": b}) for n, b in enumerate(bodies)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_an_unchanged_corpus_is_not_read_again(corpus_copy: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    first = build_index(corpus_copy, index)
    assert (first.mode, first.files_read, first.added) == ("full", 5, 9)
    again = build_index(corpus_copy, index)
    assert (again.mode, again.files_read, again.added, again.updated, again.deleted) == (
        "incremental",
        0,
        0,
        0,
        0,
    )
    assert again.generation == first.generation == _generation(index)
    assert again.articles_indexed == 9 and again.pages_read == 5
    # Touched but the same content: re-stamped, not read.
    os.utime(corpus_copy / SEED)
    assert build_index(corpus_copy, index).files_read == 0


def test_added_changed_and_removed_files_are_applied_in_one_commit(
    corpus_copy: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus_copy, index)
    before = _articles(index)
    generation = _generation(index)
    _records(corpus_copy / "wire.jsonl", [PROSE.format(n) for n in ("ten", "twenty")])
    (corpus_copy / "004_d6af8e314100ae0e.txt").unlink()
    report = build_index(corpus_copy, index)
    assert (report.files_read, report.files_removed) == (1, 1)
    assert (report.added, report.updated, report.deleted) == (2, 0, 1)
    assert _generation(index) == generation + 1
    after = _articles(index)
    assert set(after) == set(before) - {"004_d6af8e314100ae0e-1"} | {"wire-1", "wire-2"}
    assert all(after[i] == before[i] for i in after if i in before)
    # A changed record is rewritten under its id.
    _records(corpus_copy / "wire.jsonl", [PROSE.format(n) for n in ("ten", "thirty")])
    changed = build_index(corpus_copy, index)
    assert (changed.added, changed.updated, changed.deleted) == (0, 1, 0)
    assert "thirty" in _articles(index)["wire-2"].body
    assert _articles(index) == _full_build(corpus_copy, tmp_path)


def test_ids_survive_a_post_inserted_above_and_records_shifting(
    corpus_copy: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    page = corpus_copy / SEED
    full_text = page.read_text(encoding="utf-8")
    lines = full_text.split("\n")
    second_post = lines.index("Serikzhan Bilash")
    # The page first holds only its second post, then its first post is inserted above it.
    page.write_text("\n".join(lines[:4] + lines[second_post:]), encoding="utf-8")
    _records(corpus_copy / "wire.jsonl", [PROSE.format("ten")])
    build_index(corpus_copy, index)
    (bilash,) = [a for a in _articles(index).values() if a.source_file == SEED]
    assert bilash.id == "000_b6dae043be5a020e-1" and "Bilash" in bilash.body
    page.write_text(full_text, encoding="utf-8")
    # A record without an id is numbered by its line: one inserted above shifts the lines.
    _records(corpus_copy / "wire.jsonl", [PROSE.format("five"), PROSE.format("ten")])
    report = build_index(corpus_copy, index)
    assert (report.added, report.deleted) == (2, 0)
    after = _articles(index)
    assert "Bilash" in after["000_b6dae043be5a020e-1"].body
    assert "Ponomaryov" in after["000_b6dae043be5a020e-2"].body
    assert "ten" in after["wire-1"].body and "five" in after["wire-2"].body
    # An edited post keeps its id too.
    page.write_text(full_text.replace("The jail term was later cut to 16 days.", ""), "utf-8")
    edited = build_index(corpus_copy, index)
    assert (edited.added, edited.updated, edited.deleted) == (0, 1, 0)
    assert "16 days" not in _articles(index)["000_b6dae043be5a020e-2"].body


def test_a_new_file_never_takes_an_existing_id(corpus_copy: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    (corpus_copy / "new").mkdir()
    (corpus_copy / "new" / "x.txt").write_text(PROSE.format("forty") + "\n", encoding="utf-8")
    build_index(corpus_copy, index)
    assert "forty" in _articles(index)["new-x-1"].body
    # "new-x.txt" sorts before "new/x.txt" and makes the same id: the id stays with its file.
    (corpus_copy / "new-x.txt").write_text(PROSE.format("ninety") + "\n", encoding="utf-8")
    build_index(corpus_copy, index)
    after = _articles(index)
    assert "forty" in after["new-x-1"].body
    (other,) = [a for a in after.values() if a.source_file == "new-x.txt"]
    assert other.id.startswith("new-x-1~") and "ninety" in other.body


def test_removing_the_first_copy_promotes_the_next(corpus_copy: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    story = STORY
    for name in ("a.txt", "b.txt", "c.txt"):
        (corpus_copy / name).write_text(story + "\n", encoding="utf-8")
    build_index(corpus_copy, index)
    first = _articles(index)["a-1"]
    assert first.seen_on == ("b.txt", "c.txt") and first.duplicates == ("b-1", "c-1")
    (corpus_copy / "a.txt").unlink()
    report = build_index(corpus_copy, index)
    assert (report.added, report.deleted) == (1, 1)
    after = _articles(index)
    assert "a-1" not in after
    assert after["b-1"].seen_on == ("c.txt",) and after["b-1"].duplicates == ("c-1",)
    # An earlier copy arriving becomes the article; the others merge into it.
    (corpus_copy / "0.txt").write_text(story + "\n", encoding="utf-8")
    build_index(corpus_copy, index)
    after = _articles(index)
    assert "b-1" not in after and after["0-1"].duplicates == ("b-1", "c-1")
    assert after == _full_build(corpus_copy, tmp_path)


def test_a_line_that_starts_recurring_is_removed_from_older_pages(
    corpus_copy: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    site = corpus_copy / "site"
    site.mkdir()
    promo = "get the evening digest in your inbox"

    def page(n: int) -> None:
        text = f"{PROSE.format(f'{n} hundred')}\n\n{promo}\n\nThe court set the next hearing.\n"
        (site / f"p{n}.txt").write_text(text, encoding="utf-8")

    page(1)
    page(2)
    build_index(corpus_copy, index)
    assert _articles(index) == _full_build(corpus_copy, tmp_path)
    two_pages = _articles(index)["site-p1-1"].body
    page(3)
    report = build_index(corpus_copy, index)
    # On three pages of the site the line is its chrome: the two older pages are read again.
    assert report.files_read == 3
    after = _articles(index)
    assert after["site-p1-1"].body != two_pages
    assert all(promo not in after[f"site-p{n}-1"].body for n in (1, 2, 3))
    assert "next hearing" in after["site-p1-1"].body
    assert after == _full_build(corpus_copy, tmp_path)
    (site / "p3.txt").unlink()
    assert build_index(corpus_copy, index).files_read == 2
    assert _articles(index)["site-p1-1"].body == two_pages


def test_two_processes_extract_what_one_does(corpus_copy: Path, tmp_path: Path) -> None:
    for n in range(12):
        _records(
            corpus_copy / f"wire-{n:02}.jsonl", [PROSE.format(f"{n} and {m}") for m in range(3)]
        )
    build_index(corpus_copy, tmp_path / "one", workers=1)
    report = build_index(corpus_copy, tmp_path / "two", workers=2)
    assert report.articles_indexed == 9 + 36
    assert _articles(tmp_path / "one") == _articles(tmp_path / "two")


def test_bad_files_are_named_and_the_rest_indexed(corpus_copy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text(PROSE.format("secret") + "\n", encoding="utf-8")
    (corpus_copy / "link.txt").symlink_to(outside)
    (corpus_copy / "huge.html").write_bytes(b"<p>" + b"word " * (4 * 1024 * 1024) + b"</p>")
    (corpus_copy / "broken.html").write_text("<html><body><p>" + PROSE.format("six"), "utf-8")
    (corpus_copy / "utf16.txt").write_bytes(PROSE.format("seven").encode("utf-16"))
    cyrillic = "Наблюдатели насчитали сорок протестующих у здания суда в Алматы в понедельник."
    (corpus_copy / "cp1251.txt").write_bytes(cyrillic.encode("cp1251"))
    (corpus_copy / "gone.txt").write_text(PROSE.format("gone") + "\n", encoding="utf-8")

    def delete_after_listing(progress: Progress) -> None:
        if progress.stage == "reading":
            (corpus_copy / "gone.txt").unlink(missing_ok=True)

    report = build_index(corpus_copy, tmp_path / "index", progress=delete_after_listing)
    reasons = dict(report.skipped)
    assert "outside the corpus" in reasons["link.txt"]
    assert "too large" in reasons["huge.html"]
    assert "cannot read" in reasons["gone.txt"]
    ids = set(_articles(tmp_path / "index"))
    assert {"broken-1", "utf16-1", "cp1251-1"} <= ids and "link-1" not in ids
    assert "сорок" in _articles(tmp_path / "index")["cp1251-1"].body
    # A later update forgets the file that is gone, and the index still opens and searches.
    again = build_index(corpus_copy, tmp_path / "index")
    assert "gone.txt" not in dict(again.skipped)
    assert WhooshSource(tmp_path / "index").current().article_count() == len(ids)


def test_an_unreadable_file_is_named_and_read_once_it_can_be(
    corpus_copy: Path, tmp_path: Path
) -> None:
    """chmod 000 keeps a file from its user. Root reads any file, so under root the build runs
    without the two capabilities that let it (setpriv, from util-linux)."""
    locked = corpus_copy / "locked.txt"
    locked.write_text(PROSE.format("locked") + "\n", encoding="utf-8")
    locked.chmod(0)
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("root reads every file, and setpriv is missing to drop that right")
        prefix = [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]

    def build() -> dict[str, Any]:
        done = subprocess.run(
            [
                *(*prefix, sys.executable, "-m", "indexer", "build", "--json"),
                *("--corpus", str(corpus_copy), "--index", str(tmp_path / "index")),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        report: dict[str, Any] = json.loads(done.stdout)
        return report

    first = build()
    reasons = {skipped["path"]: skipped["reason"] for skipped in first["skipped"]}
    assert "cannot read" in reasons["locked.txt"] and first["articles_indexed"] == 9
    locked.chmod(0o644)
    second = build()
    assert (second["files_read"], second["added"], second["skipped"]) == (1, 1, [])


def _cli(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "indexer", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )


def test_cli_reports_what_an_update_did(corpus_copy: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    args = ("build", "--corpus", str(corpus_copy), "--index", str(index))
    first = _cli(*args)
    assert first.returncode == 0, first.stderr
    # Not a terminal: plain progress lines, no bar.
    assert "reading: 5/5 files" in first.stderr and "\r" not in first.stderr
    assert "writing: 9/9 articles" in first.stderr
    assert "9 added" in first.stdout
    _records(corpus_copy / "wire.jsonl", [PROSE.format("ten")])
    second = _cli(*args, "--json")
    report = json.loads(second.stdout)
    assert (report["mode"], report["files_read"], report["added"]) == ("incremental", 1, 1)
    full = json.loads(_cli(*args, "--json", "--full").stdout)
    assert (full["mode"], full["files_read"], full["articles_indexed"]) == ("full", 6, 10)


@pytest.mark.slow
def test_watch_indexes_a_page_that_lands(corpus_copy: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(corpus_copy, index)
    watcher = subprocess.Popen(
        [
            *(sys.executable, "-m", "indexer", "watch", "--corpus", str(corpus_copy)),
            *("--index", str(index), "--delay", "0.3"),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        source = WhooshSource(index)
        (corpus_copy / "landed.txt").write_text(PROSE.format("landed") + "\n", "utf-8")
        deadline = time.monotonic() + 60
        while source.current().fetch("landed-1") is None:
            assert watcher.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        (corpus_copy / "landed.txt").unlink()
        while source.current().fetch("landed-1") is not None:
            assert watcher.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        watcher.terminate()
        output = watcher.communicate(timeout=30)[0]
    assert "1 added" in output and "1 deleted" in output


@pytest.mark.slow
def test_kill_9_at_any_moment_leaves_a_working_index(tmp_path: Path) -> None:
    """Twenty real `kill -9`s of a real update (two processes extracting, and writing in a full
    update), at points spread
    over its run: each time the index opens and serves a committed generation, no process of
    the update is left holding its lock, and the next update completes and catches up."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index = tmp_path / "index"
    build_index(corpus, index)
    args = [sys.executable, "-m", "indexer", "build", "--corpus", str(corpus)]
    args += ["--index", str(index), "--workers", "2"]
    status = tmp_path / "status.json"

    def add_batch(name: str) -> set[str]:
        # Files enough for the pool of extracting processes to start.
        for part in range(8):
            stem = f"{name}-{part}"
            _records(corpus / f"{stem}.jsonl", [PROSE.format(f"{stem} {n}") for n in range(5)])
        return {f"{name}-{part}-{n}" for part in range(8) for n in range(1, 6)}

    def run_update(kill_after: float | None, *more: str) -> str:
        status.unlink(missing_ok=True)
        update = subprocess.Popen(
            [*args, "--status-file", str(status), *more],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if kill_after is None:
            assert update.wait() == 0
        else:
            time.sleep(kill_after)
            update.kill()
            update.wait()
        return str(json.loads(status.read_text()).get("stage", "")) if status.exists() else ""

    # How long one whole update of a batch runs here: the kill points are spread over it.
    expected_ids = add_batch("warm-up")
    started = time.monotonic()
    run_update(None)
    whole = time.monotonic() - started
    stages = []
    sample_ids = set(_articles(index)) - expected_ids
    for round_number in range(20):
        expected_ids |= add_batch(f"round-{round_number:02}")
        # Every fourth a full update: its documents are written by two processes too.
        full = ("--full",) if round_number % 4 == 3 else ()
        stages.append(run_update(whole * (round_number + 0.5) / 19, *full))
        # The extracting processes die with it: nothing holds the lock.
        wait_until(lambda: not is_updating(index), "the killed update's lock to be released")
        view = WhooshSource(index).current()
        assert view.article_count() >= 9
        assert view.fetch("001_eace3fbab33ad4a8-1") is not None
        # The next update completes and holds what the killed one was to write.
        assert run_update(None) == "done"
        assert set(_articles(index)) == expected_ids | sample_ids
    print("stages killed in:", stages)
    assert _articles(index) == _full_build(corpus, tmp_path)


def test_a_terminal_gets_a_progress_bar(corpus_copy: Path, tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    # A terminal of 120 columns (a new pseudo-terminal has none, and tqdm draws to its width).
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    try:
        done = subprocess.run(
            [
                *(sys.executable, "-m", "indexer", "build", "--corpus", str(corpus_copy)),
                *("--index", str(tmp_path / "index")),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=follower,
            check=True,
        )
        os.close(follower)
        drawn = b""
        while chunk := _read_available(leader):
            drawn += chunk
    finally:
        os.close(leader)
    text = drawn.decode("utf-8", "replace")
    # tqdm's bars: the stage, the count of its total, its rate, redrawn in place.
    assert "reading: 100%" in text and "5/5" in text and "file/s" in text and "\r" in text
    assert "writing: 100%" in text and "9/9" in text and "article/s" in text
    assert "9 added" in done.stdout.decode()


def _read_available(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # the terminal's other end is closed: all was read
        return b""


def test_facets_after_updates_are_those_of_a_full_build(corpus_copy: Path, tmp_path: Path) -> None:
    """Facet tables are read per segment and kept between generations: after updates that add,
    change and remove pages (deleting documents), every facet count is a full build's."""
    from app import create_app

    index = tmp_path / "index"
    build_index(corpus_copy, index)
    served = create_app({"INDEX": str(index), "TESTING": True}).test_client()
    served.get("/api/search", query_string={"q": ""})  # tables of the first generation
    (corpus_copy / "004_d6af8e314100ae0e.txt").unlink()
    page = corpus_copy / SEED
    page.write_text(page.read_text(encoding="utf-8").replace("Bilash", "Bilashuly"), "utf-8")
    (corpus_copy / "almaty.txt").write_text(
        "ALMATY, Kazakhstan -- Serikzhan Bilash spoke to Radio Free Europe on Monday.\n", "utf-8"
    )
    build_index(corpus_copy, index)
    fresh = tmp_path / "fresh"
    build_index(corpus_copy, fresh, full=True)
    full = create_app({"INDEX": str(fresh), "TESTING": True}).test_client()

    def facets(client: Any) -> dict[str, Any]:
        data = client.get("/api/search", query_string={"q": "", "facet_limit": 100}).get_json()
        assert data["total"] == 9
        return {
            name: [(value["value"], value["count"]) for value in values]
            for name, values in data["facets"].items()
        }

    assert facets(served) == facets(full)
    assert any(v == "Serikzhan Bilash" for v, _ in facets(served)["person"])


def test_a_file_that_gave_nothing_yet_is_numbered_as_a_first_read(
    corpus_copy: Path, tmp_path: Path
) -> None:
    late = corpus_copy / "late.jsonl"
    late.write_text("", encoding="utf-8")
    assert "empty file" in dict(build_index(corpus_copy, tmp_path / "index").skipped)["late.jsonl"]
    # Its records, once written, are numbered by their lines, as `indexer extract` numbers them.
    late.write_text("\n" + json.dumps({"title": "Late", "body": PROSE.format("late")}) + "\n")
    build_index(corpus_copy, tmp_path / "index")
    assert "late" in _articles(tmp_path / "index")["late-2"].body
