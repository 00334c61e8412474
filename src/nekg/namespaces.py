"""Every IRI the code uses, and nowhere else: vocabularies, instance bases, named graphs."""

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

NEKG = Namespace("https://w3id.org/nekg/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
WD = Namespace("http://www.wikidata.org/entity/")
SH = Namespace("http://www.w3.org/ns/shacl#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

#: where a Wikidata item is shown to people, and the query service SERVICE may call
WIKIDATA_PAGE = "https://www.wikidata.org/wiki/"
WIKIDATA_QUERY_SERVICE = "https://query.wikidata.org/sparql"

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

#: the kinds of instance, each under ID_BASE + kind + "/"
INSTANCE_TYPES = (
    "actor", "capacity", "citation", "claim", "discrepancy", "document", "event", "indicator",
    "industry", "kind", "policy", "position", "programme", "qualifier", "region", "unit",
)


def instance_prefixes(base: str = ID_BASE) -> dict[str, str]:
    """A prefix for each kind of instance (`region:` for base + "region/"), for display."""
    return {kind: f"{base}{kind}/" for kind in INSTANCE_TYPES}


#: prefixes of descriptions of the service and the dataset (service description, VoID)
DESCRIPTION_PREFIXES: dict[str, str] = {
    "sd": str(SD),
    "void": str(VOID),
    "formats": str(FORMATS),
    "dcterms": str(DCTERMS),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
}

__all__ = [
    "DCTERMS", "DESCRIPTION_PREFIXES", "FORMATS", "GRAPH_BASE", "GRAPH_DATA", "GRAPH_INFERRED",
    "GRAPH_ONTOLOGY", "GRAPH_SOURCES", "ID_BASE", "INSTANCE_TYPES", "NEKG", "OA", "ONTOLOGY_IRI", "OWL", "PREFIXES",
    "PROV", "RDF", "RDFS", "SD", "SH", "SKOS", "VOID", "WD", "WIKIDATA_PAGE",
    "WIKIDATA_QUERY_SERVICE", "XSD", "instance_prefixes",
]
