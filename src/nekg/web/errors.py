"""The one error handler: every failure of a request becomes a response with
the right status and a message a person can act on.

Bad input is answered 4xx with the reason (the parser's message and
position for a malformed query); a query stopped by the time limit 503; a
bug 500, logged with its traceback, never disguised as bad input."""

from __future__ import annotations

from http import HTTPStatus

from flask import Flask, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from nekg.errors import NekgError

TEXT = "text/plain; charset=utf-8"


def register(app: Flask) -> None:
    """Install the handler for every exception a view can raise."""
    app.register_error_handler(Exception, handle)


def handle(error: Exception) -> Response:
    """The response for `error`: plain text for programs, HTML for people."""
    headers: dict[str, str] = {}
    if isinstance(error, HTTPException):
        status = error.code or 500
        message = error.description or error.name
        allowed = getattr(error, "valid_methods", None)
        if allowed:
            headers["Allow"] = ", ".join(allowed)
    elif isinstance(error, NekgError):
        status = int(getattr(error, "status", 400))
        message = str(error)
    else:
        current_app.logger.exception("internal error answering %s %s", request.method,
                                     request.path)
        status = 500
        message = "internal error: this is a bug in nekg; it has been logged"
    if status == 503:
        headers["Retry-After"] = "5"
    if _wants_html():
        body = render_template("error.html", status=status, message=message)
        response = Response(body, status=status, content_type="text/html; charset=utf-8")
    else:
        response = Response(f"{status} {_reason(status)}: {message}\n", status=status,
                            content_type=TEXT)
    response.headers.update(headers)
    return response


def _wants_html() -> bool:
    if request.path.startswith("/sparql"):
        return False
    accept = request.accept_mimetypes
    return bool(accept) and accept.best_match(["text/plain", "text/html"]) == "text/html"


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
