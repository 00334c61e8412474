"""Pages for people: the query page at /, the page of every resource
(/id/<type>/<slug> for instance IRIs, /resource?iri= for any other IRI),
and the dataset's downloads.

Instance IRIs dereference: /id/... answers HTML, or Turtle, JSON-LD,
N-Triples, RDF/XML by `Accept` (or `format`). Everything shown is escaped by
Jinja's autoescaping; no front-end asset comes from elsewhere."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph
from flask import Blueprint, abort, current_app, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from nekg.errors import NoAcceptableFormat, QueryError, QueryRuntimeError
from nekg.namespaces import PREFIXES, WD, WIKIDATA_PAGE, instance_prefixes
from nekg.querylib import find_queries
from nekg.sparql import GRAPH_ALIASES, GRAPH_FORMATS, QueryJob, format_by_name
from nekg.web import Services, services
from nekg.web.describe import downloads as dataset_downloads
from nekg.web.describe import limits, statistics
from nekg.web.graph import Term, describe, iri_ref
from nekg.web.sparql import content_type, negotiate, results_response

blueprint = Blueprint("pages", __name__)

#: rows of a result shown on the page (the download links give all, up to the row cap)
PAGE_ROWS = 1000
DEFAULT_QUERY = """PREFIX nekg: <https://w3id.org/nekg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

# Claims and how many there are of each kind of indicator
SELECT ?indicator (SAMPLE(?name) AS ?label) (COUNT(?claim) AS ?claims) WHERE {
  ?claim a nekg:Claim ; nekg:indicator ?indicator .
  OPTIONAL { ?indicator rdfs:label ?name }
}
GROUP BY ?indicator
ORDER BY DESC(?claims)
LIMIT 50
"""


@dataclass(frozen=True)
class Example:
    """One query of the library (queries/*.rq) with its header."""

    name: str  # its path below queries/, without .rq: "regions/most-discussed-places"
    title: str
    question: str | None
    text: str

    @property
    def folder(self) -> str:
        """The theme folder below queries/ ("" at its top)."""
        return self.name.rpartition("/")[0]


_HEADER = re.compile(r"^#\+\s*([\w-]+)\s*:\s*(.*)$")


def examples(queries_dir: Path) -> list[Example]:
    """The library's queries (querylib.find_queries: every .rq file below queries/ but
    the audit's checks), named by their path there, titled by their `#+ title:`.

    Headers are read leniently here (the library's tests check them): a file
    without a title is shown by its name, so one bad header cannot break the page.
    """
    found = []
    for path in find_queries(queries_dir):
        text = path.read_text(encoding="utf-8")
        header: dict[str, str] = {}
        for line in text.splitlines():
            m = _HEADER.match(line.strip())
            if m:
                header.setdefault(m.group(1).lower(), m.group(2).strip())
        name = path.relative_to(queries_dir).with_suffix("").as_posix()
        found.append(Example(name, header.get("title", name), header.get("question"), text))
    return found


# ----------------------------------------------------------------- presentation


def _prefixes(base: str) -> list[tuple[str, str]]:
    """Prefixes for compact IRIs, longest namespace first."""
    pairs = [*PREFIXES.items(), *instance_prefixes(base).items()]
    return sorted(pairs, key=lambda pair: -len(pair[1]))


@blueprint.app_template_filter("curie")
def curie(iri: str) -> str:
    """`prefix:local` for IRIs in a known namespace, the IRI otherwise."""
    base = services(current_app).settings.public_id_base
    for prefix, namespace in _prefixes(base):
        if iri.startswith(namespace) and "/" not in iri[len(namespace):]:
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


@blueprint.app_template_filter("href")
def href(iri: str) -> str:
    """Where a link to `iri` goes: its /id/ page, or /resource?iri= for other IRIs."""
    base = services(current_app).settings.public_id_base
    if iri.startswith(base) and "#" not in iri:
        return url_for("pages.entity", path=iri[len(base):])
    return url_for("pages.resource", iri=iri)


@blueprint.app_template_filter("wikidata")
def wikidata(iri: str) -> str | None:
    """The Wikidata page of a Wikidata entity IRI (None for other IRIs)."""
    if iri.startswith(str(WD)):
        return WIKIDATA_PAGE + iri.removeprefix(str(WD))
    return None


@blueprint.app_template_filter("number")
def number(term: Term) -> str:
    """A numeric literal with thousands separators, as recorded (never rounded)."""
    try:
        value = Decimal(term.value)
    except InvalidOperation:
        return term.value
    return f"{value:,}" if term.is_numeric else term.value


@blueprint.app_context_processor
def shared_context() -> dict[str, Any]:
    settings = services(current_app).settings
    return {"limits": limits(settings), "settings": settings}


# ----------------------------------------------------------------- the query page


@dataclass
class QueryView:
    """A query's results as the page shows them."""

    form: str
    variables: list[str]
    rows: list[dict[str, Term]]
    boolean: bool | None
    total: int
    truncated: bool
    seconds: float


@blueprint.route("/")
def index() -> tuple[str, int]:
    """The query page: editor, examples, results with download links."""
    shared = services(current_app)
    library = examples(shared.settings.project.queries_dir)
    query = request.args.get("query")
    chosen = request.args.get("example")
    if query is None and chosen is not None:
        match = [e for e in library if e.name == chosen]  # only listed files, no paths
        if not match:
            abort(404, f"no example query named {chosen!r}")
        query = match[0].text
    view: QueryView | None = None
    error: str | None = None
    status = 200
    if query is not None and "query" in request.args:
        try:
            view = _run(shared, query)
        except (QueryError, QueryRuntimeError) as exc:
            error, status = str(exc), exc.status
    downloads = []
    if view is not None:
        names = (["json", "xml", "csv", "tsv"] if view.form != "graph"
                 else ["turtle", "ntriples", "jsonld", "rdfxml"])
        downloads = [(n, url_for("sparql.endpoint") + "?" + urlencode(
            {"query": query, "format": n})) for n in names]
    return render_template(
        "index.html", query=query if query is not None else DEFAULT_QUERY, examples=library,
        chosen=chosen, view=view, error=error, downloads=downloads, page_rows=PAGE_ROWS,
    ), status


def _run(shared: Services, query: str) -> QueryView:
    settings = shared.settings
    job = QueryJob(query, results_type="application/sparql-results+json",
                   graph_type="application/n-triples", base_iri=url_for(
                       "sparql.endpoint", _external=True),
                   max_rows=settings.max_rows, allowed_services=settings.service_allowlist)
    outcome = shared.pool.run(job)
    if outcome.form == "graph":
        triples = pyoxigraph.parse(outcome.body, format=pyoxigraph.RdfFormat.N_TRIPLES)
        rows = [{"subject": _term(t.subject), "predicate": _term(t.predicate),
                 "object": _term(t.object)} for t in triples]
        return QueryView("graph", ["subject", "predicate", "object"], rows[:PAGE_ROWS], None,
                         outcome.rows, outcome.truncated, outcome.seconds)
    data = json.loads(outcome.body)
    if "boolean" in data:
        return QueryView("ask", [], [], bool(data["boolean"]), 1, False, outcome.seconds)
    rows = [{k: Term.from_json(v) for k, v in b.items()}
            for b in data["results"]["bindings"][:PAGE_ROWS]]
    return QueryView("select", list(data["head"]["vars"]), rows, None, outcome.rows,
                     outcome.truncated, outcome.seconds)


def _term(node: object) -> Term:
    if isinstance(node, pyoxigraph.NamedNode):
        return Term("uri", node.value)
    if isinstance(node, pyoxigraph.BlankNode):
        return Term("bnode", node.value)
    if isinstance(node, pyoxigraph.Literal):
        return Term("literal", node.value, node.language, node.datatype.value)
    return Term("triple", str(node))


# ----------------------------------------------------------------- resources


@blueprint.route("/id/<path:path>")
def entity(path: str) -> BaseResponse | tuple[str, int]:
    """An instance IRI (public base + path) as HTML, or as RDF by Accept."""
    return _resource_page(services(current_app).settings.public_id_base + path)


@blueprint.route("/resource")
def resource() -> BaseResponse | tuple[str, int]:
    """Any IRI of the dataset (ontology terms, Wikidata items), as /id/ pages are."""
    iri = request.args.get("iri", "")
    if not iri:
        abort(400, "give the IRI to describe as ?iri=")
    return _resource_page(iri)


def _resource_page(iri: str) -> BaseResponse | tuple[str, int]:
    shared = services(current_app)
    try:
        iri_ref(iri)
    except ValueError:
        abort(404, f"{iri!r} is not an IRI")
    chosen = _negotiate_page()
    if chosen != "text/html":
        return _resource_rdf(shared, iri, chosen)
    found = describe(shared.pool, iri, shared.settings.max_rows)
    if found is None:
        abort(404, f"the dataset says nothing about <{iri}>")
    alternates = [(m, url_for("pages.resource", iri=iri, format=n)) for m, n in (
        ("text/turtle", "turtle"), ("application/ld+json", "jsonld"),
        ("application/n-triples", "ntriples"))]
    return render_template("resource.html", r=found, alternates=alternates), 200


def _negotiate_page() -> str:
    names = request.args.getlist("format")
    if names:
        graph = next((g for _, g in map(format_by_name, names) if g), None)
        if graph is None and "html" not in names:
            raise NoAcceptableFormat(f"format={names[0]!r}", ("html", *GRAPH_FORMATS))
        return graph or "text/html"
    chosen = negotiate({"text/html": None, **GRAPH_FORMATS}, GRAPH_ALIASES)
    if chosen is None:
        raise NoAcceptableFormat("a resource", ("text/html", *GRAPH_FORMATS))
    return chosen


def _resource_rdf(shared: Services, iri: str, media_type: str) -> BaseResponse:
    ref = iri_ref(iri)
    query = f"""CONSTRUCT {{ {ref} ?p ?o . ?o ?bp ?bo . ?s ?ip {ref} }} WHERE {{
        SELECT DISTINCT ?p ?o ?bp ?bo ?s ?ip WHERE {{
          {{ {ref} ?p ?o . OPTIONAL {{ ?o ?bp ?bo . FILTER(isBlank(?o)) }} }}
          UNION {{ ?s ?ip {ref} }}
        }} }}"""
    job = QueryJob(query, results_type=None, graph_type=media_type,
                   max_rows=shared.settings.max_rows, output_prefixes=tuple(PREFIXES.items()))
    outcome = shared.pool.run(job)
    if outcome.rows == 0:
        abort(404, f"the dataset says nothing about <{iri}>")
    response = results_response(outcome, shared.settings.max_rows)
    response.headers["Content-Type"] = content_type(media_type)
    return response


@blueprint.route("/downloads")
def downloads() -> str:
    """The dataset files with size and checksum, and the machine-readable descriptions."""
    shared = services(current_app)
    return render_template("downloads.html", files=dataset_downloads(shared),
                           stats=statistics(shared), summary=shared.summary)

