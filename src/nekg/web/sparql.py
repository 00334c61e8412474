"""The SPARQL 1.1 Protocol at /sparql, and nothing else (read-only).

Query via GET `?query=`, POST application/x-www-form-urlencoded, POST
application/sparql-query; `default-graph-uri` and `named-graph-uri` honoured.
Results format chosen by `Accept` (werkzeug's parser: q-values, wildcards) or
by a `format` (or `output`) parameter. GET without a query answers the
SPARQL 1.1 Service Description. Errors are raised here and answered by the
app's one error handler: 400 malformed, 403 writes and refused SERVICE
calls, 405 method, 406 format, 413/414 size, 415 media type, 503 time limit."""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph
from flask import Blueprint, Response, current_app, redirect, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, UnsupportedMediaType
from werkzeug.wrappers import Response as BaseResponse

from nekg.errors import NoAcceptableFormat, ReadOnlyError
from nekg.namespaces import PREFIXES
from nekg.sparql import (
    FORMAT_NAMES,
    GRAPH_ALIASES,
    GRAPH_FORMATS,
    RESULTS_ALIASES,
    RESULTS_FORMATS,
    QueryJob,
    QueryOutcome,
    format_by_name,
)
from nekg.web import services
from nekg.web.describe import serialize, service_description

blueprint = Blueprint("sparql", __name__)

METHODS = ["GET", "POST", "OPTIONS"]
UPDATE_PARAMETERS = ("update", "using-graph-uri", "using-named-graph-uri")
READ_ONLY = ("this endpoint is read-only: SPARQL Update and every other write are refused "
             "(query it with SELECT, ASK, CONSTRUCT or DESCRIBE)")


@blueprint.route("/sparql/", methods=METHODS)
@blueprint.route("/sparql", methods=METHODS)
def endpoint() -> BaseResponse:
    """The query operation; the service description when GET has no query."""
    if request.method == "OPTIONS":
        return _preflight()
    params, query = read_request()
    if query is None:
        return _describe_service()
    job = make_job(query, params)
    outcome = services(current_app).pool.run(job)
    return results_response(outcome, job.max_rows)


def read_request() -> tuple[MultiDict[str, str], str | None]:
    """The request's protocol parameters and its one query (None: GET without query).

    Raises ReadOnlyError for any update, BadRequest for a malformed request,
    UnsupportedMediaType for a POST body of another type, and lets Flask
    raise RequestEntityTooLarge for an oversized body.
    """
    settings = services(current_app).settings
    if len(request.query_string) > settings.max_request_bytes:
        raise _uri_too_long(settings.max_request_bytes)
    args = request.args
    params: MultiDict[str, str]
    if request.method == "GET":
        if (request.content_length or 0) > 0 or "chunked" in request.headers.get(
                "Transfer-Encoding", "").lower():
            raise BadRequest("a query via GET must not have a message body "
                             "(SPARQL 1.1 Protocol, 2.2.1)")
        params = MultiDict(args.items(multi=True))
    else:
        mimetype = request.mimetype
        if mimetype == "application/sparql-update":
            raise ReadOnlyError(READ_ONLY)
        if mimetype == "application/x-www-form-urlencoded":
            params = MultiDict([*args.items(multi=True), *request.form.items(multi=True)])
        elif mimetype == "application/sparql-query":
            charset = request.mimetype_params.get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8"):
                raise UnsupportedMediaType(
                    f"application/sparql-query must be UTF-8, not {charset}")
            try:
                body = request.get_data(cache=False).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BadRequest(f"the query is not valid UTF-8: {exc}") from exc
            params = MultiDict([*args.items(multi=True), ("query", body)])
        else:
            given = f"Content-Type {mimetype}" if mimetype else "no Content-Type"
            raise UnsupportedMediaType(
                f"a POST query needs Content-Type application/x-www-form-urlencoded or "
                f"application/sparql-query; this request has {given}")
    if any(name in params for name in UPDATE_PARAMETERS):
        raise ReadOnlyError(READ_ONLY)
    queries = params.getlist("query")
    if len(queries) > 1:
        raise BadRequest(f"a request carries exactly one query; this one has {len(queries)}")
    if not queries:
        if request.method == "GET":
            return params, None
        raise BadRequest("the request has no query parameter")
    return params, queries[0]


def _uri_too_long(limit: int) -> BadRequest:
    error = BadRequest(f"the query string is longer than {limit} bytes; send the query by POST")
    error.code = 414
    return error


def negotiate(offered: Mapping[str, object], aliases: Mapping[str, str]) -> str | None:
    """The best of `offered` media types (or their aliases) for the request's Accept."""
    candidates = [*offered, *aliases]
    accept = request.accept_mimetypes
    if not accept:
        return candidates[0]
    match = accept.best_match(candidates)
    return aliases.get(match, match) if match else None


def negotiate_formats(params: MultiDict[str, str]) -> tuple[str | None, str | None]:
    """(results type, graph type) chosen by `format`/`output`, else by Accept.

    Raises NoAcceptableFormat when nothing this endpoint writes is acceptable.
    """
    names = [*params.getlist("format"), *params.getlist("output")]
    if names:
        chosen = [format_by_name(name) for name in names]
        results = next((r for r, _ in chosen if r), None)
        graph = next((g for _, g in chosen if g), None)
        if results is None and graph is None:
            raise NoAcceptableFormat(f"format={names[0]!r}", tuple(FORMAT_NAMES))
        return results, graph
    results = negotiate(RESULTS_FORMATS, RESULTS_ALIASES)
    graph = negotiate(GRAPH_FORMATS, GRAPH_ALIASES)
    if results is None and graph is None:
        raise NoAcceptableFormat("any query", (*RESULTS_FORMATS, *GRAPH_FORMATS))
    return results, graph


def make_job(query: str, params: MultiDict[str, str]) -> QueryJob:
    """The job for one protocol request: formats, dataset, limits, allowlist."""
    settings = services(current_app).settings
    results, graph = negotiate_formats(params)
    default = params.getlist("default-graph-uri")
    named = params.getlist("named-graph-uri")
    for name, iri in [*(("default-graph-uri", g) for g in default),
                      *(("named-graph-uri", g) for g in named)]:
        try:
            pyoxigraph.NamedNode(iri)
        except ValueError as exc:
            raise BadRequest(f"{name} {iri!r} is not an absolute IRI: {exc}") from exc
    protocol_dataset = bool(default or named)
    return QueryJob(
        query=query,
        results_type=results,
        graph_type=graph,
        default_graphs=tuple(default) if protocol_dataset else None,
        named_graphs=tuple(named) if protocol_dataset else None,
        base_iri=request.base_url,
        max_rows=settings.max_rows,
        allowed_services=settings.service_allowlist,
        output_prefixes=tuple(PREFIXES.items()),
    )


def content_type(media_type: str) -> str:
    """The Content-Type header for a media type (text types say UTF-8)."""
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


def results_response(outcome: QueryOutcome, max_rows: int) -> Response:
    """The HTTP response for a query's outcome, with its row count and cut, if any."""
    response = Response(outcome.body, content_type=content_type(outcome.media_type))
    response.headers["Vary"] = "Accept"
    response.headers["X-NEKG-Rows"] = str(outcome.rows)
    response.headers["Server-Timing"] = f"query;dur={outcome.seconds * 1000:.1f}"
    if outcome.truncated:
        response.headers["X-SPARQL-MaxRows"] = str(max_rows)
    return response


def description_format() -> str | None:
    """The format of a description (service, VoID): `format` if given, else by Accept.

    "text/html" means a person's browser asked: it is sent to a page instead.
    """
    names = request.args.getlist("format")
    if names:
        return next((g for _, g in map(format_by_name, names) if g), None)
    return negotiate({**GRAPH_FORMATS, "text/html": None}, GRAPH_ALIASES)


def _describe_service() -> BaseResponse:
    chosen = description_format()
    if chosen == "text/html":
        return redirect(url_for("pages.index"), code=303)
    if chosen is None:
        raise NoAcceptableFormat("the service description", tuple(GRAPH_FORMATS))
    turtle = service_description(services(current_app), request.base_url,
                                 url_for("pages.index", _external=True),
                                 url_for("dataset.void", _external=True))
    body = serialize(turtle, chosen)
    response = Response(body, content_type=content_type(chosen))
    response.headers["Vary"] = "Accept"
    return response


def _preflight() -> Response:
    response = Response(status=204)
    response.headers["Allow"] = ", ".join(METHODS)
    response.headers["Access-Control-Allow-Methods"] = ", ".join(METHODS)
    response.headers["Access-Control-Allow-Headers"] = request.headers.get(
        "Access-Control-Request-Headers", "Accept, Content-Type")
    response.headers["Access-Control-Max-Age"] = "86400"
    return response
