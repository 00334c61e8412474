"""Reading the graph for the pages: SELECT through the query pool, results as
small Python values, and what a page shows about one resource.

Every IRI put into a query here has been validated as an IRI by pyoxigraph
(`iri_ref`), so no text from a URL reaches a query unchecked."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph

from nekg.engine import QueryPool
from nekg.namespaces import (
    DCTERMS,
    GRAPH_INFERRED,
    GRAPH_SOURCES,
    NEKG,
    OA,
    PROV,
    RDF,
    RDFS,
    SKOS,
    WD,
    XSD,
)
from nekg.sparql import QueryJob

JSON_RESULTS = "application/sparql-results+json"
NUMERIC = {str(XSD.decimal), str(XSD.integer), str(XSD.double), str(XSD.float)}
#: characters of source text shown on each side of a quote
CONTEXT = 360


@dataclass(frozen=True)
class Term:
    """One RDF term of a result: kind is "uri", "bnode", "literal" or "triple"."""

    kind: str
    value: str
    lang: str | None = None
    datatype: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Term:
        kind = str(data["type"])
        if kind == "triple":
            return cls("triple", json.dumps(data["value"]))
        lang = data.get("xml:lang")
        datatype = data.get("datatype")
        return cls(kind, str(data["value"]), str(lang) if lang else None,
                   str(datatype) if datatype else None)

    @property
    def is_iri(self) -> bool:
        return self.kind == "uri"

    @property
    def is_numeric(self) -> bool:
        return self.kind == "literal" and self.datatype in NUMERIC


Row = dict[str, Term]


def iri_ref(iri: str) -> str:
    """`<iri>` for use in a query; raises ValueError when `iri` is not an absolute IRI."""
    return str(pyoxigraph.NamedNode(iri))


def select(pool: QueryPool, query: str, max_rows: int) -> tuple[list[str], list[Row]]:
    """Run a SELECT through the pool; (variables, rows). Raises the pool's errors."""
    outcome = pool.run(QueryJob(query, results_type=JSON_RESULTS, graph_type=None,
                                max_rows=max_rows))
    data = json.loads(outcome.body)
    variables = list(data["head"].get("vars", []))
    rows = [{k: Term.from_json(v) for k, v in b.items()} for b in data["results"]["bindings"]]
    return variables, rows


PREFIX_BLOCK = "\n".join(
    f"PREFIX {p}: <{ns}>" for p, ns in {
        "rdf": RDF, "rdfs": RDFS, "nekg": NEKG, "oa": OA, "prov": PROV, "skos": SKOS,
        "dcterms": DCTERMS,
    }.items()
) + "\n"


def labels(pool: QueryPool, iris: set[str], max_rows: int) -> dict[str, str]:
    """The best label of each IRI: English, then untagged, then any; absent when none."""
    found: dict[str, tuple[int, str]] = {}
    listed = sorted(iris)
    for start in range(0, len(listed), 400):
        chunk = " ".join(iri_ref(i) for i in listed[start:start + 400])
        _, rows = select(pool, PREFIX_BLOCK + f"""
            SELECT DISTINCT ?x ?label WHERE {{
              VALUES ?x {{ {chunk} }}
              {{ ?x rdfs:label ?label }} UNION {{ ?x skos:prefLabel ?label }}
            }}""", max_rows)
        for row in rows:
            label = row["label"]
            rank = 0 if (label.lang or "").startswith("en") else 1 if not label.lang else 2
            iri = row["x"].value
            if iri not in found or (rank, label.value) < found[iri]:
                found[iri] = (rank, label.value)
    return {iri: label for iri, (_rank, label) in found.items()}


@dataclass
class Statement:
    """A predicate and its values, for the table of a resource's relations."""

    predicate: str
    values: list[tuple[Term, bool]] = field(default_factory=list)  # (value, only inferred)


@dataclass
class Quote:
    """The words a citation points to, in their surrounding source text."""

    citation: str
    document: str
    exact: str | None
    start: int | None
    end: int | None
    before: str = ""
    quoted: str = ""
    after: str = ""
    verified: bool = False


@dataclass
class Claim:
    """A claim as a page shows it."""

    iri: str
    label: str | None = None
    roles: set[str] = field(default_factory=set)
    values: list[Term] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    times: list[Term] = field(default_factory=list)
    start_times: list[Term] = field(default_factory=list)
    end_times: list[Term] = field(default_factory=list)
    asserted_by: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    @property
    def sort_key(self) -> tuple[bool, str, str]:
        """Dated claims first, in time order; then the others by label."""
        when = (self.times or self.start_times or self.end_times)
        return (not when, when[0].value if when else "", self.label or self.iri)


@dataclass
class Discrepancy:
    iri: str
    label: str | None
    comments: list[str]
    kinds: list[str]
    involves: list[str]


@dataclass
class Resource:
    """Everything a resource's page shows."""

    iri: str
    types: list[tuple[str, bool]] = field(default_factory=list)  # (class, only inferred)
    all_labels: list[Term] = field(default_factory=list)
    descriptions: list[Term] = field(default_factory=list)
    wikidata: list[str] = field(default_factory=list)
    outgoing: list[Statement] = field(default_factory=list)
    incoming: list[tuple[str, str]] = field(default_factory=list)  # (subject, predicate)
    claims: list[Claim] = field(default_factory=list)
    claim: Claim | None = None  # when the resource is itself a claim
    conflicting: list[Claim] = field(default_factory=list)
    discrepancies: list[Discrepancy] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # labels of every IRI shown

    @property
    def label(self) -> str | None:
        return self.names.get(self.iri)

    @property
    def asserted_types(self) -> list[str]:
        return [t for t, inferred in self.types if not inferred]

    @property
    def inferred_types(self) -> list[str]:
        return [t for t, inferred in self.types if inferred]

    @property
    def is_claim(self) -> bool:
        return any(t == str(NEKG.Claim) for t, _ in self.types)


SHOWN_ELSEWHERE = {str(RDF.type), str(RDFS.label), str(NEKG.text)}
DESCRIPTIONS = (SKOS.definition, DCTERMS.description, RDFS.comment)
CLAIM_ROLES = {
    str(NEKG.about): "about", str(NEKG.assertedBy): "asserted by",
    str(NEKG.indicator): "indicator", str(NEKG.unit): "unit",
}


def describe(pool: QueryPool, iri: str, max_rows: int) -> Resource | None:
    """What the graph says about `iri`, or None when it says nothing.

    Raises ValueError for a string that is not an IRI, and the pool's errors.
    """
    ref = iri_ref(iri)
    resource = Resource(iri)
    _, out = select(pool, PREFIX_BLOCK + f"""
        SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ {ref} ?p ?o }} }}""", max_rows)
    _, incoming = select(pool, PREFIX_BLOCK + f"""
        SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {ref} . FILTER(isIRI(?s)) }}""", max_rows)
    if not out and not incoming:
        return None
    by_value: dict[tuple[str, Term], set[str]] = defaultdict(set)
    for row in out:
        by_value[(row["p"].value, row["o"])].add(row["g"].value)
    statements: dict[str, Statement] = {}
    descriptions = {str(p) for p in DESCRIPTIONS}
    for (predicate, value), graphs in sorted(by_value.items(),
                                             key=lambda kv: (kv[0][0], kv[0][1].value)):
        inferred_only = graphs == {str(GRAPH_INFERRED)}
        if predicate == str(RDF.type):
            resource.types.append((value.value, inferred_only))
        elif predicate == str(RDFS.label):
            resource.all_labels.append(value)
        elif predicate in descriptions:
            resource.descriptions.append(value)
        elif predicate == str(SKOS.exactMatch) and value.value.startswith(str(WD)):
            resource.wikidata.append(value.value.removeprefix(str(WD)))
        if predicate not in SHOWN_ELSEWHERE and predicate not in descriptions:
            statements.setdefault(predicate, Statement(predicate)).values.append(
                (value, inferred_only))
    resource.types.sort(key=lambda t: (t[1], t[0]))
    resource.outgoing = list(statements.values())
    claim_links = set(CLAIM_ROLES)
    resource.incoming = sorted(
        (row["s"].value, row["p"].value) for row in incoming
        if row["p"].value not in claim_links
    )
    resource.claims = _claims_linked_to(pool, ref, max_rows)
    if resource.is_claim:
        resource.claim = _claims(pool, {iri}, max_rows, with_text=True).get(iri)
        if resource.claim is not None:
            others = set(resource.claim.conflicts)
            resource.conflicting = sorted(_claims(pool, others, max_rows).values(),
                                          key=lambda c: c.sort_key)
        resource.discrepancies = _discrepancies(pool, ref, max_rows)
    resource.names = labels(pool, _iris_shown(resource), max_rows)
    return resource


def _claims_linked_to(pool: QueryPool, ref: str, max_rows: int) -> list[Claim]:
    _, rows = select(pool, PREFIX_BLOCK + f"""
        SELECT DISTINCT ?claim ?role WHERE {{
          {{ ?claim nekg:about {ref} BIND("about" AS ?role) }}
          UNION {{ ?claim nekg:assertedBy {ref} BIND("asserted by" AS ?role) }}
          UNION {{ ?claim nekg:indicator {ref} BIND("indicator" AS ?role) }}
          UNION {{ ?claim nekg:unit {ref} BIND("unit" AS ?role) }}
          UNION {{ ?claim prov:wasDerivedFrom/oa:hasSource {ref} BIND("quoted from" AS ?role) }}
          ?claim a nekg:Claim .
        }}""", max_rows)
    roles: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        roles[row["claim"].value].add(row["role"].value)
    claims = _claims(pool, set(roles), max_rows)
    for iri, claim in claims.items():
        claim.roles = roles[iri]
    return sorted(claims.values(), key=lambda c: c.sort_key)


def _claims(pool: QueryPool, iris: set[str], max_rows: int,
            with_text: bool = False) -> dict[str, Claim]:
    """Claims with their values, times, asserters, quotes and conflicts."""
    claims: dict[str, Claim] = {iri: Claim(iri) for iri in sorted(iris)}
    listed = sorted(iris)
    fields = {
        str(NEKG.value): "values", str(NEKG.time): "times", str(NEKG.startTime): "start_times",
        str(NEKG.endTime): "end_times",
    }
    iri_fields = {
        str(NEKG.unit): "units", str(NEKG.assertedBy): "asserted_by",
        str(NEKG.indicator): "indicators", str(NEKG.conflictsWith): "conflicts",
    }
    for start in range(0, len(listed), 300):
        chunk = " ".join(iri_ref(i) for i in listed[start:start + 300])
        _, rows = select(pool, PREFIX_BLOCK + f"""
            SELECT DISTINCT ?claim ?p ?o WHERE {{
              VALUES ?claim {{ {chunk} }}
              {{ ?claim ?p ?o }} UNION {{ ?o nekg:conflictsWith ?claim BIND(nekg:conflictsWith AS ?p) }}
              FILTER(?p IN (rdfs:label, nekg:value, nekg:unit, nekg:time, nekg:startTime,
                            nekg:endTime, nekg:assertedBy, nekg:indicator, nekg:flag,
                            nekg:conflictsWith))
            }}""", max_rows)
        for row in rows:
            claim = claims[row["claim"].value]
            predicate, value = row["p"].value, row["o"]
            if predicate == str(RDFS.label):
                if claim.label is None or (value.lang or "").startswith("en"):
                    claim.label = value.value
            elif predicate == str(NEKG.flag):
                claim.flags.append(value.value)
            elif predicate in fields:
                getattr(claim, fields[predicate]).append(value)
            elif predicate in iri_fields and value.value not in getattr(
                    claim, iri_fields[predicate]):
                getattr(claim, iri_fields[predicate]).append(value.value)
        _, rows = select(pool, PREFIX_BLOCK + f"""
            SELECT DISTINCT ?claim ?citation ?document ?exact ?start ?end WHERE {{
              VALUES ?claim {{ {chunk} }}
              ?claim prov:wasDerivedFrom ?citation .
              ?citation oa:hasSource ?document .
              OPTIONAL {{ ?citation oa:hasSelector ?quote . ?quote oa:exact ?exact }}
              OPTIONAL {{ ?citation oa:hasSelector ?position .
                          ?position oa:start ?start ; oa:end ?end }}
            }}""", max_rows)
        for row in rows:
            claims[row["claim"].value].quotes.append(Quote(
                row["citation"].value, row["document"].value,
                row["exact"].value if "exact" in row else None,
                int(row["start"].value) if "start" in row else None,
                int(row["end"].value) if "end" in row else None,
            ))
    if with_text:
        for claim in claims.values():
            for quote in claim.quotes:
                _place_in_context(pool, quote, max_rows)
    return claims


def _place_in_context(pool: QueryPool, quote: Quote, max_rows: int) -> None:
    """Cut the quote and its surroundings out of the document's archived text."""
    if quote.start is None or quote.end is None:
        return
    _, rows = select(pool, PREFIX_BLOCK + f"""
        SELECT ?text WHERE {{ GRAPH <{GRAPH_SOURCES}> {{ {iri_ref(quote.document)} nekg:text ?text }} }}
        """, max_rows)
    if not rows:
        return
    text = rows[0]["text"].value
    start, end = quote.start, quote.end
    quote.quoted = text[start:end]
    quote.verified = quote.exact is not None and quote.quoted == quote.exact
    before_start = max(0, start - CONTEXT)
    after_end = min(len(text), end + CONTEXT)
    before = text[before_start:start]
    after = text[end:after_end]
    if before_start > 0 and " " in before:
        before = "…" + before[before.index(" ") + 1:]
    if after_end < len(text) and " " in after:
        after = after[:after.rindex(" ")] + "…"
    quote.before, quote.after = before, after


def _discrepancies(pool: QueryPool, ref: str, max_rows: int) -> list[Discrepancy]:
    _, rows = select(pool, PREFIX_BLOCK + f"""
        SELECT ?d ?label ?comment ?kind ?other WHERE {{
          ?d nekg:involves {ref} .
          OPTIONAL {{ ?d rdfs:label ?label }}
          OPTIONAL {{ ?d rdfs:comment ?comment }}
          OPTIONAL {{ ?d nekg:discrepancyKind ?kind }}
          OPTIONAL {{ ?d nekg:involves ?other }}
        }}""", max_rows)
    found: dict[str, Discrepancy] = {}
    for row in rows:
        d = found.setdefault(row["d"].value, Discrepancy(row["d"].value, None, [], [], []))
        if "label" in row:
            d.label = row["label"].value
        for key, target in (("comment", d.comments), ("kind", d.kinds), ("other", d.involves)):
            if key in row and row[key].value not in target:
                target.append(row[key].value)
    return list(found.values())


def _iris_shown(resource: Resource) -> set[str]:
    iris = {resource.iri}
    iris |= {t for t, _ in resource.types}
    for statement in resource.outgoing:
        iris.add(statement.predicate)
        iris |= {v.value for v, _ in statement.values if v.is_iri}
    for s, p in resource.incoming:
        iris |= {s, p}
    claims = [*resource.claims, *resource.conflicting]
    if resource.claim:
        claims.append(resource.claim)
    for claim in claims:
        iris |= {*claim.units, *claim.asserted_by, *claim.indicators, *claim.conflicts}
        iris |= {q.document for q in claim.quotes}
    for d in resource.discrepancies:
        iris |= {d.iri, *d.kinds, *d.involves}
    return iris
