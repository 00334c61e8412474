"""Shared fixtures: the repository root, and throw-away copies of the project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nekg.project import Project

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
