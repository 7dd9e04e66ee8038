"""Shared fixtures: the sample corpus indexed once per session, the app, its client and runner."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from indexer.index.update import BuildReport, build_index
from tests.paths import CORPUS


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    """Returns the index built from the sample corpus (a real Whoosh index on disk)."""
    index_dir = tmp_path_factory.mktemp("index")
    report = build_index(CORPUS, index_dir)
    return index_dir, report


@pytest.fixture(scope="session")
def index_dir(sample_build: tuple[Path, BuildReport]) -> Path:
    return sample_build[0]


@pytest.fixture()
def app(index_dir: Path) -> Flask:
    return create_app({"INDEX": str(index_dir), "TESTING": True})


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Iterator[Path]:
    """Returns a writable copy of the sample corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    yield target
