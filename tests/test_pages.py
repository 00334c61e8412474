"""Pages for people, over HTTP: the query page with its examples and results,
dereferencing of instance IRIs (HTML, or RDF by Accept), claim pages with
the quote in its source, downloads, and escaping of everything shown."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urlencode

import pyoxigraph
import pytest
from serving import LiveServer

from nekg.project import Project

HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
REGION = "/id/region/northeast-china"
CLAIM = "/id/claim/mini-funding-2016"
QUOTE = "In 2016, it was announced that 1.6 trillion RMB would be used"


def page(server: LiveServer, path: str, status: int = 200) -> str:
    reply = server.get(path, accept=HTML)
    assert reply.status == status, reply.text
    assert reply.media_type == "text/html"
    return reply.text


def test_query_page_lists_the_query_library(server: LiveServer,
                                            served_project: Project) -> None:
    text = page(server, "/")
    files = sorted(served_project.queries_dir.glob("*.rq"))
    assert files
    for path in files:
        title = re.search(r"^#\+ title: (.*)$", path.read_text(), re.MULTILINE)
        assert title is not None
        assert html.escape(title.group(1), quote=False) in text
        assert f'href="/?example={path.stem}"' in text
    assert "Each query may run for" in text  # the limits are stated


def test_example_loads_into_the_editor(server: LiveServer, served_project: Project) -> None:
    text = page(server, "/?example=classes")
    source = (served_project.queries_dir / "classes.rq").read_text()
    editor = re.search(r'<textarea id="query" name="query"[^>]*>(.*?)</textarea>', text, re.DOTALL)
    assert editor is not None and html.unescape(editor.group(1)) == source


def test_unknown_example_is_404(server: LiveServer) -> None:
    page(server, "/?example=..%2Fsecret", status=404)


def test_results_table_links_iris_and_offers_downloads(server: LiveServer) -> None:
    query = ("PREFIX nekg: <https://w3id.org/nekg/ontology#> "
             "SELECT ?claim ?value WHERE { ?claim a nekg:Claim ; nekg:value ?value }")
    text = page(server, "/?" + urlencode({"query": query}))
    table = text[text.index('<table id="results">'):]
    assert f'href="{CLAIM}"' in table
    assert "1,600,000,000,000" in table
    for fmt in ("json", "xml", "csv", "tsv"):
        assert f"format={fmt}" in text


def test_graph_results_show_as_triples(server: LiveServer) -> None:
    query = ("CONSTRUCT { ?s a ?t } WHERE { ?s a ?t . "
             "FILTER(?s = <https://w3id.org/nekg/id/claim/mini-funding-2016>) }")
    text = page(server, "/?" + urlencode({"query": query}))
    assert "<th>subject</th><th>predicate</th><th>object</th>" in text
    assert "format=turtle" in text


def test_query_error_is_shown_with_its_status(server: LiveServer) -> None:
    reply = server.get("/?" + urlencode({"query": "SELECT * WHERE {"}), accept=HTML)
    assert reply.status == 400
    assert 'id="error"' in reply.text and "error at 1:" in reply.text
    reply = server.get("/?" + urlencode({"query": "CLEAR ALL"}), accept=HTML)
    assert reply.status == 403 and "read-only" in reply.text


def test_entity_page_shows_labels_types_relations_and_claims(server: LiveServer) -> None:
    text = page(server, REGION)
    assert '<h1 id="label">Northeast China</h1>' in text
    assert "https://w3id.org/nekg/id/region/northeast-china" in text
    assert "macro-region" in text.lower() or "MacroRegion" in text
    claims = text[text.index('id="claims"'):]
    assert html.escape(QUOTE) in claims
    assert "1,600,000,000,000" in claims and "2016" in claims
    assert "Mini author" in claims  # who asserted it
    assert f'href="{CLAIM}"' in claims


def test_entity_page_links_to_wikidata(server: LiveServer) -> None:
    text = page(server, "/resource?" + urlencode({"iri": "http://www.wikidata.org/entity/Q39099"}))
    assert "renminbi" in text
    assert 'href="https://www.wikidata.org/wiki/Q39099"' in text


def test_claim_page_shows_the_quote_highlighted_in_its_source(
        server: LiveServer, served_project: Project) -> None:
    text = page(server, CLAIM)
    source = (served_project.sources_dir / "mini.txt").read_text(encoding="utf-8")
    start = source.index(QUOTE)
    context = re.search(r'<div class="in-context">(.*?)</div>', text, re.DOTALL)
    assert context is not None
    shown = context.group(1)
    assert f'<mark class="quote">{html.escape(QUOTE)}</mark>' in shown
    before, _, after = html.unescape(re.sub(r"</?mark[^>]*>", "\x00", shown)).partition("\x00")
    assert source[:start].endswith(before)
    assert after.partition("\x00")[2] and source[start + len(QUOTE):].startswith(
        after.partition("\x00")[2].rstrip("…"))
    assert f"characters {start}–{start + len(QUOTE)}" in text
    assert 'href="/id/document/mini"' in text


def test_claim_page_shows_conflicting_claims_and_the_discrepancy(server: LiveServer) -> None:
    text = page(server, "/id/claim/mini-articles")
    conflicts = text[text.index("Conflicting claims"):]
    assert 'href="/id/claim/mini-articles-second"' in conflicts
    assert "The plan had 25 articles and page 7" in conflicts
    discrepancies = text[text.index("Discrepancies"):]
    # escaped, not interpreted: the fixture's comment holds "<page 7> & more"
    assert "&lt;page 7&gt; &amp; more" in discrepancies
    assert "<page 7>" not in text


@pytest.mark.parametrize("accept, media_type", [
    ("text/turtle", "text/turtle"),
    ("application/ld+json", "application/ld+json"),
    ("application/n-triples;q=0.9, text/html;q=0.5", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"),
])
def test_entity_as_rdf_by_accept(server: LiveServer, accept: str, media_type: str) -> None:
    reply = server.get(CLAIM, accept=accept)
    assert reply.status == 200 and reply.media_type == media_type
    assert "Accept" in reply.headers.get("vary", "")
    fmt = pyoxigraph.RdfFormat.from_media_type(media_type)
    assert fmt is not None
    triples = list(pyoxigraph.parse(reply.body, format=fmt))
    iri = "https://w3id.org/nekg/id" + CLAIM.removeprefix("/id")
    facts = {(t.subject.value, t.predicate.value, t.object.value) for t in triples}
    assert (iri, "https://w3id.org/nekg/ontology#value", "1600000000000") in facts
    assert (iri, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
            "https://w3id.org/nekg/ontology#Claim") in facts


def test_entity_as_json_ld_by_format_parameter(server: LiveServer) -> None:
    reply = server.get(REGION + "?format=jsonld", accept=HTML)
    assert reply.media_type == "application/ld+json"
    assert json.loads(reply.body)


def test_unknown_entity_is_404(server: LiveServer) -> None:
    page(server, "/id/region/atlantis", status=404)
    assert server.get("/id/region/atlantis", accept="text/turtle").status == 404
    page(server, "/id/region/bad%3Eiri%20x", status=404)


def test_public_base_maps_onto_local_paths(served_project: Project) -> None:
    from conftest import serve_settings
    from serving import live_server
    settings = serve_settings(served_project, workers=1,
                              public_id_base="https://w3id.org/nekg/id/region/")
    with live_server(settings) as live:
        text = live.get("/id/northeast-china", accept=HTML).text
        assert '<h1 id="label">Northeast China</h1>' in text


def test_downloads_page_gives_size_and_checksum(server: LiveServer,
                                                served_project: Project) -> None:
    text = page(server, "/downloads")
    summary = json.loads((served_project.dist_dir / "summary.json").read_text())
    for name in ("nekg.trig", "nekg.nq"):
        assert f'href="/download/{name}"' in text
        assert summary["files"][name]["sha256"] in text
        assert f"{summary['files'][name]['bytes']:,} bytes" in text
    assert server.get("/download/summary.json").status == 404
    assert server.get("/download/..%2Fdata").status == 404


def test_query_text_and_results_are_escaped(server: LiveServer) -> None:
    query = ('SELECT ?x ?iri WHERE { BIND("<script>alert(1)</script>" AS ?x) '
             'BIND(IRI("javascript:alert(2)") AS ?iri) } # </textarea><script>alert(3)</script>')
    text = page(server, "/?" + urlencode({"query": query}))
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert 'href="javascript:' not in text
    assert "&lt;/textarea&gt;&lt;script&gt;alert(3)" in text
