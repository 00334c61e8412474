"""The endpoint as the usual Python clients use it: SPARQLWrapper with every
results format and request method, and rdflib's SPARQLStore."""

from __future__ import annotations

import csv
import io
from xml.dom.minidom import Document

import pyoxigraph
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from serving import LiveServer
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from nekg.namespaces import NEKG

CLAIM = URIRef("https://w3id.org/nekg/id/claim/mini-funding-2016")
SELECT = ("PREFIX nekg: <https://w3id.org/nekg/ontology#> "
          "SELECT ?claim ?value WHERE { ?claim a nekg:Claim . "
          "OPTIONAL { ?claim nekg:value ?value } } ORDER BY ?claim")
CONSTRUCT = f"CONSTRUCT {{ <{CLAIM}> ?p ?o }} WHERE {{ <{CLAIM}> ?p ?o }}"


def wrapper(server: LiveServer, query: str, fmt: str, method: str | None = None,
            request_method: str | None = None) -> SPARQLWrapper:
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    if method:
        client.setMethod(method)
    if request_method:
        client.setRequestMethod(request_method)
    return client


def _claims_of(fmt: str, converted: object) -> list[str]:
    if fmt == JSON:
        assert isinstance(converted, dict)
        return [b["claim"]["value"] for b in converted["results"]["bindings"]]
    if fmt == XML:
        assert isinstance(converted, Document)
        return [u.firstChild.data for b in converted.getElementsByTagName("binding")
                if b.getAttribute("name") == "claim"
                for u in b.getElementsByTagName("uri")]
    assert isinstance(converted, bytes)
    text = converted.decode("utf-8")
    if fmt == CSV:
        return [row["claim"] for row in csv.DictReader(io.StringIO(text, newline=""))]
    return [line.split("\t")[0].strip("<>") for line in text.splitlines()[1:]]


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
@pytest.mark.parametrize("method, request_method", [
    (None, None), (POST, URLENCODED), (POST, POSTDIRECTLY)])
def test_sparqlwrapper_select(server: LiveServer, fmt: str, method: str | None,
                              request_method: str | None) -> None:
    results = wrapper(server, SELECT, fmt, method, request_method).query()
    assert _claims_of(fmt, results.convert())[-1] == str(CLAIM)


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(server: LiveServer, fmt: str) -> None:
    converted = wrapper(server, f"ASK {{ <{CLAIM}> a ?type }}", fmt).query().convert()
    if fmt == JSON:
        assert isinstance(converted, dict) and converted["boolean"] is True
    else:
        assert isinstance(converted, Document)
        assert converted.getElementsByTagName("boolean")[0].firstChild.data == "true"


@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, XML, JSONLD])
def test_sparqlwrapper_construct(server: LiveServer, fmt: str) -> None:
    # read by pyoxigraph: SPARQLWrapper 2.0's convert() and rdflib's N3 and JSON-LD
    # parsers use rdflib's deprecated ConjunctiveGraph (an error under this suite's warnings)
    results = wrapper(server, CONSTRUCT, fmt).query()
    rdf_format = pyoxigraph.RdfFormat.from_media_type(results.info()["content-type"])
    assert rdf_format is not None
    triples = {str(t) for t in pyoxigraph.parse(results.response.read(), format=rdf_format)}
    assert f"<{CLAIM}> <{RDF.type}> <{NEKG.Claim}>" in triples
    assert len(triples) >= 8


def test_sparqlwrapper_sees_a_malformed_query(server: LiveServer) -> None:
    with pytest.raises(QueryBadFormed) as caught:
        wrapper(server, "SELECT * WHERE {", JSON).query()
    assert "error at 1:" in str(caught.value)


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore(server: LiveServer, method: str) -> None:
    store = SPARQLStore(server.url + "/sparql", method=method)
    graph = Graph(store=store)
    try:
        assert (CLAIM, RDF.type, NEKG.Claim) in graph
        rows = list(graph.query(SELECT))
        assert [str(row[0]) for row in rows][-1] == str(CLAIM)
        assert bool(graph.query(f"ASK {{ <{CLAIM}> ?p ?o }}").askAnswer)
        constructed = graph.query(CONSTRUCT).graph
        assert constructed is not None and (CLAIM, RDF.type, NEKG.Claim) in constructed
        assert len(graph) > 100
    finally:
        store.close()
