"""The W3C SPARQL 1.1 Protocol query tests, driven from the copied manifest
(tests/conformance/sparql-protocol/manifest.ttl, see SOURCE.md there).

The tests that apply to a read-only endpoint are run: query_*, bad_query_*,
bad_multiple_queries*, except query_base_uri (its first request is an
update). Their data files are loaded into the named graphs the manifest
names, written as the dataset the endpoint serves, and each request is sent
exactly as the manifest gives it (method, path and query string, headers,
body in its character encoding) to nekg's endpoint on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
import pytest
from conftest import serve_settings
from rdflib import RDF, RDFS, Graph, Namespace
from rdflib.collection import Collection
from rdflib.term import Node
from serving import LiveServer, Reply, live_server

from nekg.project import Project

SUITE = Path(__file__).parent / "conformance" / "sparql-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

RESULTS_TYPES = {"application/sparql-results+xml", "application/sparql-results+json",
                 "text/csv", "text/tab-separated-values"}
RDF_TYPES = {"text/turtle", "application/n-triples", "application/rdf+xml",
             "application/ld+json", "text/n3"}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]  # "2", "3", "4": the classes of status accepted
    boolean: bool | None = None
    form: str | None = None  # "boolean", "tabular", "RDF"
    response_headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ProtocolTest:
    name: str
    graphs: dict[str, Path]  # graph IRI -> data file
    requests: list[Request]


def applies(name: str) -> bool:
    """Query tests a read-only endpoint must pass (SOURCE.md)."""
    return (name.startswith(("query_", "bad_query_", "bad_multiple_queries"))
            and name != "query_base_uri")


def _headers(graph: Graph, node: Node | None) -> dict[str, str]:
    if node is None:
        return {}
    return {str(graph.value(h, HT.fieldName)): str(graph.value(h, HT.fieldValue))
            for h in Collection(graph, node)}


def _statuses(graph: Graph, response: Node) -> set[str]:
    found = {str(s).removeprefix(str(HT)).removeprefix("StatusCode")[0]
             for s in graph.objects(response, MF.expectedStatus)}
    found |= {str(s)[0] for s in graph.objects(response, HT.statusCodeValue)}
    return found


def read_manifest() -> list[ProtocolTest]:
    graph = Graph().parse(SUITE / "manifest.ttl", format="turtle")
    [manifest] = graph.subjects(RDF.type, MF.Manifest)
    tests = []
    for entry in Collection(graph, graph.value(manifest, MF.entries)):
        name = str(entry).rsplit("#", 1)[1]
        if not applies(name):
            continue
        graphs = {str(graph.value(d, RDFS.label)): Path(str(graph.value(d, UT.graph))
                                                         .removeprefix("file://"))
                  for d in graph.objects(entry, UT.graphData)}
        requests = []
        action = graph.value(entry, MF.action)
        for node in Collection(graph, graph.value(action, HT.requests)):
            body_node = graph.value(node, HT.body)
            body = None
            if body_node is not None:
                encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(graph.value(body_node, CNT.chars)).encode(encoding)
            response = graph.value(node, HT.resp)
            assert response is not None
            expected_boolean = graph.value(response, MF.expectedBoolean)
            expected_body = graph.value(response, HT.body)
            if expected_body is not None and expected_boolean is None:
                expected_boolean = graph.value(expected_body, CNT.chars)
            form = graph.value(response, MF.expectedFormat)
            requests.append(Request(
                method=str(graph.value(node, HT.methodName)),
                path=str(graph.value(node, HT.absolutePath)),
                headers=_headers(graph, graph.value(node, HT.headers)),
                body=body,
                statuses=_statuses(graph, response),
                boolean=None if expected_boolean is None else expected_boolean.toPython(),
                form=None if form is None else str(form),
                response_headers=_headers(graph, graph.value(response, HT.headers)),
            ))
        tests.append(ProtocolTest(name, graphs, requests))
    return tests


TESTS = read_manifest()


def test_the_manifest_yields_the_query_tests() -> None:
    names = {t.name for t in TESTS}
    assert len(TESTS) == 26, sorted(names)  # 9 bad_* and 17 query_* tests
    assert "query_base_uri" not in names and "query_get" in names


@pytest.fixture(scope="module")
def w3c_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The endpoint serving the suite's data, each file in its named graph."""
    graphs: dict[str, Path] = {}
    for test in TESTS:
        for iri, path in test.graphs.items():
            assert graphs.setdefault(iri, path) == path
    dataset = pyoxigraph.Dataset()
    for iri, path in graphs.items():
        for triple in pyoxigraph.parse(path=SUITE / path.name,
                                       format=pyoxigraph.RdfFormat.N_TRIPLES):
            dataset.add(pyoxigraph.Quad(triple.subject, triple.predicate, triple.object,
                                        pyoxigraph.NamedNode(iri)))
    root = tmp_path_factory.mktemp("w3c")
    (root / "dist").mkdir()
    pyoxigraph.serialize(dataset, root / "dist" / "nekg.nq", pyoxigraph.RdfFormat.N_QUADS)
    with live_server(serve_settings(Project(root), workers=1)) as live:
        yield live


def _check(reply: Reply, request: Request) -> None:
    assert reply.status // 100 in {int(s) for s in request.statuses}, (reply.status, reply.text)
    if reply.status >= 300:
        return
    if request.form == "boolean" or request.boolean is not None:
        assert reply.media_type in {"application/sparql-results+xml",
                                    "application/sparql-results+json"}, reply.media_type
        fmt = pyoxigraph.QueryResultsFormat.from_media_type(reply.media_type)
        assert fmt is not None
        result = pyoxigraph.parse_query_results(reply.body, format=fmt)
        assert isinstance(result, pyoxigraph.QueryBoolean)
        if request.boolean is not None:
            assert bool(result) is request.boolean
    elif request.form == "tabular":
        assert reply.media_type in RESULTS_TYPES
        if reply.media_type != "text/csv":
            fmt = pyoxigraph.QueryResultsFormat.from_media_type(reply.media_type)
            assert fmt is not None
            assert isinstance(pyoxigraph.parse_query_results(reply.body, format=fmt),
                              pyoxigraph.QuerySolutions)
    elif request.form == "RDF":
        assert reply.media_type in RDF_TYPES
        fmt = pyoxigraph.RdfFormat.from_media_type(reply.media_type)
        assert fmt is not None
        list(pyoxigraph.parse(reply.body, format=fmt))
    for name, value in request.response_headers.items():
        if name.lower() == "content-type":
            assert reply.media_type == value
        elif name.lower() == "accept":
            allowed = {v.strip() for v in value.split(",")}
            assert reply.media_type in allowed


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_w3c_protocol(w3c_server: LiveServer, test: ProtocolTest) -> None:
    assert test.requests
    for request in test.requests:
        reply = w3c_server.request(request.method, request.path, body=request.body,
                                   headers=request.headers)
        _check(reply, request)
