"""The `nekg` command line: each command a few lines over a library function.

Results go to stdout, diagnostics to stderr. Exit codes: 0 success; 1 a check
failed (validation, coverage); 2 bad input or usage (syntax error, misquote,
unknown option)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

import click

from nekg.build import build, check, load_and_locate
from nekg.coverage import measure
from nekg.errors import NekgError
from nekg.project import Project
from nekg.settings import Settings
from nekg.sparql import LOCAL_FORMATS, run_local

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


@main.command("serve", epilog=EXIT_CODES)
@click.option("-C", "--directory", default=".", show_default=True, help="Project directory.")
@click.option("--host", default=None, help="Address to bind [default: 127.0.0.1, or NEKG_HOST].")
@click.option("--port", type=int, default=None, help="Port [default: 8000, or NEKG_PORT].")
@click.option("--timeout", "query_timeout", type=float, default=None,
              help="Seconds a query may run [default: 5, or NEKG_QUERY_TIMEOUT].")
@click.option("--max-rows", type=int, default=None,
              help="Rows returned at most [default: 10000, or NEKG_MAX_ROWS].")
@click.option("--workers", type=int, default=None,
              help="Query worker processes [default: 2, or NEKG_WORKERS].")
def serve_command(directory: str, host: str | None, port: int | None,
                  query_timeout: float | None, max_rows: int | None,
                  workers: int | None) -> None:
    """SPARQL 1.1 endpoint at /sparql and pages for people at /, until Ctrl+C.

    Builds first when dist/ is missing or older than its inputs.
    """
    from nekg.serve import say_to_stderr, serve
    try:
        settings = Settings.load(project_root=_project(directory).root, host=host, port=port,
                                 query_timeout=query_timeout, max_rows=max_rows,
                                 workers=workers)
        serve(settings, say_to_stderr)
    except NekgError as exc:
        _fail(exc)


@main.command("query", epilog=EXIT_CODES)
@click.argument("source", metavar="FILE|-", type=click.File("r", encoding="utf-8"),
                required=False)
@click.option("-C", "--directory", default=".", show_default=True, help="Project directory.")
@click.option("--format", "fmt", type=click.Choice(LOCAL_FORMATS), default="table",
              show_default=True, help="A table for people, or a SPARQL results or RDF format.")
@click.option("--max-rows", type=int, default=None,
              help="Rows returned at most [default: 10000, or NEKG_MAX_ROWS].")
@click.option("--list", "list_library", is_flag=True,
              help="List the query library (queries/): each query's file and title, and exit.")
def query_command(source: TextIO | None, directory: str, fmt: str, max_rows: int | None,
                  list_library: bool) -> None:
    """Run a SPARQL query from FILE (or - for standard input) on the built graph,
    or with --list show the query library (run one with queries/<theme>/<name>.rq).

    Builds first when dist/ is missing or older than its inputs. Same rules as
    the endpoint (read-only, SERVICE allowlist, row cap), but no time limit.
    """
    from nekg.namespaces import PREFIXES, instance_prefixes
    from nekg.serve import ensure_built, say_to_stderr
    from nekg.store import load_dataset
    if list_library == (source is not None):
        raise click.UsageError("give either a FILE (or -) or --list")
    project = _project(directory)
    if source is None:
        from nekg.querylib import load_library
        from nekg.sparql import as_table
        try:
            library = load_library(project.queries_dir)
        except NekgError as exc:
            _fail(exc)
        click.echo(as_table(["file", "title", "tags"],
                            [[f"queries/{q.id}.rq", q.title, ", ".join(q.tags)] for q in library],
                            width=100), nl=False)
        return
    try:
        settings = Settings.load(project_root=project.root, max_rows=max_rows)
        ensure_built(project, say_to_stderr)
        store = load_dataset(project.dist_dir)
        text = run_local(store, source.read(), fmt, settings.max_rows,
                         settings.service_allowlist, {**PREFIXES, **instance_prefixes()})
    except NekgError as exc:
        _fail(exc)
    click.echo(text, nl=False)


@main.command("audit", epilog=EXIT_CODES)
@click.argument("claim", required=False)
@click.option("--all", "everything", is_flag=True,
              help="The discrepancy report of the whole graph instead of one claim.")
@click.option("-C", "--directory", default=".", show_default=True, help="Project directory.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json", "html"]),
              default=None, help="text, json or html for a claim [default: text]; "
                                 "markdown, json or html with --all [default: markdown].")
@click.option("--strict", is_flag=True,
              help="With --all: exit 1 when a discrepancy found by the checks has no recorded "
                   "explanation (a nekg:Discrepancy involving its claims).")
def audit_command(claim: str | None, everything: bool, directory: str, fmt: str | None,
                  strict: bool) -> None:
    """The provenance audit of CLAIM (its IRI, claim:<slug>, or the start of one slug),
    or with --all the discrepancy report of the whole graph, from the built dist/.

    Exit 1 when a check fails: a claim that does not verify, or (--all) an archived
    file or quote that does not, and with --strict an unrecorded discrepancy.
    """
    from nekg import audit
    from nekg.audit_render import as_json, render_html, render_markdown, render_text
    from nekg.store import load_dataset
    if everything == (claim is not None):
        raise click.UsageError("give either a CLAIM or --all")
    allowed = ("markdown", "json", "html") if everything else ("text", "json", "html")
    fmt = fmt or allowed[0]
    if fmt not in allowed:
        raise click.UsageError(f"--format {fmt} is not available "
                               f"{'with --all' if everything else 'for a claim'}")
    if strict and not everything:
        raise click.UsageError("--strict goes with --all")
    project = _project(directory)
    try:
        store = load_dataset(project.dist_dir)
        stale = audit.stale_inputs(project)
        if stale:
            click.echo(f"warning: dist/ is older than {len(stale)} input file(s), e.g. {stale[0]}: "
                       "run `nekg build` to audit the current data", err=True)
        if everything:
            report = audit.discrepancy_report(store, project)
            if fmt == "markdown":
                click.echo(render_markdown(report), nl=False)
            else:
                click.echo(as_json(report) if fmt == "json" else render_html(report))
            for finding in report.unexplained:
                click.echo(f"unrecorded: {finding.check} [{finding.kind}] {' '.join(finding.claims)}",
                           err=True)
            failed = bool(report.integrity) or (strict and bool(report.unexplained))
        else:
            result = audit.audit_claim(store, project, audit.resolve_claim(store, claim or ""))
            if fmt == "text":
                click.echo(render_text(result))
            else:
                click.echo(as_json(result) if fmt == "json" else render_html(result))
            failed = not result.verified
    except NekgError as exc:
        _fail(exc)
    sys.exit(1 if failed else 0)
