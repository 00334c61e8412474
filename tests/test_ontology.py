"""The ontology documents itself: every class and property labelled in English,
commented, defined by the ontology, with a domain and a range (rdfs: or
schema:…Includes); and the ontology header carries its metadata."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from nekg.load import parse_turtle
from nekg.namespaces import NEKG, ONTOLOGY_IRI

ONTOLOGY = parse_turtle(Path(__file__).resolve().parent.parent / "ontology" / "nekg.ttl")
SCHEMA = "http://schema.org/"
TERMS = sorted(
    t for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    for t in ONTOLOGY.subjects(RDF.type, kind)
    if isinstance(t, URIRef) and str(t).startswith(str(NEKG))
)
PROPERTIES = [t for t in TERMS if (t, RDF.type, OWL.Class) not in ONTOLOGY]


def _english(graph: Graph, term: URIRef, prop: URIRef) -> list[Literal]:
    return [o for o in graph.objects(term, prop) if isinstance(o, Literal) and o.language == "en"]


def test_the_core_contract_terms_exist() -> None:
    for name in ("Actor", "Person", "Organization", "Document", "Region", "Industry", "Claim",
                 "Citation", "about", "indicator", "value", "unit", "time", "assertedBy",
                 "conflictsWith", "basedOn", "sha256"):
        assert NEKG[name] in TERMS, name


@pytest.mark.parametrize("term", TERMS, ids=[str(t).rsplit("#", 1)[1] for t in TERMS])
def test_term_is_labelled_commented_and_defined(term: URIRef) -> None:
    assert len(_english(ONTOLOGY, term, RDFS.label)) == 1
    assert _english(ONTOLOGY, term, RDFS.comment)
    assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in ONTOLOGY


@pytest.mark.parametrize("prop", PROPERTIES, ids=[str(t).rsplit("#", 1)[1] for t in PROPERTIES])
def test_property_has_domain_and_range(prop: URIRef) -> None:
    domains = {RDFS.domain, URIRef(SCHEMA + "domainIncludes")}
    ranges = {RDFS.range, URIRef(SCHEMA + "rangeIncludes")}
    assert any((prop, p, None) in ONTOLOGY for p in domains)
    assert any((prop, p, None) in ONTOLOGY for p in ranges)


def test_ontology_header() -> None:
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.creator, DCTERMS.license,
                 DCTERMS.created, OWL.versionIRI, OWL.versionInfo):
        assert (ONTOLOGY_IRI, prop, None) in ONTOLOGY, prop
