"""The build: load, locate quotes, infer, validate, write dist/.

The only writer of dist/. The dataset is written to a temporary directory
beside dist/ and renamed into place only when every stage has passed, so a
failed or interrupted build leaves the previous dist/ untouched."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
from rdflib import Graph, URIRef

from nekg import __version__
from nekg.coverage import SourceCoverage, measure
from nekg.errors import ValidationFailed
from nekg.infer import infer
from nekg.load import Source, attach_sources, parse_files, parse_turtle
from nekg.namespaces import (
    GRAPH_DATA, GRAPH_INFERRED, GRAPH_ONTOLOGY, GRAPH_SOURCES, NEKG, OA, PREFIXES, PROV, RDF,
)
from nekg.project import Project
from nekg.quotes import locate_citations
from nekg.validate import Report, Violation, run_checks, shacl

DATASET_FILES = ("nekg.trig", "nekg.nq")
SUMMARY_FILE = "summary.json"


@dataclass
class Graphs:
    """The graphs of one build, before they are written."""

    ontology: Graph
    data: Graph
    sources: Graph
    inferred: Graph = field(default_factory=Graph)
    texts: dict[URIRef, Source] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def texts_by_file(self) -> dict[str, str]:
        """Archived texts by file name."""
        return {source.file_name: source.text for source in self.texts.values()}


def load_and_locate(project: Project) -> Graphs:
    """Parse everything and locate every quote (the stages coverage also needs).

    Raises TurtleSyntaxError, SourceIntegrityError or QuoteErrors.
    """
    started = time.perf_counter()
    ontology = parse_files(project.ontology_files())
    data = parse_files(project.data_files())
    texts, sources = attach_sources(project, data)
    loaded = time.perf_counter()
    data += locate_citations(data, texts)
    located = time.perf_counter()
    return Graphs(
        ontology, data, sources, texts=texts,
        timings={"load": loaded - started, "locate": located - loaded},
    )


def check(project: Project, graphs: Graphs) -> Report:
    """Infer into graphs.inferred and validate the union; returns the report."""
    started = time.perf_counter()
    inference = infer(graphs.ontology, graphs.data)
    graphs.inferred = inference.triples
    inferred = time.perf_counter()
    union = Graph()
    for graph in (graphs.ontology, graphs.data, graphs.inferred, graphs.sources):
        union += graph
    report = shacl(union, parse_turtle(project.shapes_file))
    run_checks(union, project.check_files(), report)
    for message in inference.inconsistencies:
        report.violations.append(
            Violation("OWL-RL consistency", "", "owlrl", "", message, "Violation")
        )
    graphs.timings["infer"] = inferred - started
    graphs.timings["validate"] = time.perf_counter() - inferred
    return report


def build(project: Project) -> dict[str, object]:
    """Run every stage and write dist/ atomically; returns the summary.

    Raises the errors of the stages, and ValidationFailed (nothing written)
    when validation finds a violation.
    """
    started = time.perf_counter()
    graphs = load_and_locate(project)
    report = check(project, graphs)
    if not report.conforms:
        raise ValidationFailed(report.text())
    coverage = measure(graphs.data, graphs.texts, project.coverage_exclusions_dir)
    write_started = time.perf_counter()
    summary = summarize(graphs, report, coverage)
    write_dist(project, graphs, summary, write_started, started)
    return summary


def summarize(graphs: Graphs, report: Report, coverage: list[SourceCoverage]) -> dict[str, object]:
    """Counts a curator and a test can read: per class, per source, inferred, warnings."""
    typed = Graph()
    typed += graphs.data
    typed += graphs.inferred
    classes = Counter(
        str(cls).removeprefix(str(NEKG))
        for _, cls in typed.subject_objects(RDF.type)
        if str(cls).startswith(str(NEKG))
    )
    claims_per_source: Counter[str] = Counter()
    for claim in graphs.data.subjects(RDF.type, NEKG.Claim):
        for citation in graphs.data.objects(claim, PROV.wasDerivedFrom):
            document = graphs.data.value(citation, OA.hasSource)
            claims_per_source[str(document)] += 1
    return {
        "version": __version__,
        "triples": {
            "ontology": len(graphs.ontology),
            "data": len(graphs.data),
            "inferred": len(graphs.inferred),
            "sources": len(graphs.sources),
        },
        "instances_per_class": dict(sorted(classes.items())),
        "claims_per_source": dict(sorted(claims_per_source.items())),
        "coverage": {
            c.file_name: {
                "tokens": c.total, "covered": len(c.covered),
                "excluded": len(c.excluded), "uncovered": len(c.uncovered),
            }
            for c in coverage
        },
        "violations": len(report.violations),
        "warnings": len(report.warnings),
    }


def quads(graphs: Graphs) -> list[pyoxigraph.Quad]:
    """The four named graphs as quads; SPARQL's default graph is their union.

    Each graph is written as N-Triples by rdflib and the graph name appended,
    so the whole dataset is parsed as one N-Quads document and blank nodes
    keep their identity across graphs.
    """
    lines = []
    for name, graph in (
        (GRAPH_ONTOLOGY, graphs.ontology), (GRAPH_DATA, graphs.data),
        (GRAPH_INFERRED, graphs.inferred), (GRAPH_SOURCES, graphs.sources),
    ):
        for line in graph.serialize(format="nt").splitlines():
            if line.strip():
                lines.append(f"{line.removesuffix(' .')} <{name}> .\n")
    return list(pyoxigraph.parse("".join(lines), format=pyoxigraph.RdfFormat.N_QUADS))


def write_dist(
    project: Project, graphs: Graphs, summary: dict[str, object], write_started: float,
    started: float,
) -> None:
    """Write the dataset files and the summary to a temporary directory, then swap it in."""
    staging = Path(tempfile.mkdtemp(prefix=".dist-", dir=project.root))
    staging.chmod(0o755)  # mkdtemp's 0700 would hide dist/ from a server running as another user
    try:
        dataset = quads(graphs)
        pyoxigraph.serialize(dataset, staging / "nekg.trig", pyoxigraph.RdfFormat.TRIG,
                             prefixes=PREFIXES)
        pyoxigraph.serialize(dataset, staging / "nekg.nq", pyoxigraph.RdfFormat.N_QUADS)
        summary["files"] = {
            name: {"bytes": (staging / name).stat().st_size, "sha256": _sha256(staging / name)}
            for name in DATASET_FILES
        }
        timings = dict(graphs.timings)
        timings["write"] = time.perf_counter() - write_started
        timings["total"] = time.perf_counter() - started
        summary["seconds"] = {k: round(v, 3) for k, v in timings.items()}
        (staging / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        _swap_in(staging, project.dist_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_in(staging: Path, dist: Path) -> None:
    """Replace dist/ by staging/ with renames, so dist/ is always whole."""
    if dist.exists():
        retired = Path(tempfile.mkdtemp(prefix=".dist-old-", dir=dist.parent))
        os.replace(dist, retired / "dist")
        os.replace(staging, dist)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(staging, dist)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

