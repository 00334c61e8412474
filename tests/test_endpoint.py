"""The SPARQL 1.1 Protocol at /sparql, case by case, over real HTTP on
127.0.0.1: the three ways to send a query, the dataset parameters, content
negotiation, every error status, CORS, and the service description."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from urllib.parse import quote, urlencode

import pyoxigraph
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS
from serving import LiveServer, Reply

from nekg.namespaces import GRAPH_DATA, GRAPH_ONTOLOGY, GRAPH_SOURCES, SD, VOID
from nekg.project import Project

CLAIM = "https://w3id.org/nekg/id/claim/mini-funding-2016"
SELECT_CLAIMS = ("PREFIX nekg: <https://w3id.org/nekg/ontology#> "
                 "SELECT ?claim WHERE { ?claim a nekg:Claim } ORDER BY ?claim")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
CONSTRUCT = f"CONSTRUCT {{ <{CLAIM}> ?p ?o }} WHERE {{ <{CLAIM}> ?p ?o }}"


def query_path(query: str, **params: str | list[str]) -> str:
    pairs: list[tuple[str, str]] = [("query", query)]
    for name, value in params.items():
        for v in value if isinstance(value, list) else [value]:
            pairs.append((name.replace("_", "-"), v))
    return "/sparql?" + urlencode(pairs)


def solutions(reply: Reply) -> list[dict[str, str]]:
    """Rows of a results document, in whatever results format it came."""
    if reply.media_type == "text/csv":  # lossy, so pyoxigraph does not read it
        rows = list(csv.DictReader(io.StringIO(reply.text, newline="")))
        return [{k: v for k, v in row.items() if v} for row in rows]
    fmt = pyoxigraph.QueryResultsFormat.from_media_type(reply.media_type)
    assert fmt is not None, reply.media_type
    parsed = pyoxigraph.parse_query_results(reply.body, format=fmt)
    assert isinstance(parsed, pyoxigraph.QuerySolutions)
    names = [v.value for v in parsed.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in parsed]


def count(reply: Reply) -> int:
    assert reply.status == 200, reply.text
    [row] = solutions(reply)
    return int(row["n"])


# ----------------------------------------------------------------- sending a query


def test_query_via_get(server: LiveServer) -> None:
    reply = server.get(query_path(SELECT_CLAIMS))
    assert reply.status == 200
    assert reply.media_type == "application/sparql-results+json"
    assert [r["claim"] for r in solutions(reply)] == [
        "https://w3id.org/nekg/id/claim/mini-articles",
        "https://w3id.org/nekg/id/claim/mini-articles-second", CLAIM]


def test_query_via_url_encoded_post(server: LiveServer) -> None:
    reply = server.request("POST", "/sparql", body=urlencode({"query": SELECT_CLAIMS}),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 200
    assert len(solutions(reply)) == 3


def test_query_via_post_directly(server: LiveServer) -> None:
    reply = server.request("POST", "/sparql", body=SELECT_CLAIMS,
                           headers={"Content-Type": "application/sparql-query"})
    assert reply.status == 200
    assert len(solutions(reply)) == 3


def test_default_graph_is_the_union_of_the_named_graphs(server: LiveServer) -> None:
    union = count(server.get(query_path(COUNT)))
    per_graph = solutions(server.get(query_path(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")))
    assert len(per_graph) == 4
    assert union == sum(int(r["n"]) for r in per_graph)


def test_default_graph_uri_is_honoured(server: LiveServer) -> None:
    ontology = count(server.get(query_path(COUNT, default_graph_uri=str(GRAPH_ONTOLOGY))))
    both = count(server.get(query_path(
        COUNT, default_graph_uri=[str(GRAPH_ONTOLOGY), str(GRAPH_SOURCES)])))
    union = count(server.get(query_path(COUNT)))
    assert 0 < ontology < both < union


def test_named_graph_uri_is_honoured_and_leaves_the_default_graph_empty(
        server: LiveServer) -> None:
    reply = server.get(query_path("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                                  named_graph_uri=str(GRAPH_DATA)))
    assert [r["g"] for r in solutions(reply)] == [str(GRAPH_DATA)]
    assert count(server.get(query_path(COUNT, named_graph_uri=str(GRAPH_DATA)))) == 0


def test_from_in_the_query_replaces_the_union_default_graph(server: LiveServer) -> None:
    """Regression: with the union default graph on, pyoxigraph ignored FROM."""
    from_ontology = count(server.get(query_path(
        f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH_ONTOLOGY}> WHERE {{ ?s ?p ?o }}")))
    ontology = count(server.get(query_path(COUNT, default_graph_uri=str(GRAPH_ONTOLOGY))))
    assert from_ontology == ontology


def test_protocol_dataset_overrides_the_query_dataset(server: LiveServer) -> None:
    reply = server.get(query_path(
        f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH_ONTOLOGY}> WHERE {{ ?s ?p ?o }}",
        default_graph_uri=str(GRAPH_SOURCES)))
    sources = count(server.get(query_path(COUNT, default_graph_uri=str(GRAPH_SOURCES))))
    assert count(reply) == sources


# ----------------------------------------------------------------- formats


@pytest.mark.parametrize("media_type", [
    "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
    "text/tab-separated-values",
])
def test_select_results_in_each_format(server: LiveServer, media_type: str) -> None:
    reply = server.get(query_path(SELECT_CLAIMS), accept=media_type)
    assert reply.status == 200
    assert reply.media_type == media_type
    assert [r["claim"] for r in solutions(reply)][-1] == CLAIM


@pytest.mark.parametrize("media_type", [
    "text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml",
    "text/n3",
])
def test_construct_results_in_each_format(server: LiveServer, media_type: str) -> None:
    reply = server.get(query_path(CONSTRUCT), accept=media_type)
    assert reply.status == 200
    assert reply.media_type == media_type
    fmt = pyoxigraph.RdfFormat.from_media_type(media_type)
    assert fmt is not None
    triples = list(pyoxigraph.parse(reply.body, format=fmt))
    assert len(triples) >= 8
    assert {t.subject.value for t in triples} == {CLAIM}


@pytest.mark.parametrize("media_type", ["application/sparql-results+json",
                                        "application/sparql-results+xml"])
def test_ask_results(server: LiveServer, media_type: str) -> None:
    reply = server.get(query_path(f"ASK {{ <{CLAIM}> ?p ?o }}"), accept=media_type)
    fmt = pyoxigraph.QueryResultsFormat.from_media_type(reply.media_type)
    assert reply.status == 200 and fmt is not None
    assert bool(pyoxigraph.parse_query_results(reply.body, format=fmt)) is True


def test_describe(server: LiveServer) -> None:
    reply = server.get(query_path(f"DESCRIBE <{CLAIM}>"), accept="text/turtle")
    assert reply.status == 200
    assert f"<{CLAIM}>" in reply.text or "claim:mini-funding-2016" in reply.text


def test_accept_q_values_choose_the_format(server: LiveServer) -> None:
    reply = server.get(query_path(SELECT_CLAIMS),
                       accept="text/csv;q=0.5, application/sparql-results+xml;q=0.9, */*;q=0.1")
    assert reply.media_type == "application/sparql-results+xml"
    reply = server.get(query_path(CONSTRUCT),
                       accept="application/sparql-results+json, application/ld+json;q=0.4")
    assert reply.media_type == "application/ld+json"


def test_format_parameter_overrides_accept(server: LiveServer) -> None:
    reply = server.get(query_path(SELECT_CLAIMS, format="csv"),
                       accept="application/sparql-results+json")
    assert reply.media_type == "text/csv"
    reply = server.get(query_path(CONSTRUCT, format="text/turtle"))
    assert reply.media_type == "text/turtle"
    reply = server.get(query_path(CONSTRUCT, output="json"))
    assert reply.media_type == "application/ld+json"


@pytest.mark.parametrize("path, accept", [
    (query_path(SELECT_CLAIMS), "image/png"),
    (query_path(CONSTRUCT), "text/csv"),
    (query_path(SELECT_CLAIMS), "text/turtle"),
    (query_path(SELECT_CLAIMS, format="yaml"), "*/*"),
    (query_path(CONSTRUCT, format="tsv"), "*/*"),
])
def test_unacceptable_format_is_406(server: LiveServer, path: str, accept: str) -> None:
    reply = server.get(path, accept=accept)
    assert reply.status == 406
    assert "acceptable" in reply.text


# ----------------------------------------------------------------- errors


def test_malformed_query_is_400_with_the_parsers_message_and_position(
        server: LiveServer) -> None:
    reply = server.get(query_path("SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?o = ) }"))
    assert reply.status == 400
    assert reply.media_type == "text/plain"
    assert "error at 3:" in reply.text  # line 3, and the column after it


READ_ONLY_REQUESTS = {
    "update content type": ("POST", "/sparql", "INSERT DATA { <a:s> <a:p> <a:o> }",
                            {"Content-Type": "application/sparql-update"}),
    "update form field": ("POST", "/sparql", urlencode({"update": "CLEAR ALL"}),
                          {"Content-Type": "application/x-www-form-urlencoded"}),
    "update via GET": ("GET", "/sparql?" + urlencode({"update": "DROP ALL"}), None, {}),
    "insert as a query": ("GET", query_path("INSERT DATA { <a:s> <a:p> <a:o> }"), None, {}),
    "delete posted as a query": ("POST", "/sparql", "DELETE WHERE { ?s ?p ?o }",
                                 {"Content-Type": "application/sparql-query"}),
    "lowercase with prefixes": ("GET", query_path(
        "PREFIX a: <a:> BASE <http://x/> delete data { a:s a:p a:o }"), None, {}),
    "load": ("POST", "/sparql", urlencode({"query": "LOAD <http://127.0.0.1:9/x.ttl>"}),
             {"Content-Type": "application/x-www-form-urlencoded"}),
    "clear": ("GET", query_path("CLEAR DEFAULT"), None, {}),
    "with ... delete": ("GET", query_path(
        "WITH <a:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"), None, {}),
}


@pytest.mark.parametrize("name", sorted(READ_ONLY_REQUESTS))
def test_writes_are_refused_as_read_only(server: LiveServer, name: str) -> None:
    before = count(server.get(query_path(COUNT)))
    method, path, body, headers = READ_ONLY_REQUESTS[name]
    reply = server.request(method, path, body=body, headers=headers)
    assert reply.status == 403, reply.text
    assert "read-only" in reply.text
    assert count(server.get(query_path(COUNT))) == before


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(server: LiveServer, method: str) -> None:
    reply = server.request(method, query_path("ASK {}"), body="ASK {}",
                           headers={"Content-Type": "application/sparql-query"})
    assert reply.status == 405
    assert set(reply.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_oversized_body_is_413(server: LiveServer) -> None:
    padding = "#" * (server.settings.max_request_bytes + 10)
    reply = server.request("POST", "/sparql", body=f"ASK {{}}\n{padding}\n",
                           headers={"Content-Type": "application/sparql-query"})
    assert reply.status == 413
    form = urlencode({"query": "ASK {} #" + padding})
    reply = server.request("POST", "/sparql", body=form,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 413


def test_oversized_query_string_is_414(server: LiveServer) -> None:
    reply = server.get(query_path("ASK {} #" + "x" * (server.settings.max_request_bytes + 10)))
    assert reply.status == 414


@pytest.mark.parametrize("headers", [{"Content-Type": "text/plain"}, {}],
                         ids=["text/plain", "none"])
def test_post_of_another_media_type_is_415(server: LiveServer,
                                           headers: dict[str, str]) -> None:
    reply = server.request("POST", "/sparql", body="ASK {}", headers=headers)
    assert reply.status == 415


def test_post_directly_must_be_utf8(server: LiveServer) -> None:
    reply = server.request("POST", "/sparql", body="ASK {}".encode("utf-16"),
                           headers={"Content-Type": "application/sparql-query; charset=UTF-16"})
    assert reply.status == 415
    reply = server.request("POST", "/sparql", body=b"ASK { FILTER(\"\xff\" = 1) }",
                           headers={"Content-Type": "application/sparql-query"})
    assert reply.status == 400
    assert "UTF-8" in reply.text


def test_more_than_one_query_is_400(server: LiveServer) -> None:
    reply = server.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert reply.status == 400
    reply = server.request("POST", "/sparql?query=ASK%7B%7D", body="ASK {}",
                           headers={"Content-Type": "application/sparql-query"})
    assert reply.status == 400


def test_get_with_a_body_is_400(server: LiveServer) -> None:
    reply = server.request("GET", query_path("ASK {}"), body="unexpected")
    assert reply.status == 400


def test_post_without_a_query_is_400(server: LiveServer) -> None:
    reply = server.request("POST", "/sparql", body="default-graph-uri=a%3Ab",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 400


def test_graph_uri_that_is_not_an_iri_is_400(server: LiveServer) -> None:
    reply = server.get(query_path("ASK {}", default_graph_uri="not an iri"))
    assert reply.status == 400


@pytest.mark.parametrize("path", [
    "/sparql?query=" + quote("SELECT * WHERE { ?s ?p ?o } LIMIT -1"),
    "/sparql?query=%FF%FE",
    "/sparql?query=" + quote("SELECT * WHERE { SERVICE"),
    "/sparql?query=" + quote('SELECT * WHERE { "unterminated'),
    "/sparql?query=" + quote("SELECT (1/0 AS ?x) WHERE {}"),
    "/sparql?query=" + quote("SELECT * WHERE { BIND(<bad iri> AS ?x) }"),
    "/sparql?query=" + quote("ASK {}") + "&named-graph-uri=" + quote("<>"),
    "/sparql?query=" + quote("ASK {}") + "&format=",
    "/sparql?query=",
    "/sparql?query=%00",
])
def test_bad_input_is_never_a_500(server: LiveServer, path: str) -> None:
    reply = server.get(path)
    assert reply.status < 500, reply.text


# ----------------------------------------------------------------- CORS


def test_cors_headers_on_results_and_errors(server: LiveServer) -> None:
    for path in (query_path("ASK {}"), query_path("ASK {")):
        reply = server.get(path, Origin="https://yasgui.example")
        assert reply.headers["access-control-allow-origin"] == "*"


def test_cors_preflight(server: LiveServer) -> None:
    reply = server.request("OPTIONS", "/sparql", headers={
        "Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert reply.status == 204
    assert reply.headers["access-control-allow-origin"] == "*"
    assert "POST" in reply.headers["access-control-allow-methods"]
    assert "content-type" in reply.headers["access-control-allow-headers"].lower()


# ----------------------------------------------------------------- descriptions


def test_service_description_without_a_query(server: LiveServer) -> None:
    reply = server.get("/sparql", accept="text/turtle")
    assert reply.status == 200 and reply.media_type == "text/turtle"
    graph = Graph().parse(data=reply.text, format="turtle", publicID=server.url + "/sparql")
    endpoint = URIRef(server.url + "/sparql")
    assert (endpoint, SD.endpoint, endpoint) in graph
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Query) in graph
    formats = {str(o) for o in graph.objects(endpoint, SD.resultFormat)}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    assert "http://www.w3.org/ns/formats/Turtle" in formats
    [comment] = graph.objects(endpoint, RDFS.comment)
    settings = server.settings
    assert f"{settings.query_timeout:g} seconds" in comment
    assert f"after {settings.max_rows} rows" in comment
    assert "read-only" in comment.lower()
    assert "https://query.wikidata.org/sparql" in comment


def test_service_description_sends_browsers_to_the_query_page(server: LiveServer) -> None:
    reply = server.get("/sparql", accept="text/html,application/xhtml+xml,*/*;q=0.8")
    assert reply.status == 303
    assert reply.headers["location"].endswith("/")


def test_void_counts_what_is_served_and_links_the_dumps(
        server: LiveServer, served_project: Project) -> None:
    reply = server.get("/.well-known/void", accept="text/turtle")
    assert reply.status == 200
    void = Graph().parse(data=reply.text, format="turtle")
    dataset = URIRef(server.url + "/.well-known/void#dataset")
    store = pyoxigraph.Store()
    store.load(path=served_project.dist_dir / "nekg.nq")
    distinct = {(q.subject, q.predicate, q.object) for q in store}
    assert void.value(dataset, VOID.triples) == Literal(len(distinct))
    summary = json.loads((served_project.dist_dir / "summary.json").read_text())
    dumps = sorted(str(d) for d in void.objects(dataset, VOID.dataDump))
    assert [d.rsplit("/", 1)[1] for d in dumps] == ["nekg.nq", "nekg.trig"]
    for dump in dumps:
        name = dump.rsplit("/", 1)[1]
        got = server.get(dump.removeprefix(server.url))
        assert got.status == 200
        assert hashlib.sha256(got.body).hexdigest() == summary["files"][name]["sha256"]
        assert got.headers["etag"].strip('"') == summary["files"][name]["sha256"]
