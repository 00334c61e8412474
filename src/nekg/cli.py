"""The `nekg` command line: each command a few lines over a library function.

Results go to stdout, diagnostics to stderr. Exit codes: 0 success; 1 a check
failed (validation, coverage); 2 bad input or usage (syntax error, misquote,
unknown option)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from nekg.build import build, check, load_and_locate
from nekg.coverage import measure
from nekg.errors import NekgError
from nekg.project import Project

EXIT_CODES = """Exit codes: 0 success, 1 check failed, 2 bad input or usage."""


def _project(directory: str) -> Project:
    return Project(Path(directory).resolve())


def _fail(exc: NekgError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(exc.exit_code)


@click.group(epilog=EXIT_CODES)
@click.version_option(package_name="nekg")
def main() -> None:
    """nekg: the knowledge graph of the revitalization of Northeast China."""


@main.command("build", epilog=EXIT_CODES)
@click.option("-C", "--directory", default=".", show_default=True, help="Project directory.")
def build_command(directory: str) -> None:
    """Load, locate quotes, infer, validate and write dist/ (atomically)."""
    try:
        summary = build(_project(directory))
    except NekgError as exc:
        _fail(exc)
    click.echo(json.dumps(summary, indent=2))


@main.command("validate", epilog=EXIT_CODES)
@click.option("-C", "--directory", default=".", show_default=True, help="Project directory.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Human-readable text or machine-readable JSON.")
def validate_command(directory: str, fmt: str) -> None:
    """SHACL report and whole-graph checks, without writing dist/; exit 1 on violation."""
    project = _project(directory)
    try:
        report = check(project, load_and_locate(project))
    except NekgError as exc:
        _fail(exc)
    click.echo(json.dumps(report.as_json(), indent=2) if fmt == "json" else report.text())
    sys.exit(0 if report.conforms else 1)


@main.command("coverage", epilog=EXIT_CODES)
@click.option("-C", "--directory", default=".", show_default=True, help="Project directory.")
@click.option("--source", "only", default=None, help="Only this source (file name or prefix).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def coverage_command(directory: str, only: str | None, fmt: str) -> None:
    """Number-like tokens of each source that no claim quotes and no exclusion explains.

    Exit 1 while any token is uncovered.
    """
    project = _project(directory)
    try:
        graphs = load_and_locate(project)
        report = measure(graphs.data, graphs.texts, project.coverage_exclusions_dir)
    except NekgError as exc:
        _fail(exc)
    report = [c for c in report if only is None or c.file_name.startswith(only)]
    if fmt == "json":
        click.echo(json.dumps([
            {"source": c.file_name, "tokens": c.total, "covered": len(c.covered),
             "excluded": len(c.excluded),
             "uncovered": [t.__dict__ for t in c.uncovered], "share": round(c.share, 4)}
            for c in report
        ], indent=2))
    else:
        for c in report:
            click.echo(f"{c.file_name}: {c.total} tokens, {len(c.covered)} covered, "
                       f"{len(c.excluded)} excluded, {len(c.uncovered)} uncovered "
                       f"({c.share:.1%} accounted for)")
            text = graphs.texts_by_file()[c.file_name]
            for t in c.uncovered:
                context = text[max(0, t.start - 40): t.end + 40].replace("\n", " ")
                click.echo(f"  {t.line}:{t.column} {t.text!r}  …{context}…")
    sys.exit(1 if any(c.uncovered for c in report) else 0)
