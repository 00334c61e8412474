"""The provenance audit of the repository's own graph: every claim verifies
against the archived files, and the discrepancy report finds no integrity
failure. Uses the repository's dist/ when it has been built, else builds a
copy of the repository once per session."""

from __future__ import annotations

import shutil

import pyoxigraph
import pytest

from nekg.audit import audit_claim, discrepancy_report, recorded_discrepancies
from nekg.audit_render import render_html, render_markdown
from nekg.build import build
from nekg.namespaces import NEKG
from nekg.project import Project
from nekg.provenance import SourceFiles
from nekg.store import DATASET_FILE, load_dataset


@pytest.fixture(scope="session")
def built_repository(repository: Project, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The repository if its dist/ is built, else a copy of it, built."""
    if (repository.dist_dir / DATASET_FILE).exists():
        return repository
    copy = Project(tmp_path_factory.mktemp("repository") / "nekg")
    for name in ("ontology", "data", "queries"):
        shutil.copytree(repository.root / name, copy.root / name)
    build(copy)
    return copy


@pytest.fixture(scope="session")
def repository_store(built_repository: Project) -> pyoxigraph.Store:
    return load_dataset(built_repository.dist_dir)


@pytest.mark.slow
def test_every_claim_of_the_repository_verifies(
    repository_store: pyoxigraph.Store, built_repository: Project
) -> None:
    claims = sorted(
        str(row["c"].value) for row in repository_store.query(
            f"SELECT ?c WHERE {{ ?c a <{NEKG.Claim}> }}", use_default_graph_as_union=True)
    )
    assert len(claims) > 500
    files = SourceFiles(built_repository.sources_dir, built_repository.manifest_file)
    recorded = recorded_discrepancies(repository_store, built_repository)
    failures = {}
    for claim in claims:
        audit = audit_claim(repository_store, built_repository, claim, files=files,
                            recorded=recorded)
        assert audit.citations, claim
        if not audit.verified:
            failures[claim] = audit.failures
    assert failures == {}


@pytest.mark.slow
def test_the_repository_report_finds_no_integrity_failure(
    repository_store: pyoxigraph.Store, built_repository: Project
) -> None:
    report = discrepancy_report(repository_store, built_repository)
    assert report.integrity == []
    assert report.documents == 5
    assert report.recorded, "the curated data records discrepancies"
    assert render_markdown(report).startswith("# nekg discrepancy report")
    assert "</section>" in render_html(report)
