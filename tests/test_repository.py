"""The repository's own graph: it builds clean, is consistent under OWL-RL,
links only to verified Wikidata items, and covers every number of its sources."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from nekg.build import Graphs, check, load_and_locate
from nekg.coverage import measure
from nekg.namespaces import SKOS, WD
from nekg.project import Project
from nekg.validate import Report


@pytest.fixture(scope="module")
def checked(repository: Project) -> tuple[Graphs, Report]:
    graphs = load_and_locate(repository)
    return graphs, check(repository, graphs)


def _verified_qids(wikidata: Path) -> set[str]:
    with (wikidata / "qids.csv").open(encoding="utf-8") as handle:
        qids = {row["qid"] for row in csv.DictReader(handle)}
    for name in ("natural-earth-admin1.csv", "natural-earth-places.csv"):
        with (wikidata / name).open(encoding="utf-8") as handle:
            qids |= {row["wikidata_id"] for row in csv.DictReader(handle)}
    return qids


@pytest.mark.slow
def test_repository_validates_without_violations(checked: tuple[Graphs, Report]) -> None:
    _graphs, report = checked
    assert report.violations == [], report.text()


@pytest.mark.slow
def test_ontology_and_data_are_consistent_under_owl_rl(checked: tuple[Graphs, Report]) -> None:
    graphs, report = checked
    assert len(graphs.inferred) > 0
    assert [v for v in report.violations if v.source == "OWL-RL consistency"] == []


def test_archived_sources_are_byte_identical_to_the_manifest(repository: Project) -> None:
    pinned = repository.manifest_file.read_text(encoding="utf-8").split()
    files = sorted(p.name for p in repository.sources_dir.glob("*.txt"))
    assert files and files == sorted(pinned[1::2])


@pytest.mark.slow
def test_wikidata_links_are_verified(checked: tuple[Graphs, Report], repository: Project) -> None:
    graphs, _report = checked
    verified = _verified_qids(repository.data_dir / "wikidata")
    linked = {str(o).removeprefix(str(WD)) for o in graphs.data.objects(None, SKOS.exactMatch)}
    assert linked, "no Wikidata links at all"
    assert linked - verified == set()


@pytest.mark.slow
def test_every_number_of_every_source_is_covered_or_excluded(
    checked: tuple[Graphs, Report], repository: Project
) -> None:
    graphs, _report = checked
    report = measure(graphs.data, graphs.texts, repository.coverage_exclusions_dir)
    assert len(report) == 5
    uncovered = {c.file_name: [(t.line, t.text) for t in c.uncovered] for c in report if c.uncovered}
    assert uncovered == {}
