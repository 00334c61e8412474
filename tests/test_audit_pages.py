"""The audit over the web: /audit shows the discrepancy report of the served
graph, /audit/claim/<slug> the provenance audit of one claim, escaped HTML."""

from __future__ import annotations

from serving import LiveServer

HTML = "text/html"


def test_discrepancy_report_page_lists_the_recorded_discrepancy(server: LiveServer) -> None:
    reply = server.get("/audit", accept=HTML)
    assert reply.status == 200, reply.text
    assert reply.media_type == "text/html"
    assert "mini-articles-twice" in reply.text
    assert "/id/claim/mini-articles-second" in reply.text


def test_claim_audit_page_verifies_the_quote(server: LiveServer) -> None:
    reply = server.get("/audit/claim/mini-funding-2016", accept=HTML)
    assert reply.status == 200, reply.text
    assert "In 2016, it was announced that 1.6 trillion RMB would be used" in reply.text
    assert "verified" in reply.text.lower()


def test_unknown_claim_audit_is_404(server: LiveServer) -> None:
    assert server.get("/audit/claim/no-such-claim", accept=HTML).status == 404
    assert server.get("/audit/claim/mini", accept=HTML).status == 404


def test_claim_page_links_to_its_audit(server: LiveServer) -> None:
    reply = server.get("/id/claim/mini-funding-2016", accept=HTML)
    assert reply.status == 200
    assert 'href="/audit/claim/mini-funding-2016"' in reply.text
