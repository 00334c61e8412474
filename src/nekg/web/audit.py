"""The audit pages: /audit, the discrepancy report of the whole graph, and
/audit/claim/<slug>, the provenance audit of one claim.

The audit re-verifies quotes against the archived files as well as against the
graph, so it runs in the web process on its own read-only store of the
dataset (loaded on first use and kept for the application's life); the query
workers answer only SPARQL."""

from __future__ import annotations

import pyoxigraph
from flask import Blueprint, abort, current_app

from nekg.audit import CLAIM_BASE, audit_claim, discrepancy_report, resolve_claim
from nekg.audit_render import render_html
from nekg.errors import InputError
from nekg.project import Project
from nekg.store import load_dataset
from nekg.web import services
from nekg.web.pages import href

blueprint = Blueprint("audit", __name__)

_STORE_KEY = "audit-store"


def _store() -> pyoxigraph.Store:
    shared = services(current_app)
    store = shared.cache.get(_STORE_KEY)
    if store is None:
        store = load_dataset(shared.settings.dist_dir)
        shared.cache[_STORE_KEY] = store
    assert isinstance(store, pyoxigraph.Store)
    return store


def _project() -> Project:
    return Project(services(current_app).settings.project_root.resolve())


@blueprint.route("/audit")
def report() -> str:
    """The discrepancy report: every check over the graph, with recorded explanations."""
    return render_html(discrepancy_report(_store(), _project()), standalone=True, link=href)


@blueprint.route("/audit/claim/<slug>")
def claim(slug: str) -> str:
    """The provenance audit of one claim; 404 when the graph has no such claim."""
    store = _store()
    try:
        iri = resolve_claim(store, CLAIM_BASE + slug)
    except InputError:
        abort(404, description=f"no claim {slug!r} in the graph")
    if iri != CLAIM_BASE + slug:
        abort(404, description=f"no claim {slug!r} in the graph")
    return render_html(audit_claim(store, _project(), iri), standalone=True, link=href)
