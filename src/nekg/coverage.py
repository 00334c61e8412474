"""Coverage: which number-like tokens of each archived source no claim quotes.

Completeness of the corpus is measured, not guessed. A token is covered when it
lies inside the quoted span of a citation of its source, or inside a passage of
the exclusion file (data/coverage-exclusions/<source>.tsv), which says why that number
is no claim (a page number, a footnote mark, a photo caption)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from nekg.errors import InputError
from nekg.load import Source
from nekg.namespaces import OA, RDF
from nekg.quotes import locate

_CARDINALS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred hundreds thousand thousands million millions billion billions "
    "trillion trillions dozen dozens half quarter"
).split()
_FRACTIONS = "half halves third thirds quarter quarters fifth fifths tenth tenths".split()

# Digits with their thousands separators and decimal points, a hyphenated
# fraction ("one-third"), or a cardinal number word. Ordinals ("third most
# important", "18th Congress" aside from its digits) are not counted.
NUMBER_TOKEN = re.compile(
    r"\d+(?:[.,]\d+)*"
    rf"|\b(?:{'|'.join(_CARDINALS)})-(?:{'|'.join(_FRACTIONS)})\b"
    rf"|\b(?:{'|'.join(_CARDINALS)})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Token:
    """A number-like token of a source text."""

    start: int
    end: int
    text: str
    line: int
    column: int


@dataclass
class SourceCoverage:
    """Coverage of one source: every token, and which are covered, excluded or neither."""

    document: str
    file_name: str
    covered: list[Token] = field(default_factory=list)
    excluded: list[Token] = field(default_factory=list)
    uncovered: list[Token] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.covered) + len(self.excluded) + len(self.uncovered)

    @property
    def share(self) -> float:
        """Covered or excluded, as a share of all tokens (1.0 for a text with none)."""
        return 1.0 if self.total == 0 else (self.total - len(self.uncovered)) / self.total


@dataclass(frozen=True)
class Exclusion:
    """A passage whose numbers are no claims, with the reason."""

    file_name: str
    passage: str
    reason: str
    line: int


def number_tokens(text: str) -> list[Token]:
    """Every number-like token of `text`, with its 1-based line and column."""
    tokens = []
    for match in NUMBER_TOKEN.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        tokens.append(Token(match.start(), match.end(), match.group(), line, column))
    return tokens


def read_exclusions(path: Path) -> list[Exclusion]:
    """Read the exclusion file: `file name <TAB> verbatim passage <TAB> reason` per line."""
    if not path.exists():
        return []
    exclusions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise InputError(f"{path}:{number}: expected 'file<TAB>passage<TAB>reason'")
        exclusions.append(Exclusion(parts[0].strip(), parts[1], parts[2].strip(), number))
    return exclusions


def quoted_spans(data: Graph, documents: dict[URIRef, Source]) -> dict[URIRef, list[tuple[int, int]]]:
    """The [start, end) spans of every located citation, per document."""
    spans: dict[URIRef, list[tuple[int, int]]] = {doc: [] for doc in documents}
    for position in data.subjects(RDF.type, OA.TextPositionSelector):
        for citation in data.subjects(OA.hasSelector, position):
            document = data.value(citation, OA.hasSource)
            if isinstance(document, URIRef) and document in spans:
                start = int(data.value(position, OA.start))  # type: ignore[arg-type]
                end = int(data.value(position, OA.end))  # type: ignore[arg-type]
                spans[document].append((start, end))
    return spans


def measure(
    data: Graph, sources: dict[URIRef, Source], exclusions_dir: Path
) -> list[SourceCoverage]:
    """Coverage of every archived source by the located citations in `data`.

    Raises InputError when an exclusion passage is not found exactly once in
    its source, naming the line of the exclusion file.
    """
    by_file = {source.file_name: (doc, source) for doc, source in sources.items()}
    excluded_spans: dict[str, list[tuple[int, int]]] = {name: [] for name in by_file}
    for path in sorted(exclusions_dir.glob("*.tsv")):
        for exclusion in read_exclusions(path):
            if exclusion.file_name not in by_file:
                raise InputError(f"{path}:{exclusion.line}: unknown source {exclusion.file_name}")
            try:
                span = locate(by_file[exclusion.file_name][1].text, exclusion.passage)
            except ValueError as exc:
                raise InputError(f"{path}:{exclusion.line}: {exc}") from exc
            excluded_spans[exclusion.file_name].append((span.start, span.end))

    spans = quoted_spans(data, sources)
    report = []
    for document, source in sorted(sources.items()):
        coverage = SourceCoverage(str(document), source.file_name)
        for token in number_tokens(source.text):
            if _inside(token, spans[document]):
                coverage.covered.append(token)
            elif _inside(token, excluded_spans[source.file_name]):
                coverage.excluded.append(token)
            else:
                coverage.uncovered.append(token)
        report.append(coverage)
    return report


def _inside(token: Token, spans: list[tuple[int, int]]) -> bool:
    return any(start <= token.start and token.end <= end for start, end in spans)
