"""Load stage: parse the ontology and curated Turtle, read the archived sources.

Guarantees: a syntax error names the file and line; an archived source is read
as UTF-8 exactly as stored (no newline translation), so that code-point offsets
and SHA-256 are those of the file's bytes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

from nekg.errors import SourceIntegrityError, TurtleSyntaxError
from nekg.namespaces import NEKG, XSD
from nekg.project import Project


def parse_turtle(path: Path, into: Graph | None = None) -> Graph:
    """Parse one Turtle file into `into` (or a new graph).

    Raises TurtleSyntaxError naming the file and line, including for an
    unbound prefix.
    """
    graph = into if into is not None else Graph()
    try:
        graph.parse(path, format="turtle")
    except BadSyntax as exc:
        raise TurtleSyntaxError(str(path), exc.lines + 1, exc._why) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise TurtleSyntaxError(str(path), None, str(exc)) from exc
    return graph


def parse_files(paths: list[Path]) -> Graph:
    """Parse several Turtle files into one graph."""
    graph = Graph()
    for path in paths:
        parse_turtle(path, into=graph)
    return graph


@dataclass(frozen=True)
class Source:
    """An archived source text with its pinned and its actual SHA-256."""

    file_name: str
    text: str
    pinned_sha256: str
    actual_sha256: str


def read_manifest(path: Path) -> dict[str, str]:
    """Read a `sha256sum`-format manifest: file name -> pinned SHA-256."""
    if not path.exists():
        raise SourceIntegrityError(f"{path}: the manifest of archived sources is missing")
    pins: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise SourceIntegrityError(f"{path}:{number}: expected '<sha256>  <file name>'")
        pins[name.strip()] = digest.lower()
    return pins


def read_source(project: Project, file_name: str, pins: dict[str, str]) -> Source:
    """Read one archived source; raises SourceIntegrityError if absent or unpinned."""
    path = project.sources_dir / file_name
    if file_name not in pins:
        raise SourceIntegrityError(f"{project.manifest_file}: {file_name} is not pinned")
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise SourceIntegrityError(f"{path}: archived source is missing") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceIntegrityError(f"{path}: not valid UTF-8 ({exc})") from exc
    return Source(file_name, text, pins[file_name], hashlib.sha256(raw).hexdigest())


def attach_sources(project: Project, data: Graph) -> tuple[dict[URIRef, Source], Graph]:
    """Read the archived text of every document that has nekg:archivedFile.

    Records the pinned SHA-256 on the document in `data` and returns the texts,
    plus a sources graph holding each text as nekg:text (so that SPARQL and
    SHACL can check quotes and hashes against it).
    """
    pins = read_manifest(project.manifest_file)
    sources: dict[URIRef, Source] = {}
    graph = Graph()
    for document, file_name in sorted(data.subject_objects(NEKG.archivedFile)):
        if not isinstance(document, URIRef):
            continue
        source = read_source(project, str(file_name), pins)
        sources[document] = source
        data.set((document, NEKG.sha256, Literal(source.pinned_sha256)))
        graph.add((document, NEKG.text, Literal(source.text, datatype=XSD.string)))
    return sources, graph
