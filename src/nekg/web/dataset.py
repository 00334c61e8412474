"""The dataset as files and as a description: downloads of the built TriG and
N-Quads (with their SHA-256 as ETag) and the VoID description at
/.well-known/void (RFC 5785 location named by the VoID specification)."""

from __future__ import annotations

import base64

from flask import Blueprint, Response, abort, current_app, redirect, send_from_directory, url_for
from werkzeug.wrappers import Response as BaseResponse

from nekg.errors import NoAcceptableFormat
from nekg.sparql import GRAPH_FORMATS
from nekg.web import services
from nekg.web.describe import DOWNLOADS, downloads, serialize, void_description
from nekg.web.sparql import content_type, description_format

blueprint = Blueprint("dataset", __name__)


@blueprint.route("/.well-known/void")
def void() -> BaseResponse:
    """VoID with statistics; Turtle unless Accept asks for another RDF format."""
    chosen = description_format()
    if chosen == "text/html":
        return redirect(url_for("pages.downloads"), code=303)
    if chosen is None:
        raise NoAcceptableFormat("the VoID description", tuple(GRAPH_FORMATS))
    shared = services(current_app)
    files = {f["name"]: url_for("dataset.download", name=f["name"], _external=True)
             for f in downloads(shared)}
    turtle = void_description(shared, url_for("dataset.void", _external=True),
                              url_for("sparql.endpoint", _external=True), files)
    response = Response(serialize(turtle, chosen), content_type=content_type(chosen))
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/download/<name>")
def download(name: str) -> BaseResponse:
    """One dataset file, as built; 404 for any other name."""
    if name not in DOWNLOADS:
        abort(404)
    shared = services(current_app)
    found = {f["name"]: f for f in downloads(shared)}
    if name not in found:
        abort(404)
    response = send_from_directory(shared.settings.dist_dir, name,
                                   mimetype=DOWNLOADS[name], as_attachment=True,
                                   etag=found[name]["sha256"] or True)
    if found[name]["sha256"]:
        digest = base64.b64encode(bytes.fromhex(found[name]["sha256"])).decode("ascii")
        response.headers["Repr-Digest"] = f"sha-256=:{digest}:"
    return response
