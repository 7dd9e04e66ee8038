"""`python -m indexer build|watch|extract|stats`: bring the index up to date with the corpus (once,
or as pages land), show what a page yields, describe the index."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from indexer.errors import IndexerError
from indexer.extract.parallel import default_workers
from indexer.extract.pipeline import ExtractionReport, extract_corpus
from indexer.index.schema import SCHEMA_VERSION
from indexer.index.update import BuildReport, build_index
from indexer.index.writer import read_manifest
from indexer.jobs import now
from indexer.progress import StatusFile, TerminalProgress

DEFAULT_CORPUS = "corpus"
DEFAULT_INDEX = "var/index"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m indexer", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log every skipped page")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser(
        "build", help="bring the index up to date: read new and changed pages, drop removed ones"
    )
    _corpus_and_index(build)
    build.add_argument("--json", action="store_true", help="print the report as JSON")
    build.add_argument("--full", action="store_true", help="read every page again")
    build.add_argument(
        "--if-outdated",
        action="store_true",
        help="build only when there is no index or it was built for another schema version",
    )
    build.add_argument("--status-file", type=Path, help=argparse.SUPPRESS)  # the job API's
    build.add_argument("--pending-file", type=Path, help=argparse.SUPPRESS)
    watch = commands.add_parser(
        "watch", help="index pages as they land in the corpus folder (Ctrl-C stops)"
    )
    _corpus_and_index(watch)
    watch.add_argument(
        "--delay",
        type=float,
        default=1.0,
        help="seconds of quiet after a change before the update starts (default 1)",
    )
    extract = commands.add_parser("extract", help="print the articles pages yield, as JSON")
    extract.add_argument("paths", nargs="+", type=Path, help="page files (.txt, .html, .jsonl)")
    extract.add_argument(
        "--corpus",
        help=f"the corpus the pages belong to: ids as the build gives them (env LANTERN_CORPUS;"
        f" {DEFAULT_CORPUS}); pages outside it are named from their common folder",
    )
    stats = commands.add_parser("stats", help="describe the index's last build")
    stats.add_argument("--index", help=f"index folder (env LANTERN_INDEX; {DEFAULT_INDEX})")
    return parser


def _corpus_and_index(command: argparse.ArgumentParser) -> None:
    command.add_argument("--corpus", help=f"folder of pages (env LANTERN_CORPUS; {DEFAULT_CORPUS})")
    command.add_argument("--index", help=f"index folder (env LANTERN_INDEX; {DEFAULT_INDEX})")
    command.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="processes extracting pages (default: one per core)",
    )


def _print_report(report: BuildReport) -> None:
    print(f"update:           {report.mode}, generation {report.generation}")
    print(
        f"files:            {report.files} ({report.files_read} read, "
        f"{report.files_removed} removed)"
    )
    print(f"pages read:       {report.pages_read}")
    print(
        f"articles indexed: {report.articles_indexed} ({report.added} added, "
        f"{report.updated} updated, {report.deleted} deleted)"
    )
    print(f"duplicates:       {report.duplicates} (indexed once, their pages kept in seen_on)")
    print(f"pages skipped:    {len(report.skipped)}")
    for path, reason in report.skipped:
        print(f"  {path}: {reason}")
    print(f"seconds:          {report.seconds:.2f}")


def _root_of(files: list[Path], corpus: Path) -> Path:
    """Returns the folder ids are made relative to: the corpus when every file is in it (the
    build's ids), else the files' common folder."""
    root = corpus.resolve()
    if files and all(f.is_relative_to(root) for f in files):
        return root
    return Path(os.path.commonpath([f.parent for f in files])) if files else Path()


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command in ("build", "watch"):
            corpus = Path(args.corpus or os.environ.get("LANTERN_CORPUS") or DEFAULT_CORPUS)
            index = Path(args.index or os.environ.get("LANTERN_INDEX") or DEFAULT_INDEX)
            if not corpus.is_dir():
                print(f"error: corpus folder {corpus} does not exist", file=sys.stderr)
                return 2
            if args.command == "watch":
                from indexer.watch import watch

                watch(corpus, index, workers=args.workers, delay=args.delay)
                return 0
            built_for = read_manifest(index).get("schema_version")
            if args.if_outdated and built_for == SCHEMA_VERSION:
                print(f"{index} is up to date (schema {SCHEMA_VERSION}); not rebuilt")
                return 0
            if args.status_file:
                return _run_job(args, corpus, index)
            display = TerminalProgress()
            try:
                built = build_index(
                    corpus, index, full=args.full, workers=args.workers, progress=display
                )
            finally:
                display.close()
            if args.json:
                print(json.dumps(built.to_json(), indent=2))
            else:
                print(f"updated {index} from {corpus}")
                _print_report(built)
        elif args.command == "extract":
            extracted = ExtractionReport()
            missing = [p for p in args.paths if not p.is_file()]
            for path in missing:
                print(f"error: {path} is not a file", file=sys.stderr)
            files = [p.resolve() for p in args.paths if p.is_file()]
            corpus = Path(args.corpus or os.environ.get("LANTERN_CORPUS") or DEFAULT_CORPUS)
            articles = list(extract_corpus(_root_of(files, corpus), extracted, files))
            json.dump([a.to_json() for a in articles], sys.stdout, ensure_ascii=False, indent=2)
            print()
            for path, reason in extracted.skipped:
                print(f"skipped {path}: {reason}", file=sys.stderr)
            return 1 if missing else 0
        else:
            index = Path(args.index or os.environ.get("LANTERN_INDEX") or DEFAULT_INDEX)
            manifest = read_manifest(index)
            if not manifest:
                print(f"error: no index at {index}; run: python -m indexer build", file=sys.stderr)
                return 2
            print(json.dumps({k: v for k, v in manifest.items() if k != "files"}, indent=2))
    except IndexerError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


def _run_job(args: argparse.Namespace, corpus: Path, index: Path) -> int:
    """Runs updates for the job API, its progress and outcome in the status file; again while
    pages arrived during the last one (the pending file)."""
    status = StatusFile(args.status_file)
    status.write(state="running", pid=os.getpid(), started_at=now())
    try:
        while True:
            if args.pending_file:
                args.pending_file.unlink(missing_ok=True)
            built = build_index(
                corpus, index, full=args.full, workers=args.workers, progress=status
            )
            if not (args.pending_file and args.pending_file.exists()):
                break
    except IndexerError as err:
        status.write(state="failed", finished_at=now(), error=str(err))
        print(f"error: {err}", file=sys.stderr)
        return 1
    except Exception as err:  # the job's status must say it failed, whatever the cause
        status.write(state="failed", finished_at=now(), error=f"{type(err).__name__}: {err}")
        raise
    status.write(state="succeeded", finished_at=now(), report=built.to_json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
