"""Running one SPARQL query on the embedded store, safely: the policy checks
that come before it, the formats its results can take, and the row cap.

Guarantees:

- Nothing is written: the engine is only ever asked to *query*; an update, in
  any disguise, is refused with ReadOnlyError before it reaches the engine.
- No SERVICE call leaves for an endpoint outside the allowlist: every SERVICE
  target is read from the query text by a SPARQL-aware lexer (strings,
  comments, IRIs and escaped local names are skipped as the grammar says) and
  checked before the query is given to the engine. A target that cannot be
  resolved to an allowed IRI (a variable, an unknown prefix, an unreadable
  query mentioning SERVICE) is refused, so the check fails closed.
- At most `max_rows` rows (or triples) are read from the engine: the
  results are pulled lazily and the engine stops producing the rest.
- Results are written by pyoxigraph's own serializers.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin

import pyoxigraph

from nekg.errors import (
    NoAcceptableFormat,
    QueryFailed,
    QuerySyntaxError,
    ReadOnlyError,
    ServiceNotAllowed,
)

# ----------------------------------------------------------------- formats

#: media type of each SELECT/ASK results format, the server's preference first
RESULTS_FORMATS: dict[str, pyoxigraph.QueryResultsFormat] = {
    "application/sparql-results+json": pyoxigraph.QueryResultsFormat.JSON,
    "application/sparql-results+xml": pyoxigraph.QueryResultsFormat.XML,
    "text/csv": pyoxigraph.QueryResultsFormat.CSV,
    "text/tab-separated-values": pyoxigraph.QueryResultsFormat.TSV,
}

#: media type of each CONSTRUCT/DESCRIBE graph format, the server's preference first
GRAPH_FORMATS: dict[str, pyoxigraph.RdfFormat] = {
    "text/turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
    "application/ld+json": pyoxigraph.RdfFormat.JSON_LD,
    "application/rdf+xml": pyoxigraph.RdfFormat.RDF_XML,
    "text/n3": pyoxigraph.RdfFormat.N3,
}

#: media types clients send for a format under another name (Accept aliases)
RESULTS_ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
}
GRAPH_ALIASES = {
    "application/x-turtle": "text/turtle",
    "application/turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "application/json": "application/ld+json",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
}

#: short names accepted by the `format` parameter: (results type, graph type)
FORMAT_NAMES: dict[str, tuple[str | None, str | None]] = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "csv": ("text/csv", None),
    "tsv": ("text/tab-separated-values", None),
    "turtle": (None, "text/turtle"),
    "ttl": (None, "text/turtle"),
    "n3": (None, "text/n3"),
    "nt": (None, "application/n-triples"),
    "ntriples": (None, "application/n-triples"),
    "n-triples": (None, "application/n-triples"),
    "json-ld": (None, "application/ld+json"),
    "jsonld": (None, "application/ld+json"),
    "rdf+xml": (None, "application/rdf+xml"),
    "rdfxml": (None, "application/rdf+xml"),
    "rdf": (None, "application/rdf+xml"),
}


def format_by_name(value: str) -> tuple[str | None, str | None]:
    """The (results, graph) media types a `format` value stands for.

    A value may be a short name (`json`, `csv`, `turtle`, …) or a media type;
    (None, None) when it names no format this endpoint writes.
    """
    key = value.strip().lower()
    if key in FORMAT_NAMES:
        return FORMAT_NAMES[key]
    key = key.split(";")[0].strip()
    results = RESULTS_ALIASES.get(key, key)
    graph = GRAPH_ALIASES.get(key, key)
    return (
        results if results in RESULTS_FORMATS else None,
        graph if graph in GRAPH_FORMATS else None,
    )


# ----------------------------------------------------------------- the lexer

_IRIREF = re.compile(r'<([^<>"{}|^`\\\x00-\x20]*)>')
_VAR = re.compile(r"[?$][A-Za-z0-9_\u00B7\u00C0-\U000EFFFF]+")
_WORD_CHAR = re.compile(r"[A-Za-z0-9_\-.:%\u00B7\u00C0-\U000EFFFF]")
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})


@dataclass(frozen=True)
class Token:
    kind: str  # "iri", "pname", "var", "word", "string", "punct"
    text: str
    offset: int


class LexError(ValueError):
    """The text is not a sequence of SPARQL tokens (an unterminated string or IRI)."""


def tokens(text: str) -> list[Token]:
    """SPARQL tokens of `text`, without comments, whitespace and string contents.

    Follows the SPARQL 1.1 grammar's terminals closely enough to find
    keywords: comments start at `#` outside strings and IRIs; a backslash
    outside strings escapes the next character (PN_LOCAL_ESC); `<` starts an
    IRI only when an IRIREF follows, and is an operator otherwise.
    Raises LexError for an unterminated string.
    """
    found: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "#":
            while i < n and text[i] not in "\r\n":
                i += 1
        elif c in "\"'":
            end = _string_end(text, i)
            found.append(Token("string", "", i))
            i = end
        elif c == "<" and (m := _IRIREF.match(text, i)):
            found.append(Token("iri", m.group(1), i))
            i = m.end()
        elif c in "?$" and (m := _VAR.match(text, i)):
            found.append(Token("var", m.group(0)[1:], i))
            i = m.end()
        elif c == "@":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "-"):
                j += 1
            found.append(Token("punct", text[i:j], i))
            i = max(j, i + 1)
        elif _WORD_CHAR.match(c) or c == "\\":
            j = i
            while j < n and (_WORD_CHAR.match(text[j]) or text[j] == "\\"):
                j += 2 if text[j] == "\\" else 1
            word = text[i:j].rstrip(".")
            end = i + len(word) if word else j
            found.append(Token("pname" if ":" in word else "word", word, i))
            i = max(end, i + 1)
        else:
            found.append(Token("punct", c, i))
            i += 1
    return found


def _string_end(text: str, start: int) -> int:
    quote = text[start]
    long = text.startswith(quote * 3, start)
    delimiter = quote * 3 if long else quote
    i = start + len(delimiter)
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text.startswith(delimiter, i):
            return i + len(delimiter)
        elif not long and text[i] in "\r\n":
            break
        else:
            i += 1
    line = text.count("\n", 0, start) + 1
    raise LexError(f"unterminated string starting at line {line}")


def unescape_codepoints(text: str) -> str:
    r"""Replace \uXXXX and \UXXXXXXXX escapes by the characters they stand for."""
    def char(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF else m.group(0)
    return _CODEPOINT.sub(char, text)


@dataclass
class Analysis:
    """What the lexer found in one query text."""

    form: str | None = None  # SELECT, ASK, CONSTRUCT, DESCRIBE, or an update keyword
    base: str | None = None
    prefixes: dict[str, str] = field(default_factory=dict)
    #: SERVICE targets, resolved to IRIs, or None for a target that is not an IRI
    services: list[tuple[str, str | None]] = field(default_factory=list)
    has_dataset_clause: bool = False

    @property
    def is_update(self) -> bool:
        return self.form in UPDATE_KEYWORDS


def analyse(query: str, base_iri: str | None = None) -> Analysis:
    """Read the prologue, the query form, SERVICE targets and FROM clauses.

    Raises LexError when the text cannot be tokenised.
    """
    found = tokens(query)
    result = Analysis(base=base_iri)
    i = 0
    while i < len(found):
        keyword = found[i].text.upper() if found[i].kind == "word" else ""
        if keyword == "BASE" and i + 1 < len(found) and found[i + 1].kind == "iri":
            result.base = _resolve(found[i + 1].text, result.base)
            i += 2
        elif (keyword == "PREFIX" and i + 2 < len(found) and found[i + 1].kind == "pname"
              and found[i + 2].kind == "iri"):
            result.prefixes[found[i + 1].text.split(":")[0]] = _resolve(
                found[i + 2].text, result.base
            )
            i += 3
        else:
            break
    if i < len(found) and found[i].kind == "word":
        result.form = found[i].text.upper()
    for j, token in enumerate(found):
        if token.kind != "word":
            continue
        keyword = token.text.upper()
        if keyword == "FROM":
            result.has_dataset_clause = True
        elif keyword == "SERVICE":
            k = j + 1
            if k < len(found) and found[k].kind == "word" and found[k].text.upper() == "SILENT":
                k += 1
            target = found[k] if k < len(found) else None
            result.services.append(_service_target(target, result))
    return result


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base else iri


def _service_target(token: Token | None, analysis: Analysis) -> tuple[str, str | None]:
    if token is None:
        return ("(nothing)", None)
    if token.kind == "iri":
        resolved = _resolve(token.text, analysis.base)
        return (f"<{token.text}>", resolved if ":" in resolved else None)
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        namespace = analysis.prefixes.get(prefix)
        if namespace is None:
            return (token.text, None)
        return (token.text, namespace + local.replace("\\", ""))
    if token.kind == "var":
        return (f"?{token.text}", None)
    return (token.text or token.kind, None)


# ----------------------------------------------------------------- a job

@dataclass(frozen=True)
class QueryJob:
    """One query and everything needed to run and answer it; picklable."""

    query: str
    #: the negotiated media type for SELECT/ASK results (None: none acceptable)
    results_type: str | None = "application/sparql-results+json"
    #: the negotiated media type for CONSTRUCT/DESCRIBE results (None: none acceptable)
    graph_type: str | None = "text/turtle"
    #: protocol dataset (default-graph-uri, named-graph-uri); None when not given
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    base_iri: str | None = None
    max_rows: int = 10_000
    allowed_services: tuple[str, ...] = ()
    #: prefixes used to abbreviate IRIs in Turtle, N3 and RDF/XML output (not in the query)
    output_prefixes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class QueryOutcome:
    """The answer to one job, serialized."""

    form: str  # "select", "ask" or "graph"
    media_type: str
    body: bytes
    rows: int
    truncated: bool
    seconds: float


def check_policy(job: QueryJob) -> Analysis | None:
    """Refuse updates and SERVICE calls outside the allowlist; returns the analysis.

    Both the text as sent and the text with its \\u escapes replaced are read,
    and a refusal by either stands. Returns None when the text cannot be
    tokenised and does not mention SERVICE (the parser will report the error).
    Raises ReadOnlyError, ServiceNotAllowed or QuerySyntaxError.
    """
    texts = [job.query]
    unescaped = unescape_codepoints(job.query)
    if unescaped != job.query:
        texts.append(unescaped)
    analyses: list[Analysis] = []
    for text in texts:
        try:
            analyses.append(analyse(text, job.base_iri))
        except LexError as exc:
            if "service" in text.lower():
                raise QuerySyntaxError(f"cannot read the query: {exc}") from exc
    for analysis in analyses:
        if analysis.is_update:
            raise ReadOnlyError(
                f"this endpoint is read-only: {analysis.form} (SPARQL Update) is not accepted"
            )
        for written, iri in analysis.services:
            if iri is None or iri not in job.allowed_services:
                raise ServiceNotAllowed(written, job.allowed_services)
    return analyses[0] if analyses else None


_POSITION = re.compile(r"error at (\d+):(\d+)")


def execute(store: pyoxigraph.Store, job: QueryJob) -> QueryOutcome:
    """Check the job's policy, run it on `store` and serialize at most max_rows results.

    Raises ReadOnlyError, ServiceNotAllowed, QuerySyntaxError (the parser's
    message, line and column), NoAcceptableFormat (before any result is
    computed), or QueryFailed when evaluation fails.
    """
    started = time.perf_counter()
    analysis = check_policy(job)
    default_graph: list[pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.DefaultGraph]
    named_graphs: list[pyoxigraph.NamedNode | pyoxigraph.BlankNode] | None = None
    try:
        if job.default_graphs is not None or job.named_graphs is not None:
            default_graph = [pyoxigraph.NamedNode(g) for g in job.default_graphs or ()]
            named_graphs = [pyoxigraph.NamedNode(g) for g in job.named_graphs or ()]
            result = store.query(job.query, base_iri=job.base_iri, default_graph=default_graph,
                                 named_graphs=named_graphs)
        else:
            # SPARQL's default graph is the union of the named graphs, unless the
            # query gives its own dataset (FROM / FROM NAMED), which then applies.
            union = analysis is None or not analysis.has_dataset_clause
            result = store.query(job.query, base_iri=job.base_iri,
                                 use_default_graph_as_union=union)
    except SyntaxError as exc:
        message = str(exc)
        m = _POSITION.search(message)
        line, column = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        raise QuerySyntaxError(message, line, column) from exc
    except OSError as exc:
        raise QueryFailed(f"query evaluation failed: {exc}") from exc
    try:
        if isinstance(result, pyoxigraph.QueryBoolean):
            return _boolean(result, job, started)
        if isinstance(result, pyoxigraph.QuerySolutions):
            return _solutions(result, job, started)
        return _triples(result, job, started)
    except (OSError, SyntaxError, RuntimeError) as exc:
        # raised while results are pulled: a failed SERVICE call, a bad reply
        raise QueryFailed(f"query evaluation failed: {exc}") from exc


def _results_format(job: QueryJob, form: str) -> tuple[str, pyoxigraph.QueryResultsFormat]:
    if job.results_type is None or job.results_type not in RESULTS_FORMATS:
        raise NoAcceptableFormat(form, tuple(RESULTS_FORMATS))
    return job.results_type, RESULTS_FORMATS[job.results_type]


def _boolean(result: pyoxigraph.QueryBoolean, job: QueryJob, started: float) -> QueryOutcome:
    media_type, fmt = _results_format(job, "ASK")
    body = result.serialize(format=fmt)
    assert body is not None
    return QueryOutcome("ask", media_type, body, 1, False, time.perf_counter() - started)


def _solutions(result: pyoxigraph.QuerySolutions, job: QueryJob, started: float) -> QueryOutcome:
    media_type, fmt = _results_format(job, "SELECT")
    variables = list(result.variables)
    rows = list(itertools.islice(result, job.max_rows + 1))
    truncated = len(rows) > job.max_rows
    del rows[job.max_rows:]
    # The engine's serializer works on a results iterator; the rows already
    # read are handed back to it as a results document in TSV, whose terms
    # are the engine's own N-Triples forms, so nothing is re-encoded by hand.
    lines = ["\t".join(str(v) for v in variables)]
    # tuple(row) is the values in variable order, and far faster than row[variable]
    lines += ["\t".join("" if term is None else str(term) for term in tuple(row))
              for row in rows]
    capped: pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | pyoxigraph.QueryTriples
    if variables:
        capped = pyoxigraph.parse_query_results("\n".join(lines) + "\n",
                                                format=pyoxigraph.QueryResultsFormat.TSV)
    else:  # TSV cannot say "no variables, n rows"
        capped = pyoxigraph.Store().query(
            "SELECT * WHERE { VALUES () { " + "() " * len(rows) + "} }")
    assert isinstance(capped, pyoxigraph.QuerySolutions)
    body = capped.serialize(format=fmt)
    assert body is not None
    return QueryOutcome("select", media_type, body, len(rows), truncated,
                        time.perf_counter() - started)


def _triples(result: pyoxigraph.QueryTriples, job: QueryJob, started: float) -> QueryOutcome:
    if job.graph_type is None or job.graph_type not in GRAPH_FORMATS:
        raise NoAcceptableFormat("CONSTRUCT/DESCRIBE", tuple(GRAPH_FORMATS))
    triples = list(itertools.islice(result, job.max_rows + 1))
    truncated = len(triples) > job.max_rows
    del triples[job.max_rows:]
    fmt = GRAPH_FORMATS[job.graph_type]
    prefixes = dict(job.output_prefixes) if fmt in (pyoxigraph.RdfFormat.TURTLE, pyoxigraph.RdfFormat.N3,
                                             pyoxigraph.RdfFormat.RDF_XML) else None
    body = pyoxigraph.serialize(triples, format=fmt, prefixes=prefixes)
    assert body is not None
    return QueryOutcome("graph", job.graph_type, body, len(triples), truncated,
                        time.perf_counter() - started)


# ----------------------------------------------------------------- local queries

#: the output formats of `nekg query`: a table for people, or a results format
LOCAL_FORMATS = ("table", "json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld",
                 "rdfxml", "n3")


def run_local(store: pyoxigraph.Store, query: str, fmt: str, max_rows: int,
              allowed_services: tuple[str, ...], prefixes: dict[str, str]) -> str:
    """Run `query` in this process and return its results as text in `fmt`.

    The same policy as the endpoint's applies (read-only, SERVICE allowlist,
    row cap); there is no time limit. Raises what `execute` raises.
    """
    results: str | None = "application/sparql-results+json"
    graph: str | None = "application/n-triples"
    if fmt != "table":
        results, graph = format_by_name(fmt)
    job = QueryJob(query, results_type=results, graph_type=graph, max_rows=max_rows,
                   allowed_services=allowed_services, output_prefixes=tuple(prefixes.items()))
    outcome = execute(store, job)
    if fmt != "table":
        text = outcome.body.decode("utf-8")
        return text if text.endswith("\n") else text + "\n"
    if outcome.form == "graph":
        triples = pyoxigraph.parse(outcome.body, format=pyoxigraph.RdfFormat.N_TRIPLES)
        table = as_table(["subject", "predicate", "object"],
                         [[_cell(t, prefixes) for t in (x.subject, x.predicate, x.object)]
                          for x in triples])
    else:
        data = json.loads(outcome.body)
        if "boolean" in data:
            return "true\n" if data["boolean"] else "false\n"
        header = list(data["head"]["vars"])
        table = as_table(header, [[_cell(b.get(v), prefixes) for v in header]
                                  for b in data["results"]["bindings"]])
    if outcome.truncated:
        table += f"(cut at {max_rows} rows)\n"
    return table


def _cell(term: object, prefixes: dict[str, str]) -> str:
    """A term as a table shows it: compact IRIs, literal values with their language."""
    if term is None:
        return ""
    if isinstance(term, dict):
        kind, value = term["type"], str(term["value"])
        lang = term.get("xml:lang")
    elif isinstance(term, pyoxigraph.NamedNode):
        kind, value, lang = "uri", term.value, None
    elif isinstance(term, pyoxigraph.Literal):
        kind, value, lang = "literal", term.value, term.language
    else:
        kind, value, lang = "other", str(term), None
    if kind == "uri":
        for prefix, namespace in sorted(prefixes.items(), key=lambda kv: -len(kv[1])):
            local = value[len(namespace):]
            if value.startswith(namespace) and "/" not in local and "#" not in local:
                return f"{prefix}:{local}"
        return f"<{value}>"
    if kind == "bnode":
        return f"_:{value}"
    value = " ".join(value.split())
    return f"{value}@{lang}" if lang else value


def as_table(header: list[str], rows: list[list[str]], width: int = 80) -> str:
    """Rows as an aligned text table; cells longer than `width` end in an ellipsis."""
    cells = [[c if len(c) <= width else c[:width - 1] + "…" for c in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells if i < len(r))])
              for i, h in enumerate(header)]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=False)).rstrip()

    out = [line(header), line(["-" * w for w in widths]), *(line(r) for r in cells)]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"
