"""Provenance audits on a fixture graph with planted problems.

tests/fixtures/audit is a project whose data plants a wrong conversion, a
total that does not add up, a scale slip and a conflict without a link (and
controls that must not be found; see the header of its claims.ttl). After
the build, the tests plant a tampered byte in an archived file and shifted
offsets in the built graph. Each check must find its plant, name it, and find
nothing else; each audit query's result on the planted graph is kept beside
the fixture (expected/<query>.srj) and compared as a multiset of bindings."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner

from nekg.audit import (
    DISCREPANCY_CHECKS, INTEGRITY_CHECKS, ClaimAudit, DiscrepancyReport, audit_claim,
    discrepancy_report, resolve_claim,
)
from nekg.audit_render import as_json, render_html, render_markdown, render_text
from nekg.build import build
from nekg.cli import main
from nekg.errors import InputError
from nekg.project import Project
from nekg.store import load_dataset

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "audit"
QUERIES = sorted((ROOT / "queries" / "audit").glob("*.rq"))
EXPECTED = FIXTURE / "expected"

CLAIM = "https://w3id.org/nekg/id/claim/"
CITATION = "https://w3id.org/nekg/id/citation/"
DISCREPANCY = "https://w3id.org/nekg/id/discrepancy/"
DOCUMENT = "https://w3id.org/nekg/id/document/"
XSD_NNI = "<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>"
SHIFT = 3
SHIFTED_CITATION = CITATION + "news-plan-approved"
TAMPERED = ("written by a teacher", "written by a Teacher")


def _copy_project(target: Path) -> Project:
    shutil.copytree(ROOT / "ontology", target / "ontology")
    shutil.copytree(ROOT / "queries" / "audit", target / "queries" / "audit")
    shutil.copytree(FIXTURE / "data", target / "data")
    return Project(target)


def shift_offsets(dataset: Path, citation: str, shift: int) -> None:
    """Shift the oa:start and oa:end of `citation` in a built N-Quads file."""
    text = dataset.read_text(encoding="utf-8")
    pattern = re.compile(
        rf'(<{re.escape(citation)}#position> <http://www\.w3\.org/ns/oa#(?:start|end)> )"(\d+)"'
    )
    shifted, count = pattern.subn(lambda m: f'{m.group(1)}"{int(m.group(2)) + shift}"', text)
    assert count == 2, f"expected oa:start and oa:end of {citation} in {dataset}, found {count}"
    dataset.write_text(shifted, encoding="utf-8")


def tamper(project: Project) -> None:
    """Change one byte of tampered.txt, away from the quote and its prefix and suffix."""
    path = project.sources_dir / "tampered.txt"
    text = path.read_text(encoding="utf-8")
    assert text.count(TAMPERED[0]) == 1
    path.write_text(text.replace(*TAMPERED), encoding="utf-8")


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The fixture project, built: the planted curation problems, no integrity problem."""
    project = _copy_project(tmp_path_factory.mktemp("audit") / "clean")
    build(project)
    return project


@pytest.fixture(scope="module")
def planted(clean: Project, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The built fixture project with a tampered source byte and shifted offsets."""
    root = tmp_path_factory.mktemp("audit") / "planted"
    shutil.copytree(clean.root, root)
    project = Project(root)
    tamper(project)
    shift_offsets(project.dist_dir / "nekg.nq", SHIFTED_CITATION, SHIFT)
    return project


@pytest.fixture(scope="module")
def store(planted: Project) -> pyoxigraph.Store:
    return load_dataset(planted.dist_dir)


@pytest.fixture(scope="module")
def report(store: pyoxigraph.Store, planted: Project) -> DiscrepancyReport:
    return discrepancy_report(store, planted)


def _audit(store: pyoxigraph.Store, project: Project, slug: str) -> ClaimAudit:
    return audit_claim(store, project, CLAIM + slug)


# ---------------------------------------------------------------- each check finds its plant


PLANTS: dict[str, set[tuple[str, ...]]] = {
    "source-integrity": {("source-integrity", DOCUMENT + "tampered")},
    "quote-fidelity": {("quote-fidelity", SHIFTED_CITATION)},
    "sum-mismatch": {("sum-mismatch", CLAIM + "report-projects-2016",
                      CLAIM + "report-projects-2016",
                      CLAIM + "report-projects-heilongjiang-2016",
                      CLAIM + "report-projects-jilin-2016",
                      CLAIM + "report-projects-liaoning-2016")},
    "figure-differences": {
        ("scale-slip", CLAIM + "news-investment-2016", CLAIM + "news-investment-2016",
         CLAIM + "report-investment-2016"),
        ("cross-source", CLAIM + "news-plan-measures", CLAIM + "news-plan-measures",
         CLAIM + "report-plan-measures"),
    },
    "conversion-mismatch": {("conversion-error", CLAIM + "report-investment-2016-usd",
                             CLAIM + "report-investment-2016-usd",
                             CLAIM + "report-investment-2016")},
    "unrecorded": {("cross-source", CLAIM + "news-plan-measures", CLAIM + "news-plan-measures",
                    CLAIM + "report-plan-measures")},
}


def test_every_check_has_a_plant() -> None:
    assert set(PLANTS) == {*INTEGRITY_CHECKS, *DISCREPANCY_CHECKS, "unrecorded"}


@pytest.mark.parametrize("check", sorted(PLANTS))
def test_each_check_finds_its_plant_names_it_and_nothing_else(
    report: DiscrepancyReport, check: str
) -> None:
    if check in INTEGRITY_CHECKS:
        found = {(f.check, f.subject) for f in report.integrity if f.check == check}
    else:
        findings = report.unexplained if check == "unrecorded" else [
            f for f in report.findings if f.check == check]
        found = {(f.kind, f.subject, *f.claims) for f in findings}
    assert found == PLANTS[check]


def test_integrity_failures_say_what_was_found(report: DiscrepancyReport) -> None:
    failures = {f.check: f for f in report.integrity}
    tampered = failures["source-integrity"]
    assert tampered.claims == [CLAIM + "tampered-schools-2016"]
    assert any(m.startswith("sha256-recorded: tampered.txt hashes now to")
               for m in tampered.messages)
    assert any(m.startswith("sha256-manifest: MANIFEST.sha256 pins") for m in tampered.messages)
    shifted = failures["quote-fidelity"]
    assert shifted.claims == [CLAIM + "news-plan-approved"]
    assert any(m.startswith("in the graph's copy of the archived text: the quote is not the text")
               for m in shifted.messages)
    assert any(f"(shifted by {-SHIFT:+d})" in m for m in shifted.messages)


def test_the_graph_copy_of_a_source_is_checked_too(planted: Project) -> None:
    """source-integrity.rq finds a text whose hash is not the recorded one in the graph itself."""
    store = load_dataset(planted.dist_dir)
    document = pyoxigraph.NamedNode(DOCUMENT + "news")
    text = pyoxigraph.NamedNode("https://w3id.org/nekg/ontology#text")
    [quad] = list(store.quads_for_pattern(document, text, None))
    store.remove(quad)
    changed = pyoxigraph.Literal(quad.object.value + " ")
    store.add(pyoxigraph.Quad(document, text, changed, quad.graph_name))
    integrity = discrepancy_report(store, planted).integrity
    news = [f for f in integrity if f.subject == DOCUMENT + "news"]
    assert [f.check for f in news] == ["source-integrity"]
    assert any("kept in the graph hashes to" in m for m in news[0].messages)


def test_a_total_a_thousand_times_its_parts_is_named_a_scale_slip(planted: Project) -> None:
    store = load_dataset(planted.dist_dir)
    store.add(pyoxigraph.Quad(
        pyoxigraph.NamedNode(CLAIM + "news-investment-2016"),
        pyoxigraph.NamedNode("https://w3id.org/nekg/ontology#partOfTotal"),
        pyoxigraph.NamedNode(CLAIM + "report-investment-2016"),
        pyoxigraph.NamedNode("https://w3id.org/nekg/graph/data")))
    sums = [f for f in discrepancy_report(store, planted).findings if f.check == "sum-mismatch"]
    assert [(f.kind, f.subject) for f in sums] == [
        ("scale-slip", CLAIM + "report-investment-2016"),
        ("sum-mismatch", CLAIM + "report-projects-2016")]
    assert "ratio 1,000) (near a power of 1000" in sums[0].summary
    assert sums[0].explained_by == [DISCREPANCY + "investment-scale-slip"]


def test_recorded_discrepancies_say_which_check_confirms_them(report: DiscrepancyReport) -> None:
    confirmed = {d.iri.removeprefix(DISCREPANCY): d.confirmed_by for d in report.recorded}
    assert confirmed == {
        "investment-conversion": ["conversion-mismatch"],
        "investment-scale-slip": ["figure-differences"],
        "projects-sum": ["sum-mismatch"],
        "schools-implausible": [],
    }
    assert report.unexplained_conflicts == []
    assert (report.claims, report.citations, report.documents) == (21, 21, 3)


# ---------------------------------------------------------------- the audit queries, data-driven


def _term(term: object) -> object:
    if isinstance(term, pyoxigraph.Literal):
        datatype = term.datatype.value.removeprefix("http://www.w3.org/2001/XMLSchema#")
        if datatype in {"decimal", "integer", "nonNegativeInteger", "double"}:
            return Decimal(term.value)
        return (term.value, datatype, term.language)
    return None if term is None else str(term)


# Lists of claims made by GROUP_CONCAT, whose order SPARQL leaves open.
IRI_LISTS = {"parts", "claims"}


def _bindings(solutions: pyoxigraph.QuerySolutions) -> Counter[tuple[tuple[str, object], ...]]:
    names = [v.value for v in solutions.variables]
    return Counter(
        tuple((n, tuple(sorted(row[n].value.split())) if n in IRI_LISTS and row[n] is not None
               else _term(row[n])) for n in names)
        for row in solutions
    )


def test_there_are_audit_queries_with_expected_results() -> None:
    assert len(QUERIES) >= 9
    assert sorted(p.stem for p in EXPECTED.glob("*.srj")) == [q.stem for q in QUERIES]


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_audit_query_gives_its_expected_result(store: pyoxigraph.Store, query: Path) -> None:
    header = query.read_text(encoding="utf-8").splitlines()
    assert header[0].startswith("#+ title: ")
    assert {line.split(":")[0] for line in header if line.startswith("#+ ")} >= {
        "#+ title", "#+ question", "#+ columns", "#+ caveat", "#+ tags"}
    solutions = store.query(query.read_text(encoding="utf-8"), use_default_graph_as_union=True)
    assert isinstance(solutions, pyoxigraph.QuerySolutions)
    expected = pyoxigraph.parse_query_results(
        path=EXPECTED / f"{query.stem}.srj", format=pyoxigraph.QueryResultsFormat.JSON)
    assert isinstance(expected, pyoxigraph.QuerySolutions)
    assert _bindings(solutions) == _bindings(expected)


# ---------------------------------------------------------------- one claim


def test_a_conversion_is_audited_down_to_its_exchange_rate(
    store: pyoxigraph.Store, planted: Project
) -> None:
    audit = _audit(store, planted, "report-investment-liaoning-2016-usd")
    assert audit.verified, audit.failures
    assert audit.figure == "about 98,000,000 United States dollar"
    assert (audit.asserted_by and audit.asserted_by.label) == "Report translator"
    assert (audit.asserted_as and audit.asserted_as.label) == "translator"
    [citation] = audit.citations
    document = citation.document
    assert document is not None
    assert document.title == "Annual report on the Northeast <draft> & notes"
    assert [p.label for p in document.creators] == ["Report analyst"]
    assert [p.label for p in document.translators] == ["Report translator"]
    assert [p.label for p in document.publishers] == ["Northeast Press"]
    assert document.contributors == []
    assert (document.issued, document.original_url) == ("2017-01-15", "https://example.org/report?id=1&lang=en")
    assert document.computed_sha256 == document.recorded_sha256 == document.manifest_sha256
    assert [c.name for c in citation.checks] == [
        "archived-file", "sha256-recorded", "sha256-manifest", "graph-text",
        "quote-offsets", "quote-context", "quote-located", "graph-quote"]
    assert citation.quote is not None
    assert citation.quote.context_before.endswith("Investment in Liaoning was 700 million RMB ")
    assert citation.quote.context_after.startswith(" in the same year.")
    steps = [(s.role, s.audit.iri.removeprefix(CLAIM), s.audit.verified) for s in audit.derivation]
    assert steps == [
        ("exchange rate", "report-exchange-rate", True),
        ("based on", "report-investment-liaoning-2016", True)]
    assert audit.computation == [
        "700,000,000 ÷ 7.14 = 98,039,216; printed 98,000,000 (-0.04%), "
        "which implies a rate of 7.1429"]
    assert audit.findings == [] and audit.conflicts == []


def test_a_wrong_conversion_verifies_but_is_disputed_with_its_explanation(
    store: pyoxigraph.Store, planted: Project
) -> None:
    audit = _audit(store, planted, "report-investment-2016-usd")
    assert audit.verified, audit.failures
    [finding] = audit.findings
    assert (finding.check, finding.kind) == ("conversion-mismatch", "conversion-error")
    assert finding.explained_by == [DISCREPANCY + "investment-conversion"]
    assert "224,089,635,854 (+11.56%)" in finding.summary
    [conflict] = audit.conflicts
    assert conflict.claim.iri == CLAIM + "report-investment-2016"
    assert conflict.explained_by == [DISCREPANCY + "investment-conversion"]
    assert audit.unexplained == []


def test_a_tampered_source_fails_exactly_its_hash_checks(
    store: pyoxigraph.Store, planted: Project
) -> None:
    audit = _audit(store, planted, "tampered-schools-2016")
    assert not audit.verified
    [citation] = audit.citations
    failed = [c.name for c in citation.checks if not c.passed]
    assert failed == ["sha256-recorded", "sha256-manifest"]
    assert "the archived file changed after the build" in audit.failures[0]
    assert [d.iri for d in audit.discrepancies] == [DISCREPANCY + "schools-implausible"]


def test_shifted_offsets_fail_the_quote_checks_and_say_where_the_quote_is(
    store: pyoxigraph.Store, planted: Project
) -> None:
    audit = _audit(store, planted, "news-plan-approved")
    [citation] = audit.citations
    failed = {c.name: c.detail for c in citation.checks if not c.passed}
    assert set(failed) == {"quote-offsets", "quote-context", "quote-located", "graph-quote"}
    quote = citation.quote
    assert quote is not None and quote.start is not None and quote.located_start is not None
    assert quote.start - quote.located_start == SHIFT
    assert failed["quote-located"].endswith(f"(shifted by {-SHIFT:+d})")
    assert quote.context_before.endswith("The revitalization plan of 2016, with its 58 measures, ")


def test_a_failure_in_the_derivation_fails_the_claim(planted: Project) -> None:
    store = load_dataset(planted.dist_dir)
    start = pyoxigraph.NamedNode("http://www.w3.org/ns/oa#start")
    position = pyoxigraph.NamedNode(CITATION + "report-exchange-rate#position")
    [quad] = list(store.quads_for_pattern(position, start, None))
    store.remove(quad)
    store.add(pyoxigraph.Quad(position, start, pyoxigraph.Literal(
        str(int(quad.object.value) + 1), datatype=quad.object.datatype), quad.graph_name))
    audit = _audit(store, planted, "report-investment-liaoning-2016-usd")
    assert not audit.verified
    assert audit.failures[0].startswith(
        f"exchange rate {CLAIM}report-exchange-rate: "
        f"citation {CITATION}report-exchange-rate: quote-offsets")


def test_a_total_is_audited_with_its_parts(store: pyoxigraph.Store, planted: Project) -> None:
    audit = _audit(store, planted, "report-projects-2016")
    assert audit.verified, audit.failures
    parts = sorted(s.audit.iri.removeprefix(CLAIM) for s in audit.derivation if s.role == "part")
    assert parts == ["report-projects-heilongjiang-2016", "report-projects-jilin-2016",
                     "report-projects-liaoning-2016"]
    assert audit.computation == ["20 + 35 + 40 = 95; the total is printed as 100"]
    [finding] = audit.findings
    assert (finding.check, finding.explained_by) == ("sum-mismatch", [DISCREPANCY + "projects-sum"])
    part = _audit(store, planted, "report-projects-jilin-2016")
    assert [f.check for f in part.findings] == ["sum-mismatch"]


def test_corroborations_and_unrecorded_conflicts_of_a_claim(
    store: pyoxigraph.Store, planted: Project
) -> None:
    agreeing = _audit(store, planted, "news-projects-liaoning-2016")
    assert [(r.claim.iri.removeprefix(CLAIM), r.how) for r in agreeing.corroborations] == [
        ("report-projects-liaoning-2016", ["computed"])]
    disputed = _audit(store, planted, "report-plan-measures")
    assert disputed.verified
    [finding] = disputed.unexplained
    assert (finding.kind, finding.claims) == (
        "cross-source", [CLAIM + "news-plan-measures", CLAIM + "report-plan-measures"])
    assert "disputed by 1 discrepancy(ies) that no record explains" in render_text(disputed)
    assert _audit(store, planted, "report-gdp-heilongjiang-2016").findings == []
    assert _audit(store, planted, "news-parks-liaoning-2016").findings == []


@pytest.mark.parametrize(("reference", "slug"), [
    ("report-exchange-rate", "report-exchange-rate"),
    ("claim:report-exchange-rate", "report-exchange-rate"),
    (CLAIM + "report-exchange-rate", "report-exchange-rate"),
    ("report-exchange", "report-exchange-rate"),
    ("tampered", "tampered-schools-2016"),
])
def test_a_claim_is_named_by_iri_short_id_or_unique_beginning(
    store: pyoxigraph.Store, reference: str, slug: str
) -> None:
    assert resolve_claim(store, reference) == CLAIM + slug


def test_an_ambiguous_or_unknown_claim_name_is_refused_with_candidates(
    store: pyoxigraph.Store,
) -> None:
    with pytest.raises(InputError, match=r"(?s)begins 4 claims.*report-investment-2016-usd"):
        resolve_claim(store, "report-investment")
    nearest = r"no claim 'report-plan-measure-' in the graph; nearest: report-plan-measures"
    with pytest.raises(InputError, match=nearest):
        resolve_claim(store, "report-plan-measure-")
    with pytest.raises(InputError, match="is not a claim"):
        audit_claim(store, Project(ROOT), DOCUMENT + "news")


# ---------------------------------------------------------------- rendering


def test_html_escapes_what_comes_from_the_graph(store: pyoxigraph.Store, planted: Project,
                                                report: DiscrepancyReport) -> None:
    audit = _audit(store, planted, "report-investment-2016-usd")
    page = render_html(audit)
    assert page.startswith("<!DOCTYPE html>")
    assert "Annual report on the Northeast &lt;draft&gt; &amp; notes" in page
    assert "<draft>" not in page
    assert 'href="https://example.org/report?id=1&amp;lang=en"' in page
    assert "<mark>(approx. 250 billion USD)</mark>" in page
    fragment = render_html(audit, standalone=False, link=lambda iri: "/page?iri=" + iri)
    assert fragment.lstrip().startswith('<section class="nekg-audit"')
    assert f'href="/page?iri={CLAIM}report-investment-2016-usd"' in fragment
    report_page = render_html(report)
    assert "not recorded" in report_page and "news-plan-measures" in report_page
    with pytest.raises(TypeError):
        render_html(object())


def test_markdown_and_json_reports(report: DiscrepancyReport) -> None:
    markdown = render_markdown(report)
    assert markdown.startswith("# nekg discrepancy report\n")
    section = markdown.split("## Not recorded")[1]
    assert "`claim:news-plan-measures`, `claim:report-plan-measures`" in section
    data = json.loads(as_json(report))
    assert [f["subject"] for f in data["unexplained"]] == [CLAIM + "news-plan-measures"]
    assert {f["check"] for f in data["findings"]} == set(DISCREPANCY_CHECKS)


# ---------------------------------------------------------------- the command line


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["audit", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_audits_a_claim_in_text_json_and_html(planted: Project) -> None:
    where = ["-C", str(planted.root)]
    code, out, _ = _invoke("report-investment-liaoning-2016-usd", *where)
    assert code == 0
    assert "Verdict: verified" in out
    assert "⟦(approx. 98 million USD)⟧" in out
    assert "exchange rate: claim:report-exchange-rate (verified)" in out
    code, out, _ = _invoke("claim:report-investment-2016-usd", "--format", "json", *where)
    assert code == 0 and json.loads(out)["verified"] is True
    code, out, _ = _invoke("report-investment-2016-usd", "--format", "html", *where)
    assert code == 0 and "&lt;draft&gt;" in out


def test_cli_exits_1_when_a_claim_does_not_verify(planted: Project) -> None:
    code, out, _ = _invoke("news-plan-approved", "-C", str(planted.root))
    assert code == 1
    assert "Verdict: NOT VERIFIED" in out and "quote-located" in out


def test_cli_warns_when_dist_is_older_than_the_data(planted: Project, tmp_path: Path) -> None:
    project = Project(tmp_path / "stale")
    shutil.copytree(planted.root, project.root)
    _, _, stderr = _invoke("tampered", "-C", str(project.root))
    assert "older than" not in stderr
    dataset = (project.dist_dir / "nekg.nq").stat().st_mtime
    source = project.sources_dir / "news.txt"
    os.utime(source, (dataset + 10, dataset + 10))
    _, _, stderr = _invoke("tampered", "-C", str(project.root))
    assert f"warning: dist/ is older than 1 input file(s), e.g. {source}" in stderr


def test_cli_report_exits_1_on_integrity_failures(planted: Project) -> None:
    code, out, _ = _invoke("--all", "--format", "json", "-C", str(planted.root))
    assert code == 1
    assert {f["check"] for f in json.loads(out)["integrity"]} == set(INTEGRITY_CHECKS)


def test_cli_strict_fails_on_an_unrecorded_discrepancy_until_it_is_recorded(clean: Project,
                                                                          tmp_path: Path) -> None:
    code, out, stderr = _invoke("--all", "-C", str(clean.root))
    assert code == 0 and "## Not recorded" in out
    assert "unrecorded: figure-differences [cross-source]" in stderr
    code, _, _ = _invoke("--all", "--strict", "-C", str(clean.root))
    assert code == 1
    fixed = Project(tmp_path / "fixed")
    shutil.copytree(clean.root, fixed.root)
    with (fixed.data_dir / "claims" / "claims.ttl").open("a", encoding="utf-8") as claims:
        claims.write(
            "\ndiscrepancy:plan-measures a nekg:Discrepancy ;\n"
            '    rdfs:label "56 or 58 measures"@en ;\n'
            "    nekg:involves claim:report-plan-measures , claim:news-plan-measures ;\n"
            "    nekg:discrepancyKind kind:cross-source ;\n"
            '    rdfs:comment "The two sources count the measures differently."@en .\n')
    build(fixed)
    code, out, stderr = _invoke("--all", "--strict", "-C", str(fixed.root))
    assert code == 0, stderr
    assert "None: every discrepancy the checks find is recorded." in out


@pytest.mark.parametrize("args", [
    [], ["report-plan-measures", "--all"], ["report-plan-measures", "--format", "markdown"],
    ["--all", "--format", "text"], ["report-plan-measures", "--strict"],
])
def test_cli_usage_errors_exit_2(planted: Project, args: list[str]) -> None:
    code, _, stderr = _invoke(*args, "-C", str(planted.root))
    assert code == 2
    assert "Error:" in stderr


def test_cli_bad_input_exits_2(planted: Project, tmp_path: Path) -> None:
    code, _, stderr = _invoke("report-investment", "-C", str(planted.root))
    assert code == 2 and "begins 4 claims" in stderr
    code, _, stderr = _invoke("--all", "-C", str(tmp_path))
    assert code == 2 and "no built dataset" in stderr
