"""How audits read: plain text and JSON for a claim's audit, Markdown and JSON for
the discrepancy report, and HTML for both (Jinja2 templates with autoescaping,
so labels and quotes from the graph are always escaped).

`render_html(..., standalone=False)` gives a fragment that a web page can embed;
`link` turns an IRI into the address a page should link it to."""

from __future__ import annotations

import dataclasses
import json
import re
import textwrap
from collections.abc import Callable
from functools import singledispatch

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from nekg.audit import (
    DISCREPANCY_CHECKS, CitationAudit, ClaimAudit, DiscrepancyReport, Finding, RecordedDiscrepancy,
)
from nekg.namespaces import ID_BASE
from nekg.provenance import Check

QUOTE_OPEN, QUOTE_CLOSE = "⟦", "⟧"


def short(iri: str) -> str:
    """`https://w3id.org/nekg/id/claim/x` as `claim:x`; other IRIs unchanged."""
    if iri.startswith(ID_BASE):
        kind, _, slug = iri.removeprefix(ID_BASE).partition("/")
        return f"{kind}:{slug}"
    return iri


# ---------------------------------------------------------------- JSON


def _plain(value: object) -> object:
    """Dataclasses as dicts, with the verdicts their properties compute."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, ClaimAudit):
            out["verified"] = value.verified
            out["failures"] = value.failures
            out["unexplained"] = [f.subject for f in value.unexplained]
        elif isinstance(value, Finding):
            out["explained"] = value.explained
        elif isinstance(value, DiscrepancyReport):
            out["unexplained"] = [_plain(f) for f in value.unexplained]
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def as_json(audit: ClaimAudit | DiscrepancyReport) -> str:
    """The audit or report as JSON, with `verified`/`failures` or `unexplained` computed."""
    return json.dumps(_plain(audit), indent=2, ensure_ascii=False)


# ---------------------------------------------------------------- text


def _when(audit: ClaimAudit) -> str:
    if audit.time:
        return audit.time
    if audit.start_time or audit.end_time:
        return f"{audit.start_time or '…'} to {audit.end_time or '…'}"
    return "not stated"


def _mark(before: str, exact: str, after: str) -> str:
    return " ".join(f"{before}{QUOTE_OPEN}{exact}{QUOTE_CLOSE}{after}".split())


def _check_line(check: Check) -> str:
    return f"{'ok  ' if check.passed else 'FAIL'} {check.name}: {check.detail}"


def _wrap(label: str, text: str, indent: str) -> list[str]:
    width = 100 - len(indent)
    body = textwrap.wrap(text, width=width - 14) or [""]
    lines = [f"{indent}{label:<13} {body[0]}"]
    lines += [f"{indent}{'':<13} {line}" for line in body[1:]]
    return lines


def render_text(audit: ClaimAudit, indent: str = "", nested: bool = False) -> str:
    """A claim's audit as plain text. The claims it derives from are shown indented and
    `nested`: their citations in short, without their own corroborations and conflicts."""
    out: list[str] = []
    add = out.append
    add(f"{indent}Claim {short(audit.iri)}")
    out += _wrap("", f"“{audit.label}”", indent)
    if audit.figure:
        add(f"{indent}{'figure':<13} {audit.figure}")
    if audit.indicator:
        add(f"{indent}{'indicator':<13} {audit.indicator.label} ({short(audit.indicator.iri)})")
    if audit.about:
        out += _wrap("about", "; ".join(e.label for e in audit.about), indent)
    if audit.objects:
        out += _wrap("object", "; ".join(e.label for e in audit.objects), indent)
    add(f"{indent}{'time':<13} {_when(audit)}")
    asserted = audit.asserted_by.label if audit.asserted_by else "nobody recorded"
    capacity = f", as {audit.asserted_as.label}" if audit.asserted_as else ""
    add(f"{indent}{'asserted by':<13} {asserted}{capacity}")
    for flag in audit.flags:
        out += _wrap("flag", flag, indent)
    for comment in audit.comments:
        out += _wrap("note", comment, indent)
    for number, citation in enumerate(audit.citations, start=1):
        add("")
        add(f"{indent}Citation {number}: {short(citation.iri)}")
        out += _document_text(citation, indent, nested)
        quote = citation.quote
        if quote:
            add(f"{indent}{'quote':<13} offsets {quote.start}-{quote.end}")
            if quote.located_start is not None and quote.located_start != quote.start:
                add(f"{indent}{'':<13} found now at {quote.located_start}-{quote.located_end}")
            marked = _mark(quote.context_before, quote.exact, quote.context_after)
            out += _wrap("in context", marked, indent)
        failed, total = len(citation.failures), len(citation.checks)
        add(f"{indent}{'checks':<13} "
            + (f"{failed} of {total} failed" if failed else f"all {total} passed"))
        out += [f"{indent}  {_check_line(c)}" for c in citation.checks
                if not nested or not c.passed]
    out += [f"{indent}{_check_line(c)}" for c in audit.checks if not c.passed]
    if audit.derivation or audit.computation:
        add("")
        add(f"{indent}Derivation")
        for line in audit.computation:
            out += _wrap("arithmetic", line, indent + "  ")
        for step in audit.derivation:
            add("")
            verdict = "verified" if step.audit.verified else "NOT VERIFIED"
            add(f"{indent}  {step.role}: {short(step.audit.iri)} ({verdict})")
            add(render_text(step.audit, indent + "    ", nested=True))
    if not nested:
        out += _related_text(audit, indent)
        add("")
        add(f"{indent}Verdict: {_verdict(audit)}")
        out += [f"{indent}  - {failure}" for failure in audit.failures]
    return "\n".join(out)


def _document_text(citation: CitationAudit, indent: str, nested: bool) -> list[str]:
    document = citation.document
    if document is None:
        return []
    out = _wrap("document", f"{document.title} ({short(document.iri)})", indent)
    if nested:
        return out
    for name, people in (("creator", document.creators), ("translator", document.translators),
                         ("publisher", document.publishers),
                         ("contributor", document.contributors)):
        if people:
            out.append(f"{indent}{name:<13} {'; '.join(p.label for p in people)}")
    for name, value in (("issued", document.issued), ("original URL", document.original_url),
                        ("archived file", document.path or document.archived_file)):
        if value:
            out.append(f"{indent}{name:<13} {value}")
    out.append(f"{indent}{'SHA-256':<13} recorded {document.recorded_sha256 or '—'}")
    out.append(f"{indent}{'':<13} pinned   {document.manifest_sha256 or '—'}")
    out.append(f"{indent}{'':<13} now      {document.computed_sha256 or '—'}")
    return out


def _related_text(audit: ClaimAudit, indent: str) -> list[str]:
    out = ["", f"{indent}Corroborated by"]
    out += [f"{indent}  {short(r.claim.iri)}: {r.figure or r.claim.label} ({', '.join(r.how)})"
            for r in audit.corroborations] or [f"{indent}  no other claim"]
    out.append(f"{indent}Conflicts (recorded)")
    for related in audit.conflicts:
        out.append(f"{indent}  {short(related.claim.iri)}: {related.figure or related.claim.label}")
        out.append(f"{indent}    explained by "
                   + (", ".join(short(d) for d in related.explained_by)
                      or "NOTHING: no discrepancy is recorded"))
    if not audit.conflicts:
        out.append(f"{indent}  none recorded")
    out.append(f"{indent}Discrepancies found by the checks")
    for finding in audit.findings:
        out += _finding_text(finding, indent + "  ")
    if not audit.findings:
        out.append(f"{indent}  none")
    if audit.discrepancies:
        out.append(f"{indent}Recorded discrepancies involving this claim")
        for recorded in audit.discrepancies:
            out += _wrap(recorded.kind, f"{short(recorded.iri)}: {recorded.label}",
                         indent + "  ")
            out += _wrap("", recorded.explanation, indent + "  ")
    return out


def _verdict(audit: ClaimAudit) -> str:
    if not audit.verified:
        return f"NOT VERIFIED, {len(audit.failures)} check(s) failed"
    disputed = len(audit.findings) + len([c for c in audit.conflicts if c.claim.iri])
    tail = ""
    if audit.unexplained:
        tail = f"; disputed by {len(audit.unexplained)} discrepancy(ies) that no record explains"
    elif disputed:
        tail = "; disputed, and the discrepancies are explained"
    return "verified (every citation's archived file, hash and quote check out" \
           + (", and every claim it derives from" if audit.derivation else "") + ")" + tail


def _finding_text(finding: Finding, indent: str) -> list[str]:
    lines = _wrap(f"{finding.check}", f"[{finding.kind}] {finding.summary}", indent)
    explained = (", ".join(short(d) for d in finding.explained_by) if finding.explained
                 else "NOTHING: no recorded nekg:Discrepancy involves these claims")
    claims = ", ".join(short(c) for c in finding.claims)
    lines += _wrap("", f"claims: {claims}; explained by {explained}",
                   indent)
    return lines


# ---------------------------------------------------------------- Markdown


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def render_markdown(report: DiscrepancyReport) -> str:
    """The discrepancy report as Markdown."""
    titles = {c.name: c for c in report.checks}
    recorded = {d.iri: d for d in report.recorded}
    out = ["# nekg discrepancy report", ""]
    out.append(f"{report.claims} claims, {report.citations} citations of {report.documents} "
               "archived "
               f"documents. {len(report.findings)} discrepancies found by the checks, "
               f"{len(report.unexplained)} of them not recorded; {len(report.recorded)} recorded "
               f"discrepancies; {len(report.integrity)} integrity failures.")
    out += ["", "Checks (SPARQL, runnable on the endpoint):", ""]
    out += [f"- `{c.path}`: {_md(c.title)}" for c in report.checks]
    out += ["", "## Integrity of sources and quotes", ""]
    if not report.integrity:
        out.append("Every archived document hashes to its recorded and pinned SHA-256, and every "
                   "quote is the archived text at its offsets (re-verified in the graph and in "
                   "the files).")
    for failure in report.integrity:
        claims = ", ".join(f"`{short(c)}`" for c in failure.claims[:10])
        more = f" and {len(failure.claims) - 10} more" if len(failure.claims) > 10 else ""
        out.append(f"- **{failure.check}** `{short(failure.subject)}`"
                   + (f" (claims {claims}{more})" if claims else ""))
        out += [f"  - {_md(m)}" for m in failure.messages]
    out += ["", "## Discrepancies found by the checks", ""]
    for name in DISCREPANCY_CHECKS:
        check = titles[name]
        found = [f for f in report.findings if f.check == name]
        out += [f"### {_md(check.title)}", "", f"`{check.path}`: {len(found)} found.", ""]
        for finding in found:
            out += _finding_markdown(report, finding, recorded)
        out.append("")
    out += ["## Recorded discrepancies", ""]
    for discrepancy in report.recorded:
        confirmed = (f"confirmed by {', '.join(discrepancy.confirmed_by)}"
                     if discrepancy.confirmed_by else "no check computes it")
        out.append(f"- **{_md(discrepancy.label)}** (`{short(discrepancy.iri)}`, "
                   f"{discrepancy.kind}; {confirmed})")
        out.append(f"  - claims: {', '.join(f'`{short(c)}`' for c in discrepancy.claims)}")
        out.append(f"  - {_md(discrepancy.explanation)}")
    if not report.recorded:
        out.append("None.")
    out += ["", "## Conflict links without an explanation", ""]
    out += [f"- `{short(a)}` conflicts with `{short(b)}`: no nekg:Discrepancy involves both"
            for a, b in report.unexplained_conflicts] or ["None."]
    out += ["", "## Not recorded: found by the checks, missing from the curated data", ""]
    out += [f"- {f.check} [{f.kind}]: {', '.join(f'`{short(c)}`' for c in f.claims)}: "
            f"{_md(f.summary)}" for f in report.unexplained] or [
        "None: every discrepancy the checks find is recorded."]
    return "\n".join(out) + "\n"


def _finding_markdown(report: DiscrepancyReport, finding: Finding,
                      recorded: dict[str, RecordedDiscrepancy]) -> list[str]:
    lines = [(f"- **{_md(report.label(finding.subject))}** (`{short(finding.subject)}`) "
              f"[{finding.kind}]: {_md(finding.summary)}")]
    others = [c for c in finding.claims if c != finding.subject]
    if others:
        lines.append("  - with " + "; ".join(f"{_md(report.label(c))} (`{short(c)}`)"
                                             for c in others))
    if not finding.explained:
        lines.append("  - **not recorded**: no nekg:Discrepancy involves these claims")
    for iri in finding.explained_by:
        discrepancy = recorded.get(iri)
        text = f": {_md(discrepancy.explanation)}" if discrepancy else ""
        kind = f", {discrepancy.kind}" if discrepancy else ""
        lines.append(f"  - explained by `{short(iri)}`{kind}{text}")
    return lines


# ---------------------------------------------------------------- HTML


_ENVIRONMENT = Environment(
    loader=PackageLoader("nekg", "templates/audit"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENVIRONMENT.filters["short"] = short


@singledispatch
def render_html(audit: object, standalone: bool = True,
                link: Callable[[str], str] | None = None) -> str:
    """An audit (ClaimAudit) or a report (DiscrepancyReport) as HTML; everything from the
    graph is escaped. `standalone=False` gives an embeddable <section>."""
    raise TypeError(f"cannot render {type(audit).__name__} as HTML")


@render_html.register
def _(audit: ClaimAudit, standalone: bool = True, link: Callable[[str], str] | None = None) -> str:
    return _ENVIRONMENT.get_template("claim.html.j2").render(
        audit=audit, standalone=standalone, link=link or (lambda iri: iri),
        title=f"Audit of {short(audit.iri)}", verdict=_verdict(audit),
    )


@render_html.register
def _(report: DiscrepancyReport, standalone: bool = True,
      link: Callable[[str], str] | None = None) -> str:
    return _ENVIRONMENT.get_template("report.html.j2").render(
        report=report, standalone=standalone, link=link or (lambda iri: iri),
        title="nekg discrepancy report", checks=DISCREPANCY_CHECKS,
        titles={c.name: c for c in report.checks}, recorded={d.iri: d for d in report.recorded},
    )
