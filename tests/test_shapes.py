"""Every shape and whole-graph check, on a conforming graph and on graphs broken one way each.

tests/shapes/base.ttl conforms; each tests/shapes/cases/<name>.ru is a SPARQL
Update that breaks it, with `# expect: <shape or check> <component> [focus]`
lines naming the results it must produce (and `# severity: Warning` for a
warning)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from nekg.load import parse_turtle
from nekg.namespaces import RDF, SH
from nekg.validate import Report, Violation, run_checks, shacl

HERE = Path(__file__).parent / "shapes"
ROOT = HERE.parent.parent
CASES = sorted((HERE / "cases").glob("*.ru"))


def _validate(graph: Graph) -> Report:
    union = parse_turtle(ROOT / "ontology" / "nekg.ttl")
    union += graph
    report = shacl(union, parse_turtle(ROOT / "ontology" / "shapes.ttl"))
    run_checks(union, sorted((ROOT / "ontology" / "checks").glob("*-violation.rq")), report)
    return report


def _expectations(case: Path) -> tuple[list[list[str]], str]:
    expected, severity = [], "Violation"
    for line in case.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect:"):
            expected.append(line.removeprefix("# expect:").split())
        elif line.startswith("# severity:"):
            severity = line.removeprefix("# severity:").strip()
    return expected, severity


def _matches(result: Violation, source: str, component: str, focus: list[str]) -> bool:
    if source.endswith(".rq"):
        same_component = result.component == "SPARQL check"
    else:
        same_component = result.component == component
    return (
        result.source.split(" ")[0] == source
        and same_component
        and (not focus or result.focus == focus[0])
    )


def test_there_are_cases() -> None:
    assert len(CASES) >= 30


def test_base_graph_conforms_without_warnings() -> None:
    report = _validate(parse_turtle(HERE / "base.ttl"))
    assert report.violations == []
    assert report.warnings == []


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_broken_graph_fails_for_the_expected_reason(case: Path) -> None:
    graph = parse_turtle(HERE / "base.ttl")
    graph.update(case.read_text(encoding="utf-8"))
    expected, severity = _expectations(case)
    assert expected, f"{case.name} states no expectation"
    report = _validate(graph)
    found = report.warnings if severity == "Warning" else report.violations
    for source, component, *focus in expected:
        assert any(_matches(r, source, component, focus) for r in found), (
            f"expected {source} {component} {focus} in:\n{report.text()}"
        )
    if severity == "Warning":
        assert report.violations == [], report.text()


def test_every_shape_and_check_has_a_failing_case() -> None:
    shapes = parse_turtle(ROOT / "ontology" / "shapes.ttl")
    named = {
        str(s).rsplit("#", 1)[1]
        for s in shapes.subjects(RDF.type, SH.NodeShape)
        if "#" in str(s)
    }
    named |= {p.name for p in (ROOT / "ontology" / "checks").glob("*-violation.rq")}
    covered = {source for case in CASES for source, *_ in _expectations(case)[0]}
    assert named and named - covered == set()
