"""Validate stage: SHACL (pyshacl, with SHACL-SPARQL) and whole-graph checks.

The data graph validated is the union of ontology, curated data, inferred
triples and the sources graph (so that quote and hash constraints can read the
archived texts). Whole-graph checks are SPARQL SELECT queries in
ontology/checks/<rule>-violation.rq: every row they return is a violation, and
the comment at the top of the file says why."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef

from nekg.namespaces import RDF, SH


@dataclass(frozen=True)
class Violation:
    """One result: which shape or check, which focus node, which constraint, what to do."""

    source: str
    focus: str
    component: str
    path: str
    message: str
    severity: str


@dataclass
class Report:
    """The outcome of validation; `conforms` ignores warnings."""

    violations: list[Violation] = field(default_factory=list)
    warnings: list[Violation] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not self.violations

    def text(self) -> str:
        """Human-readable report, grouped by shape or check."""
        lines = [f"Conforms: {self.conforms} ({len(self.violations)} violations, "
                 f"{len(self.warnings)} warnings)"]
        for title, results in (("Violations", self.violations), ("Warnings", self.warnings)):
            groups: dict[str, list[Violation]] = {}
            for result in results:
                groups.setdefault(result.source, []).append(result)
            for source, members in sorted(groups.items()):
                lines.append(f"\n{title} of {source} ({len(members)}):")
                for m in sorted(members, key=lambda v: (v.focus, v.path)):
                    where = f" {m.path}" if m.path else ""
                    lines.append(f"  {m.focus}{where}: {m.message} [{m.component}]")
        return "\n".join(lines)

    def as_json(self) -> dict[str, object]:
        """Machine-readable report."""
        return {
            "conforms": self.conforms,
            "violations": [v.__dict__ for v in self.violations],
            "warnings": [w.__dict__ for w in self.warnings],
        }


def shacl(data: Graph, shapes: Graph) -> Report:
    """Validate `data` against `shapes`; inference is nekg's own stage, not pyshacl's."""
    _conforms, results, _text = shacl_validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    assert isinstance(results, Graph)
    report = Report()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        severity = results.value(result, SH.resultSeverity)
        shape = results.value(result, SH.sourceShape)
        violation = Violation(
            source=_name(shape, shapes),
            focus=str(results.value(result, SH.focusNode)),
            component=_short(results.value(result, SH.sourceConstraintComponent)),
            path=_short(results.value(result, SH.resultPath)),
            message=str(results.value(result, SH.resultMessage) or ""),
            severity=_short(severity),
        )
        (report.violations if severity == SH.Violation else report.warnings).append(violation)
    return report


def run_checks(data: Graph, check_files: list[Path], report: Report) -> None:
    """Run every whole-graph check on `data`, adding a violation per returned row.

    A check selects ?focus and ?message (other variables are ignored). The
    checks run on pyoxigraph, which answers whole-graph scans in milliseconds
    where rdflib's engine takes tens of seconds.
    """
    store = pyoxigraph.Store()
    store.load(data.serialize(format="nt"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    for path in check_files:
        solutions = store.query(path.read_text(encoding="utf-8"))
        assert isinstance(solutions, pyoxigraph.QuerySolutions)
        for row in solutions:
            report.violations.append(
                Violation(
                    source=path.name,
                    focus=_value(row["focus"]),
                    component="SPARQL check",
                    path="",
                    message=_value(row["message"]),
                    severity="Violation",
                )
            )


def _value(term: object) -> str:
    return "" if term is None else str(getattr(term, "value", term))


def _short(node: object) -> str:
    if node is None:
        return ""
    text = str(node)
    for sep in ("#", "/"):
        if sep in text:
            return text.rsplit(sep, 1)[1]
    return text


def _name(shape: object, shapes: Graph) -> str:
    """A shape's IRI local name; a blank property shape is named by its node shape."""
    if isinstance(shape, URIRef):
        return _short(shape)
    parent = shapes.value(None, SH.property, shape)  # type: ignore[arg-type]
    path = shapes.value(shape, SH.path)  # type: ignore[arg-type]
    return f"{_short(parent)} ({_short(path)})" if parent is not None else "anonymous shape"
