"""The endpoint's engine (pyoxigraph, through nekg.sparql.execute) and
rdflib's SPARQL engine give the same results on the same dataset.

Run for the example queries of the test project (tests/fixtures/queries: a
SELECT with OPTIONALs, aggregates, GRAPH, language filters, an ASK and a
CONSTRUCT) on its build. The query library itself is compared on the whole
graph by tests/test_querylib.py. Results are compared as multisets of
bindings, numbers by value, graphs by isomorphism."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from nekg.project import Project
from nekg.sparql import QueryJob, execute
from nekg.store import load_dataset

# rdflib 7.6's own SPARQL evaluation over a Dataset calls its deprecated Dataset API
# (default_context, contexts); only those messages are let through, nothing else
pytestmark = pytest.mark.filterwarnings(
    r"ignore:Dataset\.(default_context|contexts|identifier) is deprecated:DeprecationWarning")

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_QUERIES = sorted((ROOT / "tests" / "fixtures" / "queries").glob("*.rq"))
NUMERIC = {str(XSD.integer), str(XSD.decimal), str(XSD.double), str(XSD.float), str(XSD.int)}

Value = tuple[object, ...]


def _from_json(term: dict[str, str]) -> Value:
    if term["type"] == "uri":
        return ("uri", term["value"])
    if term["type"] == "bnode":
        return ("bnode",)
    datatype = term.get("datatype", str(XSD.string))
    if "xml:lang" in term:
        datatype = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
    if datatype in NUMERIC:
        return ("number", Decimal(term["value"]))
    return ("literal", term["value"], term.get("xml:lang", "").lower(), datatype)


def _from_rdflib(term: object) -> Value:
    if isinstance(term, URIRef):
        return ("uri", str(term))
    if isinstance(term, BNode):
        return ("bnode",)
    assert isinstance(term, Literal), term
    datatype = str(term.datatype) if term.datatype else str(XSD.string)
    if term.language:
        datatype = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
    if datatype in NUMERIC:
        return ("number", Decimal(str(term)))
    return ("literal", str(term), (term.language or "").lower(), datatype)


def _oxigraph(store: pyoxigraph.Store, query: str) -> object:
    outcome = execute(store, QueryJob(query, graph_type="application/n-triples",
                                      max_rows=1_000_000))
    if outcome.form == "graph":
        return Graph().parse(data=outcome.body.decode("utf-8"), format="nt")
    data = json.loads(outcome.body)
    if "boolean" in data:
        return bool(data["boolean"])
    return Counter(frozenset((k, _from_json(v)) for k, v in b.items())
                   for b in data["results"]["bindings"])


def _rdflib(dataset: Dataset, query: str) -> object:
    result = dataset.query(query)
    if result.type == "ASK":
        return bool(result.askAnswer)
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        graph = Graph()
        assert result.graph is not None
        for triple in result.graph:
            graph.add(triple)
        return graph
    variables = [str(v) for v in result.vars or []]
    return Counter(
        frozenset((name, _from_rdflib(value)) for name, value in zip(variables, row)
                  if value is not None)
        for row in result
    )


def _rdflib_term(term: object) -> URIRef | BNode | Literal:
    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return BNode(term.value)
    assert isinstance(term, pyoxigraph.Literal), term
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == str(XSD.string):
        return Literal(term.value)  # simple literals are xsd:string (RDF 1.1); rdflib tells them apart
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def _engines(dist: Path) -> tuple[pyoxigraph.Store, Dataset]:
    # quads are added graph by graph: rdflib 7.6's Dataset.parse warns of its own deprecations
    store = load_dataset(dist)
    dataset = Dataset(default_union=True)
    for quad in store:
        assert isinstance(quad.graph_name, pyoxigraph.NamedNode)
        dataset.graph(URIRef(quad.graph_name.value)).add(
            (_rdflib_term(quad.subject), _rdflib_term(quad.predicate),
             _rdflib_term(quad.object)))
    return store, dataset


def _agree(engines: tuple[pyoxigraph.Store, Dataset], path: Path) -> None:
    store, dataset = engines
    query = path.read_text(encoding="utf-8")
    ours, theirs = _oxigraph(store, query), _rdflib(dataset, query)
    if isinstance(ours, Graph):
        assert isinstance(theirs, Graph) and isomorphic(ours, theirs)
    else:
        assert ours == theirs
    if isinstance(ours, Counter):
        assert sum(ours.values()) > 0, f"{path.name} returns no rows: it would prove nothing"


@pytest.fixture(scope="module")
def fixture_engines(served_project: Project) -> tuple[pyoxigraph.Store, Dataset]:
    return _engines(served_project.dist_dir)


def test_there_are_fixture_queries() -> None:
    assert len(FIXTURE_QUERIES) >= 5


@pytest.mark.parametrize("path", FIXTURE_QUERIES, ids=[p.name for p in FIXTURE_QUERIES])
def test_engines_agree_on_the_example_queries(
        fixture_engines: tuple[pyoxigraph.Store, Dataset], path: Path) -> None:
    _agree(fixture_engines, path)


def test_named_graphs_are_disjoint(fixture_engines: tuple[pyoxigraph.Store, Dataset]) -> None:
    """pyoxigraph's union default graph counts a triple held by two graphs twice, where
    SPARQL's merge (and rdflib) count it once: the build must keep the graphs disjoint."""
    store, _ = fixture_engines
    [bag] = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                        use_default_graph_as_union=True)
    [merged] = store.query("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
                           "WHERE { ?s ?p ?o } }", use_default_graph_as_union=True)
    assert bag["n"] == merged["n"]
