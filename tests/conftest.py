"""Shared fixtures: the repository root, throw-away copies of the project,
and a built copy of the small project served over HTTP."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from nekg.build import build
from nekg.project import Project
from nekg.settings import Settings
from serving import LiveServer, live_server

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repository() -> Project:
    """The repository itself (read-only use)."""
    return Project(ROOT)


@pytest.fixture
def mini_project(tmp_path: Path) -> Project:
    """A small project to break: the repository's ontology, with tests/fixtures/mini as data."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "ontology", root / "ontology")
    shutil.copytree(ROOT / "tests" / "fixtures" / "mini" / "data", root / "data")
    return Project(root)


@pytest.fixture(scope="session")
def served_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The mini project, plus tests/fixtures/served (a conflicting claim) and
    tests/fixtures/queries as its query library, built once."""
    root = tmp_path_factory.mktemp("served") / "project"
    shutil.copytree(ROOT / "ontology", root / "ontology")
    shutil.copytree(ROOT / "tests" / "fixtures" / "mini" / "data", root / "data")
    shutil.copytree(ROOT / "tests" / "fixtures" / "served" / "data", root / "data",
                    dirs_exist_ok=True)
    shutil.copytree(ROOT / "tests" / "fixtures" / "queries", root / "queries")
    shutil.copytree(ROOT / "queries" / "audit", root / "queries" / "audit")
    project = Project(root)
    build(project)
    return project


def serve_settings(project: Project, **overrides: object) -> Settings:
    """Settings for a test server: no NEKG_* variable of the environment applies."""
    return Settings.load(environ={}, project_root=project.root, **overrides)


@pytest.fixture(scope="session")
def server(served_project: Project) -> Iterator[LiveServer]:
    """The endpoint over the built mini project, with the default limits."""
    with live_server(serve_settings(served_project)) as live:
        yield live


@pytest.fixture(scope="session")
def built_repository(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The repository's own ontology and data, built once per test session in a copy.

    Tests that query the real graph use this dist/, built from the checkout under
    test, never a dist/ left in the working tree by an earlier build.
    """
    root = tmp_path_factory.mktemp("repository")
    shutil.copytree(ROOT / "ontology", root / "ontology")
    shutil.copytree(ROOT / "data", root / "data")
    project = Project(root)
    build(project)
    return project
