"""Every IRI the code uses, and nowhere else: vocabularies, instance bases, named graphs."""

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

NEKG = Namespace("https://w3id.org/nekg/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
WD = Namespace("http://www.wikidata.org/entity/")
SH = Namespace("http://www.w3.org/ns/shacl#")

ID_BASE = "https://w3id.org/nekg/id/"
ONTOLOGY_IRI = URIRef("https://w3id.org/nekg/ontology")

GRAPH_BASE = "https://w3id.org/nekg/graph/"
GRAPH_ONTOLOGY = URIRef(GRAPH_BASE + "ontology")
GRAPH_DATA = URIRef(GRAPH_BASE + "data")
GRAPH_INFERRED = URIRef(GRAPH_BASE + "inferred")
GRAPH_SOURCES = URIRef(GRAPH_BASE + "sources")

PREFIXES: dict[str, str] = {
    "nekg": str(NEKG),
    "oa": str(OA),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "wd": str(WD),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
}

__all__ = [
    "DCTERMS", "GRAPH_BASE", "GRAPH_DATA", "GRAPH_INFERRED", "GRAPH_ONTOLOGY", "GRAPH_SOURCES",
    "ID_BASE", "NEKG", "OA", "ONTOLOGY_IRI", "OWL", "PREFIXES", "PROV", "RDF", "RDFS", "SH",
    "SKOS", "WD", "XSD",
]
