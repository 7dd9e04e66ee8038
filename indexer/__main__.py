"""`python -m indexer build|extract|stats`: build the index, show what a page yields, describe it."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from indexer.errors import IndexerError
from indexer.extract.pipeline import ExtractionReport, extract_corpus
from indexer.index.schema import SCHEMA_VERSION
from indexer.index.writer import BuildReport, build_index, read_manifest

DEFAULT_CORPUS = "corpus"
DEFAULT_INDEX = "var/index"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m indexer", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log every skipped page")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="(re)build the index from the corpus")
    build.add_argument("--corpus", help=f"folder of pages (env LANTERN_CORPUS; {DEFAULT_CORPUS})")
    build.add_argument("--index", help=f"index folder (env LANTERN_INDEX; {DEFAULT_INDEX})")
    build.add_argument("--json", action="store_true", help="print the report as JSON")
    build.add_argument(
        "--if-outdated",
        action="store_true",
        help="build only when there is no index or it was built for another schema version",
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


def _print_report(report: BuildReport) -> None:
    print(f"pages read:       {report.pages_read}")
    print(f"articles indexed: {report.articles_indexed}")
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
        if args.command == "build":
            corpus = Path(args.corpus or os.environ.get("LANTERN_CORPUS") or DEFAULT_CORPUS)
            index = Path(args.index or os.environ.get("LANTERN_INDEX") or DEFAULT_INDEX)
            if not corpus.is_dir():
                print(f"error: corpus folder {corpus} does not exist", file=sys.stderr)
                return 2
            built_for = read_manifest(index).get("schema_version")
            if args.if_outdated and built_for == SCHEMA_VERSION:
                print(f"{index} is up to date (schema {SCHEMA_VERSION}); not rebuilt")
                return 0
            built = build_index(corpus, index)
            if args.json:
                print(json.dumps(built.to_json(), indent=2))
            else:
                print(f"built {index} from {corpus}")
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


if __name__ == "__main__":
    sys.exit(main())
