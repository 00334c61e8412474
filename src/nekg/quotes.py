"""Locate stage: find every citation's quote in its archived text.

Curators write only the quote (`oa:exact`, with `oa:prefix`/`oa:suffix` when
the words occur more than once); this stage computes the code-point offsets and
adds a TextPositionSelector, and fills in prefix and suffix where the curator
gave none. Nobody types offsets. Every failing quote is reported at once, each
naming its claim."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from nekg.errors import QuoteError, QuoteErrors
from nekg.load import Source
from nekg.namespaces import OA, PROV, RDF, XSD

CONTEXT_CHARS = 32


@dataclass(frozen=True)
class Span:
    """A located quote: [start, end) in code points."""

    start: int
    end: int


def occurrences(text: str, exact: str, prefix: str = "", suffix: str = "") -> list[int]:
    """Start offsets where `exact` occurs, immediately after `prefix` and before `suffix`."""
    found = []
    start = text.find(exact)
    while start != -1:
        end = start + len(exact)
        if text.startswith(prefix, start - len(prefix)) and text.startswith(suffix, end):
            if start - len(prefix) >= 0:
                found.append(start)
        start = text.find(exact, start + 1)
    return found


def nearest_match(text: str, exact: str) -> str:
    """The passage of `text` most like `exact`, to show a curator what the source says."""
    matcher = difflib.SequenceMatcher(None, text, exact, autojunk=False)
    block = matcher.find_longest_match(0, len(text), 0, len(exact))
    if block.size == 0:
        return ""
    start = max(0, block.a - block.b)
    return text[start : start + len(exact)]


def locate(text: str, exact: str, prefix: str = "", suffix: str = "") -> Span:
    """Locate one quote; raises ValueError with a curator-facing message."""
    if not exact:
        raise ValueError("the quote (oa:exact) is empty")
    starts = occurrences(text, exact, prefix, suffix)
    if len(starts) == 1:
        return Span(starts[0], starts[0] + len(exact))
    if not starts:
        near = nearest_match(text, exact)
        raise ValueError(f"quote not found verbatim: {exact!r}; nearest passage in the source: {near!r}")
    raise ValueError(
        f"quote found {len(starts)} times (at offsets {starts}): {exact!r}; "
        "add an oa:prefix or oa:suffix that tells them apart"
    )


def _text(graph: Graph, node: Node, prop: URIRef) -> str:
    value = graph.value(node, prop)
    return str(value) if value is not None else ""


def locate_citations(data: Graph, sources: dict[URIRef, Source]) -> Graph:
    """Compute the selectors of every citation in `data`.

    Returns the triples to add (position selectors, and prefix/suffix where
    missing). Raises QuoteErrors listing every quote that is missing,
    ambiguous, points to an unarchived document, or has a typed position.
    """
    added = Graph()
    errors: list[QuoteError] = []
    for selector in sorted(data.subjects(RDF.type, OA.TextQuoteSelector)):
        citations = sorted(data.subjects(OA.hasSelector, selector))
        for citation in citations:
            claims = sorted(str(c) for c in data.subjects(PROV.wasDerivedFrom, citation))
            try:
                added += _locate_one(data, citation, selector, sources)
            except ValueError as exc:
                errors.append(QuoteError(str(citation), claims, str(exc)))
    if errors:
        raise QuoteErrors(errors)
    return added


def _locate_one(data: Graph, citation: Node, selector: Node, sources: dict[URIRef, Source]) -> Graph:
    document = data.value(citation, OA.hasSource)
    if not isinstance(document, URIRef) or document not in sources:
        raise ValueError(f"its source {document} has no archived text (nekg:archivedFile)")
    for other in data.objects(citation, OA.hasSelector):
        if (other, RDF.type, OA.TextPositionSelector) in data:
            raise ValueError("offsets are computed by the build: remove the TextPositionSelector")
    text = sources[document].text
    prefix = _text(data, selector, OA.prefix)
    suffix = _text(data, selector, OA.suffix)
    span = locate(text, _text(data, selector, OA.exact), prefix, suffix)
    added = Graph()
    if (selector, OA.prefix, None) not in data:
        added.add((selector, OA.prefix, Literal(text[max(0, span.start - CONTEXT_CHARS) : span.start])))
    if (selector, OA.suffix, None) not in data:
        added.add((selector, OA.suffix, Literal(text[span.end : span.end + CONTEXT_CHARS])))
    position = URIRef(f"{citation}#position")
    added.add((citation, OA.hasSelector, position))
    added.add((position, RDF.type, OA.TextPositionSelector))
    added.add((position, OA.start, Literal(span.start, datatype=XSD.nonNegativeInteger)))
    added.add((position, OA.end, Literal(span.end, datatype=XSD.nonNegativeInteger)))
    return added
