"""The errors nekg raises. Each carries where the problem is (file and line, or
the claim IRI) so that the person who must fix it knows where to look."""

from __future__ import annotations


class NekgError(Exception):
    """Base of nekg's errors; `exit_code` is what the command line returns."""

    exit_code = 2


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
