"""The query library (queries/): every query has the full header, parses, and
returns on the repository's graph, built from this checkout, the expected
results kept beside it; rdflib's SPARQL engine agrees with pyoxigraph on every
local query; federated queries run against a local stand-in for Wikidata.

Also the comparison rules of nekg.querylib (multisets, order, numbers by
value) and its header parser, on small cases that must fail."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest
from click.testing import CliRunner
from rdflib import Dataset
from wikidata_standin import serving, wikidata_store

from nekg.cli import main
from nekg.project import Project
from nekg.querylib import (
    HEADER_FIELDS,
    WIKIDATA_SPARQL,
    QueryHeaderError,
    ResultsJSON,
    compare_results,
    find_queries,
    has_outer_order_by,
    load_query,
    parse_header,
    read_results,
    row_count,
    run_query,
    service_iris,
    with_services,
)
from nekg.settings import Settings
from nekg.store import load_dataset

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "queries"
PATHS = find_queries(QUERIES)
IDS = [path.relative_to(QUERIES).with_suffix("").as_posix() for path in PATHS]

#: queries rdflib cannot evaluate as SPARQL 1.1 says, each with the reason
#: (a known limitation of rdflib's engine, not of the query)
RDFLIB_LIMITATIONS: dict[str, str] = {}


def _local(path: Path) -> bool:
    return not service_iris(path.read_text(encoding="utf-8"))


def _rdflib_cases() -> list[Any]:
    cases = []
    for path, case_id in zip(PATHS, IDS):
        if not _local(path):
            continue
        marks = []
        if case_id in RDFLIB_LIMITATIONS:
            marks.append(pytest.mark.xfail(reason=RDFLIB_LIMITATIONS[case_id], strict=True))
        cases.append(pytest.param(path, id=case_id, marks=marks))
    return cases


# ----------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def graph(built_repository: Project) -> pyoxigraph.Store:
    """The repository's graph, built from this checkout, in pyoxigraph."""
    store: pyoxigraph.Store = load_dataset(built_repository.dist_dir)
    return store


@pytest.fixture(scope="module")
def wikidata_endpoint() -> Iterator[str]:
    """A SPARQL endpoint on 127.0.0.1 standing in for Wikidata (tests/wikidata_standin.py)."""
    with serving(wikidata_store(ROOT / "data" / "wikidata")) as url:
        yield url


class quiet_rdflib(warnings.catch_warnings):
    """Silence the DeprecationWarnings that rdflib 7 raises from its own code.

    rdflib's TriG parser builds a ConjunctiveGraph, and Dataset.parse and
    Dataset.query read Dataset.default_context, both deprecated by rdflib
    itself; only warnings whose origin is an rdflib module are silenced, so a
    deprecated call made by this test still fails it.
    """

    def __enter__(self) -> None:
        super().__enter__()
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")


@pytest.fixture(scope="module")
def rdflib_dataset(built_repository: Project) -> Dataset:
    """The built dataset (dist/nekg.trig) in rdflib, the default graph the union of the named graphs."""
    dataset = Dataset(default_union=True)
    with quiet_rdflib():
        dataset.parse(source=str(built_repository.dist_dir / "nekg.trig"), format="trig")
    return dataset


def _rdflib_results(dataset: Dataset, query: str) -> ResultsJSON:
    with quiet_rdflib():
        body = dataset.query(query).serialize(format="json")
    assert body is not None
    parsed: ResultsJSON = json.loads(body)
    return parsed


# ----------------------------------------------------------------- the library


def test_the_library_has_at_least_forty_queries() -> None:
    assert len(PATHS) >= 40, f"{len(PATHS)} queries in {QUERIES}"


def test_the_library_has_every_theme() -> None:
    themes = {path.relative_to(QUERIES).parts[0] for path in PATHS}
    assert themes >= {"regions", "documents", "actors", "industries", "figures", "comparisons",
                      "provenance", "discrepancies", "wikidata"}


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_query_has_the_full_header(path: Path) -> None:
    query = load_query(path, QUERIES)
    for field in HEADER_FIELDS:
        assert getattr(query, field), f"{field} is empty"
    assert query.title[0].isupper() and len(query.title) <= 120
    assert query.question.endswith("?"), "the question is a question"
    assert query.expected_path.exists(), f"no expected results {query.expected_path.name}"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_query_parses(path: Path) -> None:
    """pyoxigraph parses it (run on an empty store, where only parsing can fail);
    a federated query's SERVICE is pointed at a closed port, so its call fails after parsing."""
    text = path.read_text(encoding="utf-8")
    federated = bool(service_iris(text))
    text = with_services(text, {WIKIDATA_SPARQL: "http://127.0.0.1:9/sparql"})
    try:
        result = pyoxigraph.Store().query(text)
        if isinstance(result, pyoxigraph.QuerySolutions):
            list(result)
    except SyntaxError as exc:
        pytest.fail(f"{path.name} does not parse: {exc}")
    except (OSError, RuntimeError):
        if not federated:
            raise


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_federated_queries_call_only_allowed_services(path: Path) -> None:
    allowed = Settings.load(environ={}, project_root=ROOT).service_allowlist
    assert set(service_iris(path.read_text(encoding="utf-8"))) <= {WIKIDATA_SPARQL}
    assert WIKIDATA_SPARQL in allowed


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_query_returns_its_expected_results(path: Path, graph: pyoxigraph.Store,
                                            wikidata_endpoint: str) -> None:
    query = load_query(path, QUERIES)
    text = with_services(query.text, {WIKIDATA_SPARQL: wikidata_endpoint})
    actual = run_query(graph, text)
    expected = read_results(query.expected_path)
    assert row_count(actual) > 0, "the query answers nothing on the real graph"
    assert row_count(expected) > 0
    problems = compare_results(expected, actual, ordered=query.is_ordered)
    assert not problems, "\n".join(problems)
    # the header names every column the query returns
    for variable in actual["head"]["vars"]:
        assert f"?{variable}" in query.columns, f"?{variable} is not described in #+ columns"


@pytest.mark.slow
@pytest.mark.parametrize("path", _rdflib_cases())
def test_rdflib_agrees_with_pyoxigraph(path: Path, graph: pyoxigraph.Store,
                                       rdflib_dataset: Dataset) -> None:
    query = load_query(path, QUERIES)
    ours = run_query(graph, query.text)
    theirs = _rdflib_results(rdflib_dataset, query.text)
    problems = compare_results(ours, theirs, ordered=query.is_ordered)
    assert not problems, "rdflib differs from pyoxigraph:\n" + "\n".join(problems)


# ----------------------------------------------------------------- comparison rules


def _literal(value: str, datatype: str | None = None, lang: str | None = None) -> dict[str, str]:
    term = {"type": "literal", "value": value}
    if datatype:
        term["datatype"] = datatype
    if lang:
        term["xml:lang"] = lang
    return term


def _results(*rows: dict[str, Any], names: tuple[str, ...] = ("x",)) -> ResultsJSON:
    return {"head": {"vars": list(names)}, "results": {"bindings": list(rows)}}


XSD = "http://www.w3.org/2001/XMLSchema#"


def test_numbers_compare_by_value() -> None:
    a = _results({"x": _literal("50887.20", XSD + "decimal")})
    b = _results({"x": _literal("50887.2", XSD + "decimal")})
    c = _results({"x": _literal("50887.3", XSD + "decimal")})
    assert compare_results(a, b, ordered=False) == []
    assert compare_results(a, c, ordered=False) != []
    assert compare_results(_results({"x": _literal("5", XSD + "integer")}),
                           _results({"x": _literal("5.0", XSD + "decimal")}), ordered=False) == []


def test_results_compare_as_multisets_unless_ordered() -> None:
    one, two = {"x": _literal("1", XSD + "integer")}, {"x": _literal("2", XSD + "integer")}
    assert compare_results(_results(one, two), _results(two, one), ordered=False) == []
    assert compare_results(_results(one, two), _results(two, one), ordered=True) != []
    # multisets: a duplicated row is a difference
    assert compare_results(_results(one, one, two), _results(one, two, two), ordered=False) != []
    assert compare_results(_results(one), _results(one, one), ordered=False) != []


def test_literals_keep_datatype_and_language() -> None:
    plain = _results({"x": _literal("Jilin")})
    string = _results({"x": _literal("Jilin", XSD + "string")})
    english = _results({"x": _literal("Jilin", lang="en")})
    assert compare_results(plain, string, ordered=False) == []
    assert compare_results(plain, english, ordered=False) != []
    assert compare_results(english, _results({"x": _literal("Jilin", lang="EN")}),
                           ordered=False) == []
    assert compare_results(_results({"x": {"type": "uri", "value": "urn:a"}}),
                           _results({"x": _literal("urn:a")}), ordered=False) != []


def test_unbound_differs_from_bound_and_variables_must_match() -> None:
    assert compare_results(_results({}), _results({"x": _literal("a")}), ordered=False) != []
    assert compare_results(_results({"x": _literal("a")}),
                           _results({"x": _literal("a")}, names=("y",)), ordered=False) != []


def test_ask_results_compare_their_boolean() -> None:
    assert compare_results({"head": {}, "boolean": True}, {"head": {}, "boolean": True},
                           ordered=False) == []
    assert compare_results({"head": {}, "boolean": True}, {"head": {}, "boolean": False},
                           ordered=False) != []


# ----------------------------------------------------------------- reading queries


HEADER = """#+ title: T
#+ question: Q?
#+ columns: ?x
#+ caveat: C
#+ tags: a, b
SELECT ?x WHERE { ?x ?p ?o }
"""


def test_header_parses_every_field(tmp_path: Path) -> None:
    path = tmp_path / "theme" / "q.rq"
    path.parent.mkdir()
    path.write_text("#defaultView:Map\n" + HEADER, encoding="utf-8")
    query = load_query(path, tmp_path)
    assert (query.id, query.title, query.question, query.columns, query.caveat, query.tags,
            query.default_view) == ("theme/q", "T", "Q?", "?x", "C", ("a", "b"), "Map")


@pytest.mark.parametrize("broken, message", [
    (HEADER.replace("#+ caveat: C\n", ""), "lacks caveat"),
    (HEADER.replace("#+ caveat: C", "#+ caveat:"), "'caveat' is empty"),
    (HEADER.replace("#+ caveat: C", "#+ caveats: C"), "unknown header field 'caveats'"),
    (HEADER.replace("#+ caveat: C", "#+ caveat: C\n#+ caveat: D"), "given twice"),
    (HEADER.replace("#+ caveat: C", "#+caveat C"), "malformed header line"),
])
def test_bad_header_is_an_error_naming_file_and_line(tmp_path: Path, broken: str,
                                                     message: str) -> None:
    path = tmp_path / "q.rq"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(QueryHeaderError, match=message) as info:
        parse_header(broken, path)
    assert str(path) in str(info.value)


def test_header_ends_at_the_first_line_of_the_query() -> None:
    text = HEADER + "#+ title: a comment after the query's first line is no header line\n"
    assert parse_header(text, Path("q.rq"))["title"] == "T"


def test_order_by_of_a_subquery_does_not_order_the_results() -> None:
    inner = "SELECT ?x WHERE { { SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x LIMIT 3 } }"
    assert not has_outer_order_by(inner)
    assert has_outer_order_by(inner + " ORDER BY DESC(?x)")
    assert not has_outer_order_by('SELECT ?x WHERE { ?x ?p "ORDER BY" } # ORDER BY ?x')


def test_service_iris_are_rewritten_only_where_named() -> None:
    text = ("SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } "
            "SERVICE SILENT <http://example.org/sparql> { ?s ?q ?r } "
            "?s <https://query.wikidata.org/sparql> ?x }")
    assert service_iris(text) == ("https://query.wikidata.org/sparql", "http://example.org/sparql")
    rewritten = with_services(text, {"https://query.wikidata.org/sparql": "http://127.0.0.1:1/q"})
    assert service_iris(rewritten) == ("http://127.0.0.1:1/q", "http://example.org/sparql")
    assert "?s <https://query.wikidata.org/sparql> ?x" in rewritten


def test_the_checks_folder_is_not_part_of_the_library(tmp_path: Path) -> None:
    for name in ("audit/check.rq", "figures/q.rq", "top.rq"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(HEADER, encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in find_queries(tmp_path)] == [
        "figures/q.rq", "top.rq"]


# ----------------------------------------------------------------- the command line


def test_query_list_shows_every_query_of_the_library() -> None:
    result = CliRunner().invoke(main, ["query", "--list", "-C", str(ROOT)])
    assert result.exit_code == 0, result.output
    for path in PATHS:
        query = load_query(path, QUERIES)
        assert f"queries/{query.id}.rq" in result.output
        assert query.title[:60] in result.output
    assert "audit/" not in result.output


def test_query_needs_a_file_or_list_but_not_both() -> None:
    assert CliRunner().invoke(main, ["query", "-C", str(ROOT)]).exit_code == 2
    assert CliRunner().invoke(main, ["query", "--list", "-", "-C", str(ROOT)],
                              input="ASK {}").exit_code == 2
