"""The web application: the SPARQL 1.1 Protocol at /sparql, pages for people
at / and /id/..., the dataset's downloads and VoID description.

`create_app(settings)` builds a fresh application around a fresh pool of
query workers (no module-level app or store). Blueprints, one per concern:
`sparql` (the protocol only), `pages` (HTML and linked-data dereferencing),
`dataset` (downloads, VoID), `audit` (provenance audits and the discrepancy
report). One error handler answers every failure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask, Response

from nekg.engine import QueryPool
from nekg.errors import InputError
from nekg.settings import Settings
from nekg.store import DATASET_FILE

EXTENSION = "nekg"


class Services:
    """What the views share: the settings, the query pool, the build summary."""

    def __init__(self, settings: Settings, pool: QueryPool) -> None:
        self.settings = settings
        self.pool = pool
        self.cache: dict[str, Any] = {}

    @property
    def summary(self) -> dict[str, Any]:
        """dist/summary.json, or {} for a dataset that was not written by `nekg build`."""
        path = self.settings.dist_dir / "summary.json"
        if not path.exists():
            return {}
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data


def create_app(settings: Settings, pool: QueryPool | None = None) -> Flask:
    """A new application serving the dataset in settings.dist_dir.

    Starts a pool of query workers unless one is given; stop it with
    `close_app(app)`. Raises InputError when there is no built dataset.
    """
    dataset: Path = settings.dist_dir / DATASET_FILE
    if not dataset.exists():
        raise InputError(f"{dataset}: no built dataset; run `nekg build` first")
    if pool is None:
        pool = QueryPool(dataset, settings.workers, settings.query_timeout,
                         settings.worker_memory_mb)
        pool.start()
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_request_bytes,
        JSON_SORT_KEYS=False,
    )
    app.extensions[EXTENSION] = Services(settings, pool)

    from nekg.web import audit, errors, pages, sparql
    from nekg.web import dataset as dataset_views

    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(dataset_views.blueprint)
    app.register_blueprint(audit.blueprint)
    errors.register(app)

    @app.after_request
    def cors(response: Response) -> Response:
        response.headers["Access-Control-Allow-Origin"] = settings.cors_origin
        response.headers["Access-Control-Expose-Headers"] = (
            "Content-Type, Content-Length, X-SPARQL-MaxRows, X-NEKG-Rows, Server-Timing"
        )
        return response

    return app


def services(app: Flask) -> Services:
    """The shared services of `app`."""
    found = app.extensions[EXTENSION]
    assert isinstance(found, Services)
    return found


def close_app(app: Flask) -> None:
    """Stop the app's query workers."""
    services(app).pool.close()
