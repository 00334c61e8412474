"""Descriptions of the service and of the dataset: the SPARQL 1.1 Service
Description, the VoID description with statistics, and the limits in words.

The statistics are counted once per application by SPARQL over the served
dataset (so they describe what is served, not what a build meant to write)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pyoxigraph

from nekg.namespaces import (
    DCTERMS,
    DESCRIPTION_PREFIXES,
    FORMATS,
    NEKG,
    OA,
    PROV,
    RDFS,
    SKOS,
)
from nekg.sparql import GRAPH_FORMATS, RESULTS_FORMATS, QueryJob
from nekg.store import DATASET_FILE
from nekg.web.graph import iri_ref

if TYPE_CHECKING:
    from nekg.settings import Settings
    from nekg.web import Services

#: seconds the statistics queries may take (counted once, at the first request)
STATISTICS_TIMEOUT = 60.0

FORMAT_IRIS = {
    "application/sparql-results+json": FORMATS.SPARQL_Results_JSON,
    "application/sparql-results+xml": FORMATS.SPARQL_Results_XML,
    "text/csv": FORMATS.SPARQL_Results_CSV,
    "text/tab-separated-values": FORMATS.SPARQL_Results_TSV,
    "text/turtle": FORMATS.Turtle,
    "application/n-triples": FORMATS["N-Triples"],
    "application/ld+json": FORMATS["JSON-LD"],
    "application/rdf+xml": FORMATS.RDF_XML,
    "text/n3": FORMATS.N3,
}
DOWNLOADS = {"nekg.trig": "application/trig", "nekg.nq": "application/n-quads"}


def limits(settings: Settings) -> list[str]:
    """The endpoint's limits, one sentence each, as the service description and pages state them."""
    allowed = ", ".join(settings.service_allowlist) or "no endpoint at all"
    return [
        "Read-only: SPARQL Update and every other write are refused (HTTP 403).",
        (f"Each query may run for {settings.query_timeout:g} seconds; a longer one is stopped "
         "and answered with HTTP 503."),
        (f"Results are cut after {settings.max_rows} rows (or triples); a cut result carries "
         "the header X-SPARQL-MaxRows."),
        f"A request may be at most {settings.max_request_bytes} bytes (HTTP 413 beyond).",
        (f"SERVICE may only call {allowed}; any other target is refused (HTTP 403) before "
         "any connection is made."),
        ("The default graph is the union of the named graphs, unless the request or the "
         "query names its own dataset."),
    ]


def statistics(services: Services) -> dict[str, Any]:
    """Counts over the served dataset, computed once and kept."""
    cached = services.cache.get("statistics")
    if cached is not None:
        return dict(cached)
    pool, rows_cap = services.pool, 1_000_000

    def one(query: str) -> list[dict[str, str]]:
        outcome = pool.run(_job(query, rows_cap), timeout=max(STATISTICS_TIMEOUT,
                                                                services.settings.query_timeout))
        data = json.loads(outcome.body)
        return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]

    base = services.settings.public_id_base
    [totals] = one("""SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects)
        (COUNT(DISTINCT ?p) AS ?properties) (COUNT(DISTINCT ?o) AS ?objects)
        WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }""")
    [entities] = one(f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o
        FILTER(isIRI(?s) && STRSTARTS(STR(?s), {json.dumps(base)})) }}""")
    graphs = one("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g "
                 "ORDER BY ?g")
    classes = one("SELECT ?class (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?class } "
                  "GROUP BY ?class ORDER BY DESC(?n) ?class")
    found = {
        "triples": int(totals["triples"]),
        "subjects": int(totals["subjects"]),
        "properties": int(totals["properties"]),
        "objects": int(totals["objects"]),
        "entities": int(entities["n"]),
        "graphs": {row["g"]: int(row["n"]) for row in graphs},
        "classes": {row["class"]: int(row["n"]) for row in classes if "class" in row},
    }
    services.cache["statistics"] = found
    return dict(found)


def _job(query: str, max_rows: int) -> QueryJob:
    return QueryJob(query, results_type="application/sparql-results+json", graph_type=None,
                    max_rows=max_rows)


def _literal(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _prefixes() -> str:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in DESCRIPTION_PREFIXES.items())


def service_description(services: Services, endpoint: str, page: str, void: str) -> str:
    """The SPARQL 1.1 Service Description of the endpoint, in Turtle."""
    stats = statistics(services)
    settings = services.settings
    formats = ", ".join(iri_ref(str(FORMAT_IRIS[m])) for m in [*RESULTS_FORMATS, *GRAPH_FORMATS])
    named = " ,\n        ".join(
        f"[ a sd:NamedGraph ; sd:name {iri_ref(g)} ; "
        f"sd:graph [ a sd:Graph ; void:triples {n} ] ]"
        for g, n in stats["graphs"].items()
    )
    comment = " ".join(limits(settings))
    features = "sd:UnionDefaultGraph" + (", sd:BasicFederatedQuery"
                                         if settings.service_allowlist else "")
    return _prefixes() + f"""
{iri_ref(endpoint)} a sd:Service ;
    sd:endpoint {iri_ref(endpoint)} ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:feature {features} ;
    sd:resultFormat {formats} ;
    dcterms:title "nekg: the knowledge graph of the revitalization of Northeast China" ;
    rdfs:comment {_literal(comment)} ;
    rdfs:seeAlso {iri_ref(page)} , {iri_ref(void)} ;
    sd:defaultDataset [
        a sd:Dataset ;
        sd:defaultGraph [ a sd:Graph ; void:triples {stats["triples"]} ] ;
        sd:namedGraph {named}
    ] .
"""


def void_description(services: Services, void: str, endpoint: str,
                     downloads: dict[str, str]) -> str:
    """The VoID description of the served dataset with its statistics, in Turtle."""
    stats = statistics(services)
    settings = services.settings
    dataset = iri_ref(void + "#dataset")
    dumps = " , ".join(iri_ref(url) for url in downloads.values()) or "[]"
    vocabularies = " , ".join(iri_ref(str(ns)) for ns in (NEKG, OA, PROV, DCTERMS, SKOS, RDFS))
    partitions = " ,\n        ".join(
        f"[ void:class {iri_ref(c)} ; void:entities {n} ]" for c, n in stats["classes"].items()
    )
    subsets = "".join(
        f"\n{iri_ref(g)} a void:Dataset ; void:triples {n} ; void:sparqlEndpoint "
        f"{iri_ref(endpoint)} .\n" for g, n in stats["graphs"].items()
    )
    subset_list = " , ".join(iri_ref(g) for g in stats["graphs"]) or "[]"
    return _prefixes() + f"""
{dataset} a void:Dataset ;
    dcterms:title "nekg" ;
    dcterms:description {_literal(
        "Knowledge graph of China's policy of revitalizing the old industrial bases of "
        "Northeast China, in which every claim cites the exact words of an archived source.")} ;
    void:sparqlEndpoint {iri_ref(endpoint)} ;
    void:dataDump {dumps} ;
    void:uriSpace {_literal(settings.public_id_base)} ;
    void:vocabulary {vocabularies} ;
    void:triples {stats["triples"]} ;
    void:entities {stats["entities"]} ;
    void:distinctSubjects {stats["subjects"]} ;
    void:properties {stats["properties"]} ;
    void:distinctObjects {stats["objects"]} ;
    void:classes {len(stats["classes"])} ;
    void:subset {subset_list} ;
    void:classPartition {partitions or "[]"} .
{subsets}"""


def downloads(services: Services) -> list[dict[str, Any]]:
    """The dataset files that can be downloaded, with size and SHA-256 from summary.json."""
    files = services.summary.get("files", {})
    found = []
    for name, media_type in DOWNLOADS.items():
        path = services.settings.dist_dir / name
        if not path.exists():
            continue
        info = files.get(name, {})
        found.append({
            "name": name, "media_type": media_type,
            "bytes": info.get("bytes", path.stat().st_size),
            "sha256": info.get("sha256"),
            "served": name == DATASET_FILE,
        })
    return found


def serialize(turtle: str, media_type: str) -> bytes:
    """Turtle text re-serialized in one of the graph formats."""
    triples = pyoxigraph.parse(turtle, format=pyoxigraph.RdfFormat.TURTLE)
    prefixes = DESCRIPTION_PREFIXES if media_type == "text/turtle" else None
    body = pyoxigraph.serialize(triples, format=GRAPH_FORMATS[media_type], prefixes=prefixes)
    assert body is not None
    return body
