"""Provenance audits: for any claim, where it came from, who said it, and what
agrees or disagrees with it; and a discrepancy report over the whole graph.

The audit reads the built graph (an embedded pyoxigraph store from
nekg.store.load_dataset, queried over the union of its graphs) and the
project's archived files. Its checks are the SPARQL queries in
queries/audit/ (so anyone can run them on an endpoint); on top of them it
re-hashes the archived files and looks every quote up again in them
(nekg.provenance), because the graph alone cannot vouch for the files.

Guarantees:
- a claim is *verified* when every citation's archived file hashes now to the
  SHA-256 recorded in the graph and pinned in the manifest, every quote is the
  archived text at its offsets (in the file and in the graph's copy), between
  its prefix and suffix, found once, and every claim it is based on (or, for a
  total, every part) is verified in turn. A verified claim may still be
  disputed: discrepancies are reported beside the verdict, not in it;
- a discrepancy found by a check is *explained* when a recorded
  nekg:Discrepancy involves every claim of the finding;
- nothing here writes to the store or to the project."""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph

from nekg.errors import InputError
from nekg.namespaces import DCTERMS, ID_BASE, NEKG, PROV, RDF, RDFS, SKOS, WD
from nekg.project import Project
from nekg.provenance import Check, SourceFiles, file_checks, verify_quote

CLAIM_BASE = ID_BASE + "claim/"
KIND_BASE = ID_BASE + "kind/"
CAPACITY_BASE = ID_BASE + "capacity/"
RATE_UNIT = ID_BASE + "unit/cny-per-usd"
USD, CNY = str(WD.Q4917), str(WD.Q39099)
RDFS_LABEL = str(RDFS.label)
RDFS_COMMENT = str(RDFS.comment)
SKOS_NOTATION = str(SKOS.notation)
QUERY_DIR = Path("queries") / "audit"

# The whole-graph checks, in report order: (query, what a row of it is).
DISCREPANCY_CHECKS = ("sum-mismatch", "figure-differences", "conversion-mismatch")
INTEGRITY_CHECKS = ("source-integrity", "quote-fidelity")

Value = str | None


# ---------------------------------------------------------------- the model


@dataclass(frozen=True)
class Entity:
    """An IRI with its English label (its last path segment when it has none)."""

    iri: str
    label: str


@dataclass
class DocumentInfo:
    """What the graph says about a cited document, and its archived file now."""

    iri: str
    title: str
    creators: list[Entity] = field(default_factory=list)
    translators: list[Entity] = field(default_factory=list)
    publishers: list[Entity] = field(default_factory=list)
    contributors: list[Entity] = field(default_factory=list)
    issued: Value = None
    original_url: Value = None
    archived_file: Value = None
    path: Value = None
    recorded_sha256: Value = None
    manifest_sha256: Value = None
    computed_sha256: Value = None


@dataclass
class QuoteInfo:
    """A citation's quote, where the graph puts it, and what the archived file has there now."""

    exact: str
    prefix: str
    suffix: str
    start: int | None
    end: int | None
    found: Value
    located_start: int | None
    located_end: int | None
    context_before: str
    context_after: str


@dataclass
class CitationAudit:
    """One citation of a claim, re-verified."""

    iri: str
    document: DocumentInfo | None
    quote: QuoteInfo | None
    checks: list[Check]

    @property
    def failures(self) -> list[str]:
        return [f"citation {self.iri}: {c.name}: {c.detail}" for c in self.checks if not c.passed]


@dataclass
class Finding:
    """A discrepancy computed by a check (a row, or the rows for one subject, of its query)."""

    check: str
    kind: str
    subject: str
    claims: list[str]
    summary: str
    explained_by: list[str] = field(default_factory=list)

    @property
    def explained(self) -> bool:
        return bool(self.explained_by)


@dataclass
class RecordedDiscrepancy:
    """A curated nekg:Discrepancy: kind, label, explanation, claims, the checks confirming it."""

    iri: str
    kind: str
    label: str
    explanation: str
    claims: list[str]
    confirmed_by: list[str] = field(default_factory=list)


@dataclass
class Related:
    """Another claim that corroborates or conflicts with the audited one."""

    claim: Entity
    figure: str
    how: list[str]
    explained_by: list[str] = field(default_factory=list)


@dataclass
class Derivation:
    """A claim the audited claim is computed from (or, for a total, one of its parts), audited."""

    role: str
    audit: ClaimAudit


@dataclass
class ClaimAudit:
    """The provenance audit of one claim. `verified` and `failures` give the verdict."""

    iri: str
    label: str
    about: list[Entity]
    indicator: Entity | None
    figure: str
    value: Value
    min_value: Value
    max_value: Value
    unit: Entity | None
    qualifier: Entity | None
    time: Value
    start_time: Value
    end_time: Value
    asserted_by: Entity | None
    asserted_as: Entity | None
    objects: list[Entity]
    flags: list[str]
    comments: list[str]
    citations: list[CitationAudit]
    derivation: list[Derivation]
    computation: list[str]
    corroborations: list[Related]
    conflicts: list[Related]
    findings: list[Finding]
    discrepancies: list[RecordedDiscrepancy]
    checks: list[Check]

    @property
    def failures(self) -> list[str]:
        """Every failed check, named, with what was found; empty when verified."""
        failed = [f"{c.name}: {c.detail}" for c in self.checks if not c.passed]
        for citation in self.citations:
            failed += citation.failures
        for step in self.derivation:
            failed += [f"{step.role} {step.audit.iri}: {f}" for f in step.audit.failures]
        return failed

    @property
    def verified(self) -> bool:
        return not self.failures

    @property
    def unexplained(self) -> list[Finding]:
        """Discrepancies found by the checks that no recorded nekg:Discrepancy explains."""
        return [f for f in self.findings if not f.explained]


@dataclass(frozen=True)
class CheckQuery:
    """A check as a SPARQL query file, with the title of its header."""

    name: str
    title: str
    path: str


@dataclass
class IntegrityFailure:
    """A document or citation whose archived text, in the graph or on disk, fails a check."""

    check: str
    subject: str
    claims: list[str]
    messages: list[str]


@dataclass
class DiscrepancyReport:
    """The discrepancies of the whole graph: computed, recorded, and what integrity checks found."""

    checks: list[CheckQuery]
    findings: list[Finding]
    recorded: list[RecordedDiscrepancy]
    unexplained_conflicts: list[tuple[str, str]]
    integrity: list[IntegrityFailure]
    labels: dict[str, str]
    claims: int
    citations: int
    documents: int

    @property
    def unexplained(self) -> list[Finding]:
        """Found discrepancies that no recorded nekg:Discrepancy explains (what curators missed)."""
        return [f for f in self.findings if not f.explained]

    def label(self, iri: str) -> str:
        return self.labels.get(iri) or _local(iri)


# ---------------------------------------------------------------- SPARQL helpers


def _text(term: object) -> Value:
    return None if term is None else str(getattr(term, "value", term))


def _rows(store: pyoxigraph.Store, query: str, **bindings: str) -> list[dict[str, Value]]:
    """Run a SELECT over the union of the graphs; bindings are IRIs substituted for variables
    (SEP-0007: a substituted variable must be in the SELECT projection)."""
    try:
        substitutions: dict[pyoxigraph.Variable, pyoxigraph.NamedNode | pyoxigraph.BlankNode
                            | pyoxigraph.Literal | pyoxigraph.Triple] = {
            pyoxigraph.Variable(k): pyoxigraph.NamedNode(v) for k, v in bindings.items()}
    except ValueError as exc:
        raise InputError(f"not an IRI: {exc}") from exc
    solutions = store.query(query, use_default_graph_as_union=True, substitutions=substitutions)
    assert isinstance(solutions, pyoxigraph.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{n: _text(row[n]) for n in names} for row in solutions]


def query_path(project: Project, name: str) -> Path:
    """The file of the audit query `name` (queries/audit/<name>.rq)."""
    return project.root / QUERY_DIR / f"{name}.rq"


def _run(
    store: pyoxigraph.Store, project: Project, name: str, **bindings: str
) -> list[dict[str, Value]]:
    path = query_path(project, name)
    try:
        modified = path.stat().st_mtime_ns
    except OSError as exc:
        raise InputError(f"{path}: cannot read the audit query ({exc.strerror})") from exc
    return _rows(store, _query_text(path, modified), **bindings)


@functools.lru_cache(maxsize=64)
def _query_text(path: Path, modified: int) -> str:
    """The text of a query file, read again when it changes (`modified` is its mtime)."""
    return path.read_text(encoding="utf-8")


def query_title(path: Path) -> str:
    """The `#+ title:` of a query file's header."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#+ title:"):
            return line.removeprefix("#+ title:").strip()
    return path.stem


def _properties(store: pyoxigraph.Store, iri: str) -> dict[str, list[str]]:
    rows = _rows(store, "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }", s=iri)
    found: dict[str, list[str]] = {}
    for row in rows:
        if row["p"] is not None and row["o"] is not None:
            found.setdefault(row["p"], []).append(row["o"])
    return {p: sorted(os) for p, os in found.items()}


def _local(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def labels(store: pyoxigraph.Store, iris: set[str] | list[str]) -> dict[str, str]:
    """English labels (else untagged, else any) of `iris`, by IRI."""
    wanted = sorted({i for i in iris if i})
    found: dict[str, tuple[int, str]] = {}
    for chunk in range(0, len(wanted), 200):
        values = " ".join(f"<{i}>" for i in wanted[chunk:chunk + 200])
        solutions = store.query(
            f"SELECT ?s ?label WHERE {{ VALUES ?s {{ {values} }} ?s <{RDFS_LABEL}> ?label }}",
            use_default_graph_as_union=True,
        )
        assert isinstance(solutions, pyoxigraph.QuerySolutions)
        for row in solutions:
            literal = row["label"]
            language = getattr(literal, "language", None) or ""
            rank = 0 if language.startswith("en") else 1 if not language else 2
            subject = str(row["s"].value)
            if subject not in found or rank < found[subject][0]:
                found[subject] = (rank, str(literal.value))
    return {i: found[i][1] if i in found else _local(i) for i in wanted}


def _entity(store: pyoxigraph.Store, iri: Value) -> Entity | None:
    return None if iri is None else Entity(iri, labels(store, [iri])[iri])


def _entities(store: pyoxigraph.Store, iris: list[str]) -> list[Entity]:
    found = labels(store, iris)
    return sorted((Entity(i, found[i]) for i in iris), key=lambda e: (e.label.lower(), e.iri))


def _first(values: dict[str, list[str]], prop: object) -> Value:
    found = values.get(str(prop))
    return found[0] if found else None


# ---------------------------------------------------------------- numbers in words


def _decimal(text: Value) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def fmt(number: Decimal | str | None) -> str:
    """A number for people: thousands separators, at most 4 decimals, six significant digits
    for the fractional part of large numbers."""
    value = _decimal(number) if isinstance(number, str) or number is None else number
    if value is None:
        return "—"
    digits = len(str(abs(int(value)))) if value else 1
    places = max(0, min(4, 6 - digits))
    rounded = value.quantize(Decimal(1).scaleb(-places)) if places else value.quantize(Decimal(1))
    text = f"{rounded:,}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _figure_words(figure: Value) -> str:
    """A figure as a check query spells it ("less-than 1600000000") for people
    ("less than 1,600,000,000")."""
    words = [fmt(w) if _decimal(w) is not None else w.replace("-", " ")
             for w in (figure or "").split()]
    return " ".join(words)


def _percent(part: Decimal, whole: Decimal) -> str:
    if not whole:
        return ""
    return f"{(part / whole * 100).quantize(Decimal('0.01')):+}%"


# ---------------------------------------------------------------- resolving a claim


def resolve_claim(store: pyoxigraph.Store, reference: str) -> str:
    """The IRI of the claim named by `reference`: a claim IRI, `claim:<slug>`, a slug, or the
    beginning of exactly one claim's slug.

    Raises InputError naming the candidates when the reference is ambiguous,
    or the nearest claims when it names none.
    """
    reference = reference.strip()
    if reference.startswith(("http://", "https://")):
        iri = reference
    else:
        iri = CLAIM_BASE + reference.removeprefix("claim:")
    claims = [r["c"] for r in _rows(store, f"SELECT ?c WHERE {{ ?c a <{NEKG.Claim}> }}")]
    known = sorted(c for c in claims if c)
    if iri in known:
        return iri
    candidates = [c for c in known if c.startswith(iri)]
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        shown = "\n  ".join(_local(c) for c in candidates[:20])
        more = f"\n  … and {len(candidates) - 20} more" if len(candidates) > 20 else ""
        raise InputError(
            f"{reference!r} begins {len(candidates)} claims; name one:\n  {shown}{more}")
    near = difflib.get_close_matches(_local(iri), [_local(c) for c in known], n=5, cutoff=0.6)
    hint = ("; nearest: " + ", ".join(near)) if near else ""
    raise InputError(f"no claim {reference!r} in the graph{hint}")


# ---------------------------------------------------------------- one claim


def audit_claim(
    store: pyoxigraph.Store, project: Project, iri: str, *, files: SourceFiles | None = None,
    recorded: list[RecordedDiscrepancy] | None = None, _seen: frozenset[str] = frozenset(),
) -> ClaimAudit:
    """The provenance audit of the claim `iri` (see resolve_claim for short names).

    Re-verifies every citation against the archived files of `project`, audits
    recursively the claims it is based on (and, for a total, its parts), and
    lists corroborating and conflicting claims and the discrepancies the
    checks find, with their recorded explanations. `files` and `recorded` may
    be shared between audits of many claims.

    Raises InputError when `iri` is not a claim of the graph or an audit query is missing.
    """
    files = files or SourceFiles(project.sources_dir, project.manifest_file)
    if recorded is None:
        recorded = recorded_discrepancies(store, project)
    props = _properties(store, iri)
    if str(NEKG.Claim) not in props.get(str(RDF.type), []):
        raise InputError(f"{iri} is not a claim (nekg:Claim) of the graph")
    seen = _seen | {iri}
    values = {k: _first(props, getattr(NEKG, k)) for k in ("value", "minValue", "maxValue", "time",
                                                             "startTime", "endTime")}
    unit = _entity(store, _first(props, NEKG.unit))
    qualifier = _entity(store, _first(props, NEKG.qualifier))
    checks: list[Check] = []
    citation_iris = props.get(str(PROV.wasDerivedFrom), [])
    checks.append(Check("cited", bool(citation_iris),
                        f"{len(citation_iris)} citation(s)" if citation_iris
                        else "the claim cites nothing (no prov:wasDerivedFrom)"))
    citations = _audit_citations(store, project, iri, files)
    derivation, computation = _derivation(store, project, iri, props, files, recorded, seen, checks)
    findings = claim_findings(store, project, iri, recorded)
    return ClaimAudit(
        iri=iri,
        label=labels(store, [iri])[iri],
        about=_entities(store, props.get(str(NEKG.about), [])),
        indicator=_entity(store, _first(props, NEKG.indicator)),
        figure=_figure_text(values["value"], values["minValue"], values["maxValue"], qualifier,
                            unit),
        value=values["value"], min_value=values["minValue"], max_value=values["maxValue"],
        unit=unit, qualifier=qualifier,
        time=values["time"], start_time=values["startTime"], end_time=values["endTime"],
        asserted_by=_entity(store, _first(props, NEKG.assertedBy)),
        asserted_as=_entity(store, _first(props, NEKG.assertedAs)),
        objects=_entities(store, props.get(str(NEKG.object), [])),
        flags=props.get(str(NEKG.flag), []),
        comments=[c for c in props.get(RDFS_COMMENT, []) if c not in props.get(str(NEKG.flag), [])],
        citations=citations,
        derivation=derivation,
        computation=computation,
        corroborations=_corroborations(store, project, iri),
        conflicts=_conflicts(store, project, iri),
        findings=findings,
        discrepancies=[d for d in recorded if iri in d.claims],
        checks=checks,
    )


def _figure_text(value: Value, low: Value, high: Value, qualifier: Entity | None,
                 unit: Entity | None) -> str:
    if value is not None:
        number = fmt(value)
    elif low is not None or high is not None:
        number = f"{fmt(low)} to {fmt(high)}"
    else:
        return ""
    words = [qualifier.label if qualifier else "", number, unit.label if unit else ""]
    return " ".join(w for w in words if w)


def _figure_of(store: pyoxigraph.Store, iri: str) -> str:
    props = _properties(store, iri)
    return _figure_text(_first(props, NEKG.value), _first(props, NEKG.minValue),
                        _first(props, NEKG.maxValue), _entity(store, _first(props, NEKG.qualifier)),
                        _entity(store, _first(props, NEKG.unit)))


def _audit_citations(store: pyoxigraph.Store, project: Project, iri: str,
                     files: SourceFiles) -> list[CitationAudit]:
    rows = _run(store, project, "claim-provenance", claim=iri)
    by_citation: dict[str, dict[str, Value]] = {}
    for row in rows:
        by_citation.setdefault(row["citation"] or "", row)
    return [_audit_citation(store, row, files) for _, row in sorted(by_citation.items())]


def _audit_citation(
    store: pyoxigraph.Store, row: dict[str, Value], files: SourceFiles
) -> CitationAudit:
    citation = row["citation"] or ""
    checks: list[Check] = []
    document = None
    if row["document"] is None:
        checks.append(Check("document", False, "the citation has no oa:hasSource"))
    else:
        document = _document(store, row["document"])
    quote = None
    file_name = row["file"]
    if document is not None and file_name is None:
        checks.append(Check("archived-file", False,
                            f"{document.iri} has no archived text (nekg:archivedFile)"))
    if file_name is not None and document is not None:
        archived = files.get(file_name)
        document.path, document.computed_sha256 = str(archived.path), archived.sha256
        document.manifest_sha256 = archived.manifest_sha256
        checks += file_checks(archived, row["sha256"])
        checks.append(Check(
            "graph-text", row["hashVerified"] == "true",
            "the archived text kept in the graph hashes to the recorded SHA-256"
            if row["hashVerified"] == "true"
            else "the archived text kept in the graph does not hash to the recorded SHA-256",
        ))
        if row["exact"] is None:
            checks.append(Check("quote", False, "the citation has no quote (oa:exact)"))
        else:
            selector = (row["prefix"] or "", row["suffix"] or "")
            start, end = _int(row["start"]), _int(row["end"])
            text = archived.text
            if text is None:
                checks.append(Check("quote-offsets", False, "the archived file cannot be read"))
                quote = QuoteInfo(row["exact"], selector[0], selector[1], start, end,
                                  None, None, None, "", "")
            else:
                verification = verify_quote(text, row["exact"], start, end, *selector)
                checks += verification.checks
                located = verification.located or (None, None)
                quote = QuoteInfo(row["exact"], selector[0], selector[1], start, end,
                                  verification.found, located[0], located[1],
                                  verification.context_before, verification.context_after)
            checks.append(Check(
                "graph-quote", row["quoteVerified"] == "true",
                "in the graph's copy of the archived text too, the quote is the text at its offsets"
                if row["quoteVerified"] == "true"
                else "in the graph's copy of the archived text, the quote is not the text at its "
                     "offsets",
            ))
    return CitationAudit(citation, document, quote, checks)


def _int(text: Value) -> int | None:
    return None if text is None else int(text)


def _document(store: pyoxigraph.Store, iri: str) -> DocumentInfo:
    props = _properties(store, iri)

    def people(prop: object) -> list[Entity]:
        found = props.get(str(prop), [])
        iris = [v for v in found if v.startswith(("http://", "https://"))]
        return _entities(store, iris) + [Entity("", v) for v in found if v not in iris]

    creators, translators, publishers = (people(DCTERMS.creator), people(NEKG.translator),
                                         people(DCTERMS.publisher))
    named = creators + translators + publishers
    return DocumentInfo(
        iri=iri,
        title=_first(props, DCTERMS.title) or labels(store, [iri])[iri],
        creators=creators,
        translators=translators,
        publishers=publishers,
        # A translator is a dcterms:contributor by inference; list only the others.
        contributors=[c for c in people(DCTERMS.contributor) if c not in named],
        issued=_first(props, DCTERMS.issued),
        original_url=_first(props, NEKG.originalURL),
        archived_file=_first(props, NEKG.archivedFile),
        recorded_sha256=_first(props, NEKG.sha256),
    )


def _derivation(
    store: pyoxigraph.Store, project: Project, iri: str, props: dict[str, list[str]],
    files: SourceFiles, recorded: list[RecordedDiscrepancy], seen: frozenset[str],
    checks: list[Check],
) -> tuple[list[Derivation], list[str]]:
    """The claims `iri` is based on and, for a total, its parts, audited; and the arithmetic."""
    steps: list[Derivation] = []
    based_on = props.get(str(NEKG.basedOn), [])
    parts = sorted(r["part"] for r in _rows(
        store, f"SELECT DISTINCT ?total ?part WHERE {{ ?part <{NEKG.partOfTotal}> ?total }}",
        total=iri)
        if r["part"])
    units = {b: _first(_properties(store, b), NEKG.unit) for b in based_on}
    for role, members in (("based on", based_on), ("part", parts)):
        for member in members:
            if member in seen:
                checks.append(Check("derivation", False,
                                    f"{member} is among the claims {iri} is derived from: a cycle"))
                continue
            if role == "based on" and units.get(member) == RATE_UNIT:
                role_name = "exchange rate"
            elif role == "based on":
                role_name = "based on"
            else:
                role_name = "part"
            steps.append(Derivation(role_name, audit_claim(
                store, project, member, files=files, recorded=recorded, _seen=seen)))
    return steps, _computation(props, steps)


def _computation(props: dict[str, list[str]], steps: list[Derivation]) -> list[str]:
    """The arithmetic of a conversion or a total, in words (the checks judge it)."""
    lines: list[str] = []
    unit = _first(props, NEKG.unit)
    rates = [s.audit for s in steps if s.role == "exchange rate"]
    figures = [s.audit for s in steps if s.role == "based on" and s.audit.unit is not None
               and {s.audit.unit.iri, unit} == {USD, CNY}]
    for original in figures:
        bounds = (("", NEKG.value, original.value),
                  ("lower end: ", NEKG.minValue, original.min_value),
                  ("upper end: ", NEKG.maxValue, original.max_value))
        for bound, prop, source in bounds:
            printed, from_number = _decimal(_first(props, prop)), _decimal(source)
            if printed is None or from_number is None or not printed:
                continue
            implied = from_number / printed if unit == USD else printed / from_number
            if rates and rates[0].value is not None:
                rate = Decimal(rates[0].value)
                expected = from_number / rate if unit == USD else from_number * rate
                sign = "÷" if unit == USD else "×"
                lines.append(f"{bound}{fmt(from_number)} {sign} {fmt(rate)} = {fmt(expected)}; "
                             f"printed {fmt(printed)} ({_percent(printed - expected, expected)}), "
                             f"which implies a rate of {fmt(implied)}")
            else:
                lines.append(f"{bound}no exchange rate is stated; {fmt(from_number)} and the "
                             f"printed {fmt(printed)} imply a rate of {fmt(implied)}")
    parts = [s.audit for s in steps if s.role == "part"]
    if parts:
        values = [_decimal(p.value) for p in parts]
        if all(v is not None for v in values):
            total = sum((v for v in values if v is not None), Decimal(0))
            stated = _first(props, NEKG.value)
            lines.append(" + ".join(fmt(v) for v in values) + f" = {fmt(total)}; the total is "
                         f"printed as {fmt(stated) if stated else 'a range'}")
    return lines


def _pairs(
    store: pyoxigraph.Store, project: Project, name: str, iri: str
) -> list[dict[str, Value]]:
    """Rows of a pair query (?claim ?other, each pair once) in which `iri` is either claim,
    with `iri` moved to ?claim."""
    rows = _run(store, project, name, claim=iri)
    for row in _run(store, project, name, other=iri):
        rows.append({**row, "claim": iri, "other": row["claim"]})
    return rows


def _corroborations(store: pyoxigraph.Store, project: Project, iri: str) -> list[Related]:
    found: dict[str, Related] = {}
    for row in _pairs(store, project, "corroborations", iri):
        other = row["other"] or ""
        related = found.setdefault(other, Related(Entity(other, ""), _figure_of(store, other), []))
        if row["how"] and row["how"] not in related.how:
            related.how.append(row["how"])
    return _labelled(store, found)


def _conflicts(store: pyoxigraph.Store, project: Project, iri: str) -> list[Related]:
    found: dict[str, Related] = {}
    for row in _pairs(store, project, "conflicts", iri):
        other = row["other"] or ""
        related = found.setdefault(
            other, Related(Entity(other, ""), _figure_of(store, other), ["curated"]))
        if row["discrepancy"] and row["discrepancy"] not in related.explained_by:
            related.explained_by.append(row["discrepancy"])
    return _labelled(store, found)


def _labelled(store: pyoxigraph.Store, found: dict[str, Related]) -> list[Related]:
    names = labels(store, list(found))
    for other, related in found.items():
        related.claim = Entity(other, names[other])
    return [found[k] for k in sorted(found)]


# ---------------------------------------------------------------- the checks


def claim_findings(store: pyoxigraph.Store, project: Project, iri: str,
                   recorded: list[RecordedDiscrepancy]) -> list[Finding]:
    """The discrepancies the checks find that involve the claim `iri`."""
    rows: dict[str, list[dict[str, Value]]] = {
        "figure-differences": _pairs(store, project, "figure-differences", iri),
        "conversion-mismatch": _run(store, project, "conversion-mismatch", converted=iri)
        + _run(store, project, "conversion-mismatch", original=iri),
        "sum-mismatch": [],
    }
    totals = {r["total"] for r in _rows(
        store, f"SELECT DISTINCT ?part ?total WHERE {{ ?part <{NEKG.partOfTotal}> ?total }}",
        part=iri) if r["total"]}
    for total in sorted(totals | {iri}):
        rows["sum-mismatch"] += _run(store, project, "sum-mismatch", total=total)
    return [f for name in DISCREPANCY_CHECKS for f in _findings(name, rows[name])]


def _findings(check: str, rows: list[dict[str, Value]]) -> list[Finding]:
    """Findings from the rows of a check; rows of one subject (one per explaining
    discrepancy, or per end of a range) make one finding."""
    grouped: dict[tuple[str, ...], Finding] = {}
    for row in rows:
        finding = _finding(check, row)
        # The rows of one conversion (a range has two) make one finding.
        summary = "" if check == "conversion-mismatch" else finding.summary
        key = (check, *sorted(finding.claims), summary)
        if key not in grouped:
            grouped[key] = finding
        else:
            known = grouped[key]
            if finding.summary not in known.summary:
                known.summary += "; " + finding.summary
            known.explained_by += [d for d in finding.explained_by if d not in known.explained_by]
    return sorted(grouped.values(), key=lambda f: (f.subject, f.claims))


def _finding(check: str, row: dict[str, Value]) -> Finding:
    explained = [d] if (d := row.get("discrepancy")) else []
    if check == "figure-differences":
        claim, other = row["claim"] or "", row["other"] or ""
        ratio = row["ratio"]
        summary = (f"{_local(claim)}: {_figure_words(row['claimFigure'])}; "
                   f"{_local(other)}: {_figure_words(row['otherFigure'])}; "
                   f"ratio {fmt(ratio) if ratio else 'undefined (a figure is zero)'}")
        if row["suggestedKind"] == KIND_BASE + "scale-slip":
            summary += " (near a power of 1000: a scale-word slip?)"
        return Finding(check, _local(row["suggestedKind"] or ""), claim, sorted([claim, other]),
                       summary, explained)
    if check == "conversion-mismatch":
        converted, original = row["converted"] or "", row["original"] or ""
        expected, printed = _decimal(row["expected"]), _decimal(row["printed"])
        bound = {"minValue": "lower end: ", "maxValue": "upper end: "}.get(row["bound"] or "", "")
        off = _percent(printed - expected, expected) if printed is not None and expected else ""
        summary = (f"{bound}printed {fmt(printed)}; {fmt(row['originalValue'])} at the stated rate "
                   f"{fmt(row['rateValue'])} is {fmt(expected)} ({off}); the printed figures imply "
                   f"a rate of {fmt(row['impliedRate'])}")
        return Finding(check, "conversion-error", converted, [converted, original], summary,
                       explained)
    total = row["total"] or ""
    parts = sorted((row["parts"] or "").split())
    summary = (f"total {_figure_words(row['totalFigure'])}; its {len(parts)} recorded part(s) "
               f"sum to {fmt(row['partsSum'])} "
               f"(difference {fmt(row['difference'])}, ratio {fmt(row['ratio'])})")
    if row["suggestedKind"] == KIND_BASE + "scale-slip":
        summary += " (near a power of 1000: a scale-word slip?)"
    return Finding(check, _local(row["suggestedKind"] or ""), total, [total, *parts], summary,
                   explained)


def recorded_discrepancies(store: pyoxigraph.Store, project: Project) -> list[RecordedDiscrepancy]:
    """Every curated nekg:Discrepancy, with its kind, explanation and claims."""
    found: dict[str, RecordedDiscrepancy] = {}
    for row in _run(store, project, "discrepancies"):
        iri = row["discrepancy"] or ""
        if iri in found:
            continue
        found[iri] = RecordedDiscrepancy(
            iri, _local(row["kind"] or ""), row["label"] or "", row["explanation"] or "",
            sorted((row["claims"] or "").split()))
    return [found[k] for k in sorted(found)]


# ---------------------------------------------------------------- the whole graph


def discrepancy_report(store: pyoxigraph.Store, project: Project) -> DiscrepancyReport:
    """Run every check over the whole graph, and re-verify every archived file and quote.

    Findings of the checks are matched with the recorded discrepancies that
    explain them; recorded discrepancies say which checks confirm them.
    Raises InputError when an audit query is missing.
    """
    recorded = recorded_discrepancies(store, project)
    findings = [f for name in DISCREPANCY_CHECKS
                for f in _findings(name, _run(store, project, name))]
    by_iri = {d.iri: d for d in recorded}
    for finding in findings:
        for iri in finding.explained_by:
            if iri in by_iri and finding.check not in by_iri[iri].confirmed_by:
                by_iri[iri].confirmed_by.append(finding.check)
    unexplained_conflicts = sorted({
        (r["claim"] or "", r["other"] or "") for r in _run(store, project, "conflicts")
        if r["discrepancy"] is None
    })
    integrity, counts = _integrity(store, project)
    mentioned = {c for f in findings for c in f.claims} | {c for d in recorded for c in d.claims}
    mentioned |= {c for pair in unexplained_conflicts for c in pair}
    mentioned |= {f.subject for f in integrity} | {c for f in integrity for c in f.claims}
    return DiscrepancyReport(
        checks=[CheckQuery(n, query_title(query_path(project, n)), str(QUERY_DIR / f"{n}.rq"))
                for n in (*INTEGRITY_CHECKS, *DISCREPANCY_CHECKS)],
        findings=findings,
        recorded=recorded,
        unexplained_conflicts=unexplained_conflicts,
        integrity=integrity,
        labels=labels(store, mentioned),
        claims=counts["claims"], citations=counts["citations"], documents=counts["documents"],
    )


def _integrity(
    store: pyoxigraph.Store, project: Project
) -> tuple[list[IntegrityFailure], dict[str, int]]:
    """Source integrity and quote fidelity: the graph's own checks and the files re-verified."""
    failures: dict[tuple[str, str], IntegrityFailure] = {}

    def fail(check: str, subject: str, message: str, claims: list[str]) -> None:
        entry = failures.setdefault((check, subject), IntegrityFailure(check, subject, [], []))
        if message not in entry.messages:
            entry.messages.append(message)
        entry.claims = sorted(set(entry.claims) | set(claims))

    provenance = _run(store, project, "claim-provenance")
    claims_of: dict[str, list[str]] = {}
    for row in provenance:
        for key in (row["citation"], row["document"]):
            if key:
                claims_of.setdefault(key, []).append(row["claim"] or "")
    for row in _run(store, project, "source-integrity"):
        document = row["document"] or ""
        found = (f"hashes to {row['computed']}" if row["computed"] else "is missing from the graph")
        fail("source-integrity", document,
             f"the archived text of {row['file']} kept in the graph {found}; "
             f"recorded: {row['recorded']}",
             claims_of.get(document, []))
    for row in _run(store, project, "quote-fidelity"):
        citation = row["citation"] or ""
        fail("quote-fidelity", citation,
             f"in the graph's copy of the archived text: {row['problem']} "
             f"({row['start']}-{row['end']}: {row['found']!r})", claims_of.get(citation, []))
    files = SourceFiles(project.sources_dir, project.manifest_file)
    manifest_error = files.manifest_error
    if manifest_error:
        fail("source-integrity", str(project.manifest_file), manifest_error, [])
    documents = {(r["document"], r["file"], r["sha256"]) for r in provenance if r["file"]}
    for archived, file_name, pinned in sorted(documents, key=str):
        for check in file_checks(files.get(file_name or ""), pinned):
            if not check.passed:
                fail("source-integrity", archived or "", f"{check.name}: {check.detail}",
                     claims_of.get(archived or "", []))
    citations: dict[str, dict[str, Value]] = {}
    for row in provenance:
        if row["citation"] and row["exact"] is not None and row["file"]:
            citations.setdefault(row["citation"], row)
    for citation, row in sorted(citations.items()):
        text = files.get(row["file"] or "").text
        if text is None:
            continue
        verification = verify_quote(text, row["exact"] or "", _int(row["start"]), _int(row["end"]),
                                    row["prefix"] or "", row["suffix"] or "")
        for check in verification.checks:
            if not check.passed:
                fail("quote-fidelity", citation,
                     f"in the archived file: {check.name}: {check.detail}",
                     claims_of.get(citation, []))
    counts = {
        "claims": len({r["claim"] for r in provenance}),
        "citations": len({r["citation"] for r in provenance}),
        "documents": len({r["document"] for r in provenance if r["document"]}),
    }
    ordered = sorted(failures.values(), key=lambda f: (INTEGRITY_CHECKS.index(f.check), f.subject))
    return ordered, counts


def stale_inputs(project: Project) -> list[Path]:
    """Input files newer than the built dataset: the audit of dist/ does not show their changes."""
    dataset = project.dist_dir / "nekg.nq"
    if not dataset.exists():
        return []
    built = dataset.stat().st_mtime
    return [p for p in project.input_files() if p.exists() and p.stat().st_mtime > built]
