"""The query library: the scholars' questions as SPARQL files in queries/,
each with a header and its expected result beside it.

A library query is one `.rq` file in a theme folder of queries/ (regions/,
figures/, wikidata/ ...). It starts with a header of `#+ key: value` lines
(see STYLE.md) and may carry a Wikidata-style `#defaultView:` comment::

    #+ title: Central transfers to the Northeast, by province and source
    #+ question: How much did the central government transfer to each province?
    #+ columns: ?province ?amount (yuan, as printed) ?source ?assertedBy
    #+ caveat: Figures are as printed by the source; flagged figures keep their flag.
    #+ tags: figures, provenance

Its expected result is the `.srj` file of the same name (SPARQL 1.1 Query
Results JSON, as pyoxigraph serializes it).

Guarantees:

- `load_library` finds every `.rq` file below queries/ (but the folders in
  CHECK_DIRS, whose queries are checks run by other commands) in a stable
  order, and parses each header strictly: a missing, empty, repeated or
  unknown field is a QueryHeaderError naming the file and line. Only the
  fields named in `required` must be present (all of them by default; the
  endpoint's example page asks for none, so that any query file can be shown).
- `run_query` only reads the store, over the union of its named graphs.
- `compare_results` compares SELECT results as multisets of bindings, or as
  sequences when the query orders them; literals of numeric datatypes compare
  by value (pyoxigraph writes `50887.20` as `50887.2`), plain literals equal
  xsd:string literals, language tags compare case-insensitively, and blank
  nodes compare equal to any blank node (their labels are not stable).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyoxigraph

from nekg.errors import InputError
from nekg.namespaces import WIKIDATA_QUERY_SERVICE, XSD
from nekg.sparql import LexError, tokens

QUERY_SUFFIX = ".rq"
EXPECTED_SUFFIX = ".srj"

#: the header fields every library query must have, in the order STYLE.md gives them
HEADER_FIELDS = ("title", "question", "columns", "caveat", "tags")

#: folders of queries/ that hold checks run by other commands, not library questions:
#: queries/audit/ belongs to `nekg audit` (nekg.audit)
CHECK_DIRS = ("audit",)

#: the SPARQL endpoint of Wikidata, the SERVICE federated library queries call
WIKIDATA_SPARQL = WIKIDATA_QUERY_SERVICE

_XSD = str(XSD)
XSD_STRING = _XSD + "string"
#: datatypes whose literals compare by value
NUMERIC_DATATYPES = frozenset(_XSD + name for name in (
    "integer", "decimal", "double", "float", "long", "int", "short", "byte",
    "nonNegativeInteger", "nonPositiveInteger", "positiveInteger", "negativeInteger",
    "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
))

_FIELD = re.compile(r"^#\+\s*([A-Za-z][\w-]*)\s*:(.*)$")
_DEFAULT_VIEW = re.compile(r"^\s*#\s*defaultView\s*:\s*(\S+)")

#: SPARQL 1.1 Query Results JSON, parsed: {"head": {"vars": [...]}, "results": {...}}
ResultsJSON = dict[str, Any]
#: one RDF term of a result, normalised for comparison (hashable)
Term = tuple[object, ...]


class QueryHeaderError(InputError):
    """A library query's header is missing a field, or has a malformed one."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class LibraryQuery:
    """One query of the library, with its parsed header.

    `id` is its path relative to queries/ without the suffix, with `/` as
    separator (`figures/gdp-by-province-quarter`); `default_view` is the
    value of a `#defaultView:` comment (`Map`, `Table`, ...), if any.
    """

    path: Path
    id: str
    title: str
    question: str
    columns: str
    caveat: str
    tags: tuple[str, ...]
    default_view: str | None
    text: str

    @property
    def expected_path(self) -> Path:
        """Where its expected result is kept: the `.srj` file beside it."""
        return self.path.with_suffix(EXPECTED_SUFFIX)

    @property
    def services(self) -> tuple[str, ...]:
        """The IRIs its SERVICE clauses call (empty for a local query)."""
        return service_iris(self.text)

    @property
    def is_federated(self) -> bool:
        """Whether it calls another SPARQL service."""
        return bool(self.services)

    @property
    def is_ordered(self) -> bool:
        """Whether the outer query has ORDER BY, so its results compare in order."""
        return has_outer_order_by(self.text)


# ----------------------------------------------------------------- finding and parsing


def find_queries(queries_dir: Path, exclude: Iterable[str] = CHECK_DIRS) -> list[Path]:
    """Every `.rq` file below `queries_dir`, sorted by path, but those in `exclude` folders.

    Returns an empty list when the folder does not exist.
    """
    skipped = set(exclude)
    found = []
    for path in queries_dir.rglob("*" + QUERY_SUFFIX):
        relative = path.relative_to(queries_dir)
        if relative.parts[0] in skipped and len(relative.parts) > 1:
            continue
        found.append(path)
    return sorted(found, key=lambda p: p.relative_to(queries_dir).as_posix())


def parse_header(text: str, path: Path,
                 required: Sequence[str] = HEADER_FIELDS) -> dict[str, str]:
    """The `#+ key: value` fields of the header (the leading comment lines).

    Raises QueryHeaderError (with the line) for a repeated, unknown or empty
    field, and for a missing field among `required`.
    """
    fields: dict[str, str] = {}
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = _FIELD.match(stripped)
        if match is None:
            if stripped.startswith("#+"):
                raise QueryHeaderError(path, number, f"malformed header line {stripped!r}; "
                                                     "expected `#+ key: value`")
            continue
        key, value = match.group(1).lower(), match.group(2).strip()
        if key not in HEADER_FIELDS:
            raise QueryHeaderError(path, number, f"unknown header field {key!r}; "
                                                 f"the fields are {', '.join(HEADER_FIELDS)}")
        if key in fields:
            raise QueryHeaderError(path, number, f"header field {key!r} given twice")
        if not value:
            raise QueryHeaderError(path, number, f"header field {key!r} is empty")
        fields[key] = value
    missing = [key for key in required if key not in fields]
    if missing:
        raise QueryHeaderError(path, 1, f"header lacks {', '.join(missing)} "
                                        "(each query starts with `#+ key: value` lines)")
    return fields


def default_view(text: str) -> str | None:
    """The value of the first `#defaultView:` comment line, if any."""
    for line in text.splitlines():
        match = _DEFAULT_VIEW.match(line)
        if match:
            return match.group(1)
    return None


def load_query(path: Path, queries_dir: Path,
               required: Sequence[str] = HEADER_FIELDS) -> LibraryQuery:
    """Read and parse one library query.

    Fields not in `required` may be missing: they are then empty (the title
    is then the file's name). Raises QueryHeaderError for a bad header,
    InputError when the file cannot be read.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the query ({exc})") from exc
    fields = parse_header(text, path, required)
    tags = tuple(tag.strip() for tag in fields.get("tags", "").split(",") if tag.strip())
    if "tags" in required and not tags:
        raise QueryHeaderError(path, None, "header field 'tags' names no tag")
    return LibraryQuery(
        path=path,
        id=path.relative_to(queries_dir).with_suffix("").as_posix(),
        title=fields.get("title", path.stem),
        question=fields.get("question", ""),
        columns=fields.get("columns", ""),
        caveat=fields.get("caveat", ""),
        tags=tags,
        default_view=default_view(text),
        text=text,
    )


def load_library(queries_dir: Path, exclude: Iterable[str] = CHECK_DIRS,
                 required: Sequence[str] = HEADER_FIELDS) -> list[LibraryQuery]:
    """Every query of the library, parsed, in the order of `find_queries`.

    Raises QueryHeaderError for the first query whose header is wrong.
    """
    return [load_query(path, queries_dir, required)
            for path in find_queries(queries_dir, exclude)]


# ----------------------------------------------------------------- reading the query text


def _words_and_braces(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, offset) of each token, comments and strings skipped by the lexer."""
    try:
        return [(t.kind, t.text, t.offset) for t in tokens(text)]
    except LexError as exc:
        raise InputError(f"cannot read the query: {exc}") from exc


def has_outer_order_by(text: str) -> bool:
    """Whether ORDER BY applies to the outer query (not only to a subquery).

    Solution modifiers of the outer query come after the closing brace of its
    WHERE clause, at brace depth 0; a subquery's are inside braces.
    """
    depth = 0
    found = _words_and_braces(text)
    for i, (kind, word, _offset) in enumerate(found):
        if kind == "punct" and word == "{":
            depth += 1
        elif kind == "punct" and word == "}":
            depth -= 1
        elif (depth == 0 and kind == "word" and word.upper() == "ORDER"
              and i + 1 < len(found) and found[i + 1][1].upper() == "BY"):
            return True
    return False


def service_iris(text: str) -> tuple[str, ...]:
    """The IRIs written after SERVICE (or SERVICE SILENT), in order of appearance."""
    return tuple(iri for iri, _start, _end in _service_spans(text))


def _service_spans(text: str) -> list[tuple[str, int, int]]:
    found = _words_and_braces(text)
    spans = []
    for i, (kind, word, _offset) in enumerate(found):
        if kind != "word" or word.upper() != "SERVICE":
            continue
        j = i + 1
        if j < len(found) and found[j][0] == "word" and found[j][1].upper() == "SILENT":
            j += 1
        if j < len(found) and found[j][0] == "iri":
            iri, start = found[j][1], found[j][2]
            spans.append((iri, start, start + len(iri) + 2))
    return spans


def with_services(text: str, endpoints: Mapping[str, str]) -> str:
    """The query with each SERVICE IRI found in `endpoints` replaced by its value.

    Used to point federated queries at a stand-in service (in tests); IRIs
    not in `endpoints` are left as they are.
    """
    out, last = [], 0
    for iri, start, end in _service_spans(text):
        if iri in endpoints:
            out.append(text[last:start])
            out.append(f"<{endpoints[iri]}>")
            last = end
    out.append(text[last:])
    return "".join(out)


# ----------------------------------------------------------------- running


def serialize_results(store: pyoxigraph.Store, query: str) -> bytes:
    """Run a SELECT or ASK query over the union of the store's graphs.

    Returns the results as SPARQL Query Results JSON, as pyoxigraph writes
    them (the content of an expected `.srj` file). Raises SyntaxError when the
    query does not parse, OSError or RuntimeError when a SERVICE call fails,
    and InputError for a CONSTRUCT or DESCRIBE query (the library has none).
    """
    results = store.query(query, use_default_graph_as_union=True)
    if isinstance(results, pyoxigraph.QueryTriples):
        raise InputError("the query library holds SELECT and ASK queries only")
    body = results.serialize(format=pyoxigraph.QueryResultsFormat.JSON)
    assert body is not None
    return body


def run_query(store: pyoxigraph.Store, query: str) -> ResultsJSON:
    """Run a SELECT or ASK query (see `serialize_results`); returns the parsed JSON."""
    parsed: ResultsJSON = json.loads(serialize_results(store, query))
    return parsed


def read_results(path: Path) -> ResultsJSON:
    """Read an expected `.srj` file. Raises InputError when it is missing or not JSON."""
    try:
        parsed: ResultsJSON = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read the expected results ({exc})") from exc
    return parsed


# ----------------------------------------------------------------- comparing


def normalise_term(term: Mapping[str, Any]) -> Term:
    """A result term (SPARQL JSON form) as a hashable value that compares as RDF says.

    Numeric literals become ("number", Decimal) so that 50887.20 equals 50887.2
    and 5 equals 5.0; a plain literal is an xsd:string literal; language tags
    are lower-cased; blank nodes all become ("bnode",).
    """
    kind = term.get("type")
    value = str(term.get("value", ""))
    if kind == "uri":
        return ("uri", value)
    if kind == "bnode":
        return ("bnode",)
    if kind in ("literal", "typed-literal"):
        datatype = term.get("datatype")
        language = term.get("xml:lang")
        if datatype in NUMERIC_DATATYPES:
            try:
                number = Decimal(value.strip())
            except InvalidOperation:
                return ("literal", value, datatype, "")
            return ("number", number) if number.is_finite() else ("number", str(number))
        if language:
            return ("literal", value, "", language.lower())
        return ("literal", value, datatype or XSD_STRING, "")
    return ("other", json.dumps(term, sort_keys=True))


def _rows(results: ResultsJSON) -> list[tuple[tuple[str, Term], ...]]:
    rows = []
    for binding in results.get("results", {}).get("bindings", []):
        rows.append(tuple(sorted((name, normalise_term(term)) for name, term in binding.items())))
    return rows


def _show(row: tuple[tuple[str, Term], ...]) -> str:
    return "{" + ", ".join(f"{name}={term[1]!s}" for name, term in row) + "}"


def compare_results(expected: ResultsJSON, actual: ResultsJSON, ordered: bool) -> list[str]:
    """The differences between two results (empty when they match).

    SELECT results must have the same variables (in any order) and the same
    rows: as sequences when `ordered`, as multisets otherwise; ASK results
    the same boolean. Terms compare as `normalise_term` says.
    """
    if "boolean" in expected or "boolean" in actual:
        if expected.get("boolean") != actual.get("boolean"):
            return [f"boolean {actual.get('boolean')!r}, expected {expected.get('boolean')!r}"]
        return []
    problems = []
    expected_vars = list(expected.get("head", {}).get("vars", []))
    actual_vars = list(actual.get("head", {}).get("vars", []))
    if sorted(expected_vars) != sorted(actual_vars):
        problems.append(f"variables {actual_vars}, expected {expected_vars}")
    want, got = _rows(expected), _rows(actual)
    if ordered:
        if len(want) != len(got):
            problems.append(f"{len(got)} rows, expected {len(want)}")
        for index, (w, g) in enumerate(zip(want, got)):
            if w != g:
                problems.append(f"row {index + 1}: {_show(g)}, expected {_show(w)}")
                break
        if not problems and want != got:
            problems.append("rows differ")
    else:
        missing = Counter(want) - Counter(got)
        extra = Counter(got) - Counter(want)
        for row, count in sorted(missing.items(), key=lambda kv: repr(kv[0]))[:10]:
            problems.append(f"missing {count}x {_show(row)}")
        for row, count in sorted(extra.items(), key=lambda kv: repr(kv[0]))[:10]:
            problems.append(f"unexpected {count}x {_show(row)}")
    return problems


def results_match(expected: ResultsJSON, actual: ResultsJSON, ordered: bool) -> bool:
    """Whether two results match (see `compare_results`)."""
    return not compare_results(expected, actual, ordered)


def row_count(results: ResultsJSON) -> int:
    """Number of rows of a SELECT result (1 for an ASK result)."""
    if "boolean" in results:
        return 1
    return len(results.get("results", {}).get("bindings", []))


__all__ = [
    "CHECK_DIRS",
    "EXPECTED_SUFFIX",
    "HEADER_FIELDS",
    "NUMERIC_DATATYPES",
    "QUERY_SUFFIX",
    "WIKIDATA_SPARQL",
    "LibraryQuery",
    "QueryHeaderError",
    "ResultsJSON",
    "Term",
    "compare_results",
    "default_view",
    "find_queries",
    "has_outer_order_by",
    "load_library",
    "load_query",
    "normalise_term",
    "parse_header",
    "read_results",
    "results_match",
    "row_count",
    "run_query",
    "serialize_results",
    "service_iris",
    "with_services",
]
