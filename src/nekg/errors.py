"""The errors nekg raises. Each carries where the problem is (file and line, or
the claim IRI) so that the person who must fix it knows where to look."""

from __future__ import annotations


class NekgError(Exception):
    """Base of nekg's errors; `exit_code` is what the command line returns.

    Errors pickle with their attributes (query workers send them to the
    server), whatever their constructor's signature.
    """

    exit_code = 2

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(cls: type[NekgError], args: tuple[object, ...], state: dict[str, object]) -> NekgError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class InputError(NekgError):
    """The project's input is wrong: a file, a quote, a source text."""


class TurtleSyntaxError(InputError):
    """A Turtle file does not parse; names the file and line."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: Turtle syntax error: {message}")


class QuoteError(InputError):
    """A citation's quote is not found verbatim, or is found more than once."""

    def __init__(self, citation: str, claims: list[str], message: str) -> None:
        self.citation = citation
        self.claims = claims
        named = ", ".join(claims) if claims else "(no claim cites it)"
        super().__init__(f"claim {named}: citation {citation}: {message}")


class QuoteErrors(InputError):
    """All the quote errors of one build, reported together."""

    def __init__(self, errors: list[QuoteError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class SourceIntegrityError(InputError):
    """An archived source is missing, not UTF-8, or not pinned in the manifest."""


class ValidationFailed(NekgError):
    """SHACL or a whole-graph check found violations; nothing was written."""

    exit_code = 1

    def __init__(self, report_text: str) -> None:
        self.report_text = report_text
        super().__init__(report_text)


class QueryError(InputError):
    """A SPARQL request that cannot be run as given; `status` is its HTTP status."""

    status = 400


class QuerySyntaxError(QueryError):
    """The query does not parse; carries the parser's message, line and column."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.line = line
        self.column = column
        super().__init__(message)


class ReadOnlyError(QueryError):
    """An update (or any other write) was sent to the read-only endpoint."""

    status = 403


class ServiceNotAllowed(QueryError):
    """A SERVICE clause names an endpoint outside the allowlist (refused unrun)."""

    status = 403

    def __init__(self, target: str, allowlist: tuple[str, ...]) -> None:
        self.target = target
        self.allowlist = allowlist
        allowed = ", ".join(f"<{iri}>" for iri in allowlist) or "none"
        super().__init__(
            f"SERVICE {target} refused: federated queries may only call {allowed}"
        )


class NoAcceptableFormat(QueryError):
    """No result format that the client accepts exists for this query form."""

    status = 406

    def __init__(self, form: str, offered: tuple[str, ...]) -> None:
        self.form = form
        self.offered = offered
        super().__init__(
            f"no acceptable format for {form} results; this endpoint offers "
            + ", ".join(offered)
        )


class QueryRuntimeError(NekgError):
    """A well-formed query that could not be run to completion."""

    exit_code = 1
    status = 500


class QueryTimeout(QueryRuntimeError):
    """The query ran past the time limit and its worker process was killed."""

    status = 503

    def __init__(self, limit: float, elapsed: float) -> None:
        self.limit = limit
        self.elapsed = elapsed
        super().__init__(
            f"query stopped after {elapsed:.2f} s: it exceeded the time limit of {limit:g} s "
            "(the work was killed; narrow the query, add a LIMIT, or run it locally "
            "with `nekg query`)"
        )


class EngineUnavailable(QueryRuntimeError):
    """No query worker became free in time (all busy, or being restarted)."""

    status = 503


class QueryFailed(QueryRuntimeError):
    """The engine failed while evaluating a query (a SERVICE call failed, a worker died)."""
