"""Where things are in a nekg project directory (the fixed layout of DESIGN.md).

A copy of the repository builds on its own: every path is derived from the
project root, never from the installed package."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Project:
    """The paths of one project, rooted at `root`."""

    root: Path

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_file(self) -> Path:
        return self.ontology_dir / "shapes.ttl"

    @property
    def checks_dir(self) -> Path:
        return self.ontology_dir / "checks"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def sources_dir(self) -> Path:
        return self.data_dir / "sources"

    @property
    def manifest_file(self) -> Path:
        return self.sources_dir / "MANIFEST.sha256"

    @property
    def coverage_exclusions_dir(self) -> Path:
        return self.data_dir / "coverage-exclusions"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def dist_dir(self) -> Path:
        return self.root / "dist"

    def ontology_files(self) -> list[Path]:
        """The ontology's Turtle files: everything in ontology/ but the shapes."""
        return sorted(p for p in self.ontology_dir.glob("*.ttl") if p != self.shapes_file)

    def data_files(self) -> list[Path]:
        """Every curated Turtle file under data/, in a stable order."""
        return sorted(self.data_dir.rglob("*.ttl"))

    def check_files(self) -> list[Path]:
        """Whole-graph checks: SPARQL SELECT queries that must return no rows."""
        return sorted(self.checks_dir.glob("*-violation.rq"))

    def input_files(self) -> list[Path]:
        """Everything a build reads; a build is stale when one is newer than dist/."""
        return [
            *self.ontology_files(),
            self.shapes_file,
            *self.check_files(),
            *self.data_files(),
            *sorted(self.sources_dir.glob("*")),
        ]
