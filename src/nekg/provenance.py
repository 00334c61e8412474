"""Re-verification of provenance against the archived files, now.

The built graph says which file a citation quotes, at which offsets, and which
SHA-256 the file had when the quote was made. This module checks those
statements against the files in data/sources/ and the manifest as they are at
the time of the audit, independently of the build: the file is hashed again,
and the quote is looked for again with the locate stage's own matcher
(nekg.quotes.locate), so a displaced quote is reported with where it is now.

Nothing here reads the graph; nekg.audit supplies what the graph states."""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from nekg.errors import SourceIntegrityError
from nekg.load import read_manifest
from nekg.quotes import locate

# A sentence ends at . ! ? (possibly followed by closing quotes or brackets)
# and white space before a capital letter, so that "approx. 456" and "e.g. the"
# do not end one; at the CJK 。！？; and at every line break.
_SENTENCE_END = re.compile(
    r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[*_]*[A-Z])|[。！？][”’」』）]*\s*|\n+"
)
CONTEXT_SENTENCES = 1
CONTEXT_LIMIT = 400


@dataclass(frozen=True)
class Check:
    """One check of an audit: its stable name, whether it passed, and what was found."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class ArchivedFile:
    """An archived source file as it is now: its text and SHA-256, or why it cannot be read."""

    file_name: str
    path: Path
    text: str | None
    sha256: str | None
    manifest_sha256: str | None
    error: str | None = None


class SourceFiles:
    """The archived files of one project, read and hashed once per audit.

    An audit of every claim reads each source once, not once per citation.
    """

    def __init__(self, sources_dir: Path, manifest_file: Path) -> None:
        self.sources_dir = sources_dir
        self.manifest_file = manifest_file
        self._files: dict[str, ArchivedFile] = {}
        self._pins: dict[str, str] | None = None
        self._manifest_error: str | None = None

    def _manifest(self) -> dict[str, str]:
        if self._pins is None:
            try:
                self._pins = read_manifest(self.manifest_file)
            except SourceIntegrityError as exc:
                self._pins, self._manifest_error = {}, str(exc)
        return self._pins

    def get(self, file_name: str) -> ArchivedFile:
        """The archived file `file_name`, read as UTF-8 exactly as stored, and its hashes."""
        if file_name not in self._files:
            pin = self._manifest().get(file_name)
            path = self.sources_dir / file_name
            try:
                raw = path.read_bytes()
            except OSError as exc:
                self._files[file_name] = ArchivedFile(
                    file_name, path, None, None, pin, f"cannot read {path}: {exc.strerror}")
                return self._files[file_name]
            digest = hashlib.sha256(raw).hexdigest()
            try:
                text: str | None = raw.decode("utf-8")
                error = None
            except UnicodeDecodeError as exc:
                text, error = None, f"{path} is not valid UTF-8 ({exc})"
            self._files[file_name] = ArchivedFile(file_name, path, text, digest, pin, error)
        return self._files[file_name]

    @property
    def manifest_error(self) -> str | None:
        """Why the manifest could not be read, if it could not."""
        self._manifest()
        return self._manifest_error


def file_checks(archived: ArchivedFile, recorded_sha256: str | None) -> list[Check]:
    """Checks of one archived file: readable, and hashing now to the recorded and pinned SHA-256."""
    name = archived.file_name
    if archived.sha256 is None:
        return [Check("archived-file", False, archived.error or f"{name} cannot be read")]
    checks = [Check("archived-file", archived.text is not None,
                    archived.error or f"{archived.path} is readable UTF-8")]
    if recorded_sha256 is None:
        checks.append(Check("sha256-recorded", False, "the graph records no nekg:sha256"))
    else:
        same = archived.sha256 == recorded_sha256
        checks.append(Check(
            "sha256-recorded", same,
            f"{name} hashes now to {archived.sha256}"
            + (", the SHA-256 recorded in the graph" if same
               else f", not to the SHA-256 recorded in the graph, {recorded_sha256}: "
                    "the archived file changed after the build"),
        ))
    if archived.manifest_sha256 is None:
        checks.append(Check("sha256-manifest", False,
                            f"{name} is not pinned in MANIFEST.sha256"))
    else:
        same = archived.sha256 == archived.manifest_sha256
        checks.append(Check(
            "sha256-manifest", same,
            "it is the SHA-256 pinned in MANIFEST.sha256" if same
            else f"MANIFEST.sha256 pins {archived.manifest_sha256}: the archived file is not "
                 "the pinned one",
        ))
    return checks


@dataclass(frozen=True)
class QuoteVerification:
    """A quote looked up again in the archived text."""

    found: str | None
    located: tuple[int, int] | None
    context_before: str
    context_after: str
    checks: tuple[Check, ...]


def verify_quote(
    text: str, exact: str, start: int | None, end: int | None, prefix: str = "", suffix: str = ""
) -> QuoteVerification:
    """Check that `exact` is `text[start:end]`, between its prefix and suffix, and found only there.

    Offsets are code points, end exclusive. The context shown is the quote's
    own sentence(s) and one more on each side, at the offsets where the quote
    actually is (or, when it is not found, at the recorded offsets).
    """
    checks: list[Check] = []
    found = None
    if start is None or end is None:
        checks.append(Check("quote-offsets", False, "the citation has no oa:start/oa:end"))
    else:
        found = text[start:end]
        ok = found == exact
        checks.append(Check(
            "quote-offsets", ok,
            f"the archived text at offsets {start}-{end} is the quote" if ok
            else f"the archived text at offsets {start}-{end} is {_clip(found)!r}, not the quote",
        ))
        before_ok = not prefix or text[max(0, start - len(prefix)):start] == prefix
        after_ok = not suffix or text[end:end + len(suffix)] == suffix
        checks.append(Check(
            "quote-context", before_ok and after_ok,
            "the quote's oa:prefix and oa:suffix surround it" if before_ok and after_ok
            else "the text around the offsets is not the quote's "
                 + " and ".join(n for n, ok_ in (("oa:prefix", before_ok), ("oa:suffix", after_ok))
                                if not ok_),
        ))
    located: tuple[int, int] | None = None
    try:
        span = locate(text, exact, prefix, suffix)
        located = (span.start, span.end)
        same = (start, end) == located
        shift = "" if start is None else f" (shifted by {span.start - start:+d})"
        checks.append(Check(
            "quote-located", same,
            "the quote occurs once in the archived text, at these offsets" if same
            else f"the quote occurs once in the archived text, at offsets "
                 f"{span.start}-{span.end}{shift}",
        ))
    except ValueError as exc:
        checks.append(Check("quote-located", False, str(exc)))
    at = located or ((start, end) if start is not None and end is not None else None)
    before, after = context(text, *at) if at else ("", "")
    return QuoteVerification(found, located, before, after, tuple(checks))


def context(text: str, start: int, end: int, sentences: int = CONTEXT_SENTENCES,
            limit: int = CONTEXT_LIMIT) -> tuple[str, str]:
    """The text before and after [start, end): the rest of the quote's sentences and
    `sentences` more on each side, at most `limit` characters each way."""
    ends = _sentence_ends(text)
    starts_before = [0, *ends[:bisect.bisect_right(ends, start)]]
    begin = starts_before[max(0, len(starts_before) - 1 - sentences)]
    after_ends = [*ends[bisect.bisect_right(ends, end):], len(text)]
    stop = after_ends[min(len(after_ends) - 1, sentences)]
    begin = max(begin, start - limit)
    stop = min(stop, end + limit)
    before, after = text[begin:start], text[end:stop]
    return (("…" if begin > 0 and begin == start - limit else "") + before,
            after + ("…" if stop < len(text) and stop == end + limit else ""))


@functools.lru_cache(maxsize=16)
def _sentence_ends(text: str) -> list[int]:
    """Offsets just after each sentence end of `text` (cached: an audit asks for many quotes
    of one text)."""
    return [m.end() for m in _SENTENCE_END.finditer(text)]


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
