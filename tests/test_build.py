"""The build pipeline on a small project: a good build, and each kind of bad
input giving its specified error while leaving the previous dist/ untouched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
import pyoxigraph

from nekg.build import build
from nekg.cli import main
from nekg.errors import QuoteErrors, TurtleSyntaxError, ValidationFailed
from nekg.namespaces import GRAPH_DATA, GRAPH_INFERRED, GRAPH_ONTOLOGY, GRAPH_SOURCES
from nekg.project import Project

CLAIMS = Path("data") / "claims" / "mini.ttl"


def _edit(project: Project, relative: Path, old: str, new: str) -> None:
    path = project.root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture no longer contains {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _store(project: Project, name: str) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(path=project.dist_dir / name)
    return store


def _dist_snapshot(project: Project) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(project.dist_dir.iterdir())}


@pytest.fixture
def built(mini_project: Project) -> Project:
    """The mini project after one good build."""
    build(mini_project)
    return mini_project


def test_good_build_writes_named_graphs_and_summary(built: Project) -> None:
    names = {g.value for g in _store(built, "nekg.trig").named_graphs()}
    assert names == {str(g) for g in (GRAPH_ONTOLOGY, GRAPH_DATA, GRAPH_INFERRED, GRAPH_SOURCES)}
    assert len(_store(built, "nekg.nq")) == len(_store(built, "nekg.trig"))
    summary = json.loads((built.dist_dir / "summary.json").read_text())
    assert summary["violations"] == 0
    assert summary["instances_per_class"]["Claim"] == 2
    assert summary["claims_per_source"] == {"https://w3id.org/nekg/id/document/mini": 2}
    assert summary["triples"]["inferred"] > 0
    assert set(summary["seconds"]) >= {"load", "locate", "infer", "validate", "write", "total"}
    assert summary["coverage"]["mini.txt"] == {"tokens": 6, "covered": 4, "excluded": 2, "uncovered": 0}


def test_build_computes_offsets_into_the_archived_text(built: Project) -> None:
    [row] = _store(built, "nekg.nq").query(f"""
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?start ?end WHERE {{ GRAPH <{GRAPH_DATA}> {{
            <https://w3id.org/nekg/id/citation/mini-funding-2016> oa:hasSelector ?position .
            ?position oa:start ?start ; oa:end ?end . }} }}""")
    start, end = int(row["start"].value), int(row["end"].value)
    text = (built.sources_dir / "mini.txt").read_text(encoding="utf-8")
    assert text[start:end] == "In 2016, it was announced that 1.6 trillion RMB would be used"


def test_inferred_triples_are_in_their_own_graph(built: Project) -> None:
    store = _store(built, "nekg.trig")
    typed = "<https://w3id.org/nekg/id/actor/author> a <https://w3id.org/nekg/ontology#Actor>"
    assert store.query(f"ASK {{ GRAPH <{GRAPH_INFERRED}> {{ {typed} }} }}")
    assert not store.query(f"ASK {{ GRAPH <{GRAPH_DATA}> {{ {typed} }} }}")
    assert store.query(f"ASK {{ {typed} }}", use_default_graph_as_union=True)


def test_syntax_error_names_file_and_line_and_keeps_dist(built: Project) -> None:
    before = _dist_snapshot(built)
    _edit(built, CLAIMS, "nekg:time \"2016\"^^xsd:gYear ;", "nekg:time \"2016 ;")
    with pytest.raises(TurtleSyntaxError) as error:
        build(built)
    assert error.value.path.endswith("mini.ttl")
    assert error.value.line == 22
    assert str(error.value).startswith(f"{built.root / CLAIMS}:22:")
    assert _dist_snapshot(built) == before


def test_unknown_prefix_is_a_syntax_error(mini_project: Project) -> None:
    _edit(mini_project, CLAIMS, "nekg:about region:northeast-china ;\n    nekg:indicator",
          "nekg:about regio:northeast-china ;\n    nekg:indicator")
    with pytest.raises(TurtleSyntaxError, match=r'Prefix "regio:" not bound'):
        build(mini_project)


def test_misquote_names_the_claim_and_shows_the_nearest_passage(built: Project) -> None:
    before = _dist_snapshot(built)
    _edit(built, CLAIMS, "that 1.6 trillion RMB would", "that 1.6 billion RMB would")
    with pytest.raises(QuoteErrors) as error:
        build(built)
    message = str(error.value)
    assert "claim https://w3id.org/nekg/id/claim/mini-funding-2016" in message
    assert "quote not found verbatim" in message
    assert "nearest passage in the source: 'In 2016, it was announced that 1.6 trillion RMB" in message
    assert _dist_snapshot(built) == before


def test_duplicated_quote_without_context_is_an_error(built: Project) -> None:
    before = _dist_snapshot(built)
    _edit(built, CLAIMS, 'oa:exact "The plan had 25 articles" ; oa:suffix "." ]',
          'oa:exact "The plan had 25 articles" ]')
    with pytest.raises(QuoteErrors, match=r"claim https://w3id.org/nekg/id/claim/mini-articles.*found 2 times"):
        build(built)
    assert _dist_snapshot(built) == before


def test_tampered_source_fails_validation_and_keeps_dist(built: Project) -> None:
    before = _dist_snapshot(built)
    _edit(built, Path("data") / "sources" / "mini.txt", "Mini source", "Mini sourcE")
    with pytest.raises(ValidationFailed, match=r"(?s)ArchivedDocumentShape.*does not match its pinned SHA-256"):
        build(built)
    assert _dist_snapshot(built) == before


def test_cli_exit_codes(mini_project: Project) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["build", "-C", str(mini_project.root)])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["violations"] == 0
    _edit(mini_project, Path("data") / "sources" / "mini.txt", "Mini source", "Mini sourcE")
    invalid = runner.invoke(main, ["validate", "-C", str(mini_project.root), "--format", "json"])
    assert invalid.exit_code == 1
    assert json.loads(invalid.stdout)["conforms"] is False
    _edit(mini_project, CLAIMS, "nekg:time \"2016\"^^xsd:gYear ;", "nekg:time \"2016 ;")
    bad = runner.invoke(main, ["build", "-C", str(mini_project.root)])
    assert bad.exit_code == 2
    assert "mini.ttl:22" in bad.stderr


def test_coverage_lists_uncovered_numbers(mini_project: Project) -> None:
    (mini_project.coverage_exclusions_dir / "mini.tsv").unlink()
    result = CliRunner().invoke(main, ["coverage", "-C", str(mini_project.root)])
    assert result.exit_code == 1
    assert "6 tokens, 4 covered, 0 excluded, 2 uncovered" in result.stdout
    assert "4:14 '25'" in result.stdout and "4:35 '7'" in result.stdout


def test_an_inconsistent_graph_fails_validation(mini_project: Project) -> None:
    entities = mini_project.data_dir / "entities" / "entities.ttl"
    entities.write_text(
        entities.read_text(encoding="utf-8")
        + "\nactor:author a nekg:Organization .\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed, match=r"(?s)OWL-RL consistency.*author"):
        build(mini_project)
