"""The query core without HTTP: the policy read from query texts, the row
cap, errors that travel between processes, settings precedence, and the
`nekg query` and `nekg serve` commands."""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner

from nekg.cli import main
from nekg.errors import (
    InputError,
    QuerySyntaxError,
    QueryTimeout,
    ReadOnlyError,
    ServiceNotAllowed,
)
from nekg.project import Project
from nekg.serve import stale_reason
from nekg.settings import Settings
from nekg.sparql import QueryJob, analyse, check_policy, execute

WDQS = "https://query.wikidata.org/sparql"


@pytest.mark.parametrize("query", [
    f"SELECT * WHERE {{ SERVICE <{WDQS}> {{ ?s ?p ?o }} }}",
    "PREFIX w: <https://query.wikidata.org/> SELECT * WHERE { SERVICE SILENT w:sparql { } }",
    "BASE <https://query.wikidata.org/> SELECT * WHERE { SERVICE <sparql> { } }",
    'SELECT * WHERE { BIND("SERVICE <http://evil/> {}" AS ?x) } # SERVICE <http://evil/>',
])
def test_allowed_services_pass(query: str) -> None:
    check_policy(QueryJob(query, allowed_services=(WDQS,)))


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://evil.example/sparql> { } }",
    "SELECT * WHERE { \\u0053ERVICE <http://evil.example/> { } }",
    "SELECT * WHERE { SERVICE <https://query.wikidata.org/spar\\u0071l/../../evil> { } }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o <?s) SERVICE <http://evil/> { } }",
    "SELECT * WHERE { SERVICE }",
    'SELECT * WHERE { "open string SERVICE <http://evil/> { } }',
])
def test_other_services_are_refused(query: str) -> None:
    with pytest.raises((ServiceNotAllowed, QuerySyntaxError)):
        check_policy(QueryJob(query, allowed_services=(WDQS,)))


def test_analysis_reads_prologue_form_and_dataset_clause() -> None:
    found = analyse("BASE <http://b/> PREFIX e: <x/> # comment\n"
                    "construct { ?s ?p ?o } FROM <http://g> WHERE { ?s ?p ?o }")
    assert found.form == "CONSTRUCT" and found.base == "http://b/"
    assert found.prefixes == {"e": "http://b/x/"} and found.has_dataset_clause
    assert not analyse("SELECT ?from WHERE { ?from ?p 'FROM' }").has_dataset_clause


@pytest.mark.parametrize("update", ["INSERT DATA { <a:a> <a:b> <a:c> }", "load <http://x/>",
                                    "PREFIX a: <a:> DROP GRAPH a:g", "ADD DEFAULT TO <a:g>"])
def test_updates_are_read_only(update: str) -> None:
    with pytest.raises(ReadOnlyError):
        check_policy(QueryJob(update))


def test_row_cap_keeps_terms_exactly() -> None:
    store = pyoxigraph.Store()
    tricky = [pyoxigraph.Literal("tab\there\nnew \"q\" \\ 中", language="zh"),
              pyoxigraph.Literal("3.10", datatype=pyoxigraph.NamedNode(
                  "http://www.w3.org/2001/XMLSchema#decimal")),
              pyoxigraph.BlankNode("b1"), pyoxigraph.NamedNode("http://e/é")]
    for i, term in enumerate(tricky):
        store.add(pyoxigraph.Quad(pyoxigraph.NamedNode(f"http://e/{i}"),
                                  pyoxigraph.NamedNode("http://e/p"), term))
    query = "SELECT ?s ?o ?unbound WHERE { ?s ?p ?o } ORDER BY ?s"
    full = execute(store, QueryJob(query, max_rows=100))
    direct = store.query(query).serialize(format=pyoxigraph.QueryResultsFormat.JSON)
    assert full.body == direct and not full.truncated
    cut = execute(store, QueryJob(query, max_rows=2))
    assert cut.truncated and cut.rows == 2
    parsed = pyoxigraph.parse_query_results(cut.body,
                                            format=pyoxigraph.QueryResultsFormat.JSON)
    stored = [row["o"] for row in store.query(query)]  # as the store keeps them (3.10 is 3.1)
    assert [row["o"] for row in parsed] == stored[:2]
    assert stored[0] == tricky[0]


def test_select_star_without_variables() -> None:
    outcome = execute(pyoxigraph.Store(), QueryJob("SELECT * WHERE { }"))
    assert outcome.body == b'{"head":{"vars":[]},"results":{"bindings":[{}]}}'


def test_errors_survive_pickling() -> None:
    for error in (ServiceNotAllowed("<x:y>", (WDQS,)), QueryTimeout(5, 5.01),
                  QuerySyntaxError("error at 1:2: nope", 1, 2)):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error)
        assert copy.__dict__ == error.__dict__


def test_settings_precedence_defaults_environment_flags() -> None:
    assert Settings.load(environ={}).query_timeout == 5.0
    env = {"NEKG_QUERY_TIMEOUT": "2.5", "NEKG_MAX_ROWS": "7", "NEKG_SERVICE_ALLOWLIST":
           "https://a.example/sparql, https://b.example/sparql"}
    from_env = Settings.load(environ=env)
    assert (from_env.query_timeout, from_env.max_rows) == (2.5, 7)
    assert from_env.service_allowlist == ("https://a.example/sparql", "https://b.example/sparql")
    flagged = Settings.load(environ=env, max_rows=3, query_timeout=None)
    assert (flagged.query_timeout, flagged.max_rows) == (2.5, 3)
    with pytest.raises(InputError, match="NEKG_MAX_ROWS"):
        Settings.load(environ={"NEKG_MAX_ROWS": "many"})
    with pytest.raises(InputError, match="query_timeout"):
        Settings.load(environ={}, query_timeout=0)


def test_stale_reason(served_project: Project, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(served_project.root, root)
    copy = Project(root)
    os.utime(copy.dist_dir / "nekg.nq")
    later = time.time() + 10
    for name in ("nekg.nq", "nekg.trig", "summary.json"):
        os.utime(copy.dist_dir / name, (later, later))
    assert stale_reason(copy) is None
    claims = copy.data_dir / "claims" / "mini.ttl"
    os.utime(claims, (later + 5, later + 5))
    assert "data/claims/mini.ttl" in (stale_reason(copy) or "")
    shutil.rmtree(copy.dist_dir)
    assert "dist/ has no" in (stale_reason(copy) or "")


def test_nekg_query_prints_a_table_or_a_format(served_project: Project) -> None:
    runner = CliRunner()
    query = ("PREFIX nekg: <https://w3id.org/nekg/ontology#> "
             "SELECT ?claim ?value WHERE { ?claim nekg:value ?value }")
    result = runner.invoke(main, ["query", "-C", str(served_project.root), "-"], input=query)
    assert result.exit_code == 0, result.output
    assert "claim:mini-funding-2016  1600000000000" in result.output
    assert "(1 row)" in result.output
    result = runner.invoke(main, ["query", "-C", str(served_project.root), "--format", "csv",
                                  "-"], input=query)
    assert result.output.splitlines() == [
        "claim,value", "https://w3id.org/nekg/id/claim/mini-funding-2016,1600000000000"]


@pytest.mark.parametrize("query, message", [
    ("SELECT * WHERE {", "error at 1:"), ("CLEAR ALL", "read-only"),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { } }", "refused")])
def test_nekg_query_bad_input_exits_2(served_project: Project, query: str,
                                      message: str) -> None:
    result = CliRunner().invoke(main, ["query", "-C", str(served_project.root), "-"],
                                input=query)
    assert result.exit_code == 2
    assert message in result.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_nekg_serve_builds_first_serves_and_stops_its_workers(
        served_project: Project, tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(served_project.root / folder, root / folder)
    port = _free_port()
    nekg = Path(sys.executable).with_name("nekg")
    process = subprocess.Popen(
        [str(nekg), "serve", "-C", str(root), "--port", str(port), "--workers", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "NEKG_HOST": "127.0.0.1"})
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D",
                                            timeout=5) as reply:
                    assert reply.status == 200
                    break
            except OSError:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.2)
        assert (root / "dist" / "nekg.nq").exists()  # it built first
        children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True,
                                  text=True, check=False).stdout.split()
        assert children, "no query worker process"
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "building first" in stderr and "serving" in stderr
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_running(pid) for pid in children), "a worker outlived the server"


def _running(pid: str) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")
