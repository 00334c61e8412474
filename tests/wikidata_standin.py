"""A local stand-in for the Wikidata Query Service, for the federated queries
of the query library: a tiny SPARQL protocol server on 127.0.0.1 answering
from a pyoxigraph store that holds a Wikidata-shaped extract of the Natural
Earth files in data/wikidata/.

The extract uses Wikidata's own IRIs and shapes, so that a query written for
https://query.wikidata.org/sparql runs unchanged against it:

- `wd:Q…` items with `rdfs:label` in English and Chinese;
- `wdt:P300` (ISO 3166-2 code) and `wdt:P17` (country) for the provinces of
  natural-earth-admin1.csv;
- `wdt:P1082` (population, xsd:decimal as Wikidata writes quantities) and
  `wdt:P131` (located in the province, from Natural Earth's admin-1 name) for
  the places of natural-earth-places.csv;
- `wdt:P625` (coordinates, a GeoSPARQL `Point(longitude latitude)`) for both.

An item listed twice keeps its first row (Natural Earth puts Q92381 on two
Baicheng and Q71323 on two Jingmen; data/wikidata/natural-earth-SOURCE.md),
and a province that is also a populated place (Beijing, Shanghai, Tianjin,
Chongqing) keeps its admin-1 labels and coordinates, so that each item has one
label per language and one coordinate, as on Wikidata.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pyoxigraph

WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
WKT_LITERAL = "http://www.opengis.net/ont/geosparql#wktLiteral"
COUNTRIES = {"China": "Q148", "Russia": "Q159"}

#: Natural Earth's admin-1 names in the places file that differ from the admin-1 file's
ADMIN1_ALIASES = {"Nei Mongol": "Inner Mongolia", "Xinjiang Uygur": "Xinjiang",
                  "Ningxia Hui": "Ningxia", "Xizang": "Tibet"}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def wikidata_quads(wikidata_dir: Path) -> list[pyoxigraph.Quad]:
    """The Wikidata-shaped extract of natural-earth-admin1.csv and natural-earth-places.csv."""
    quads: list[pyoxigraph.Quad] = []
    seen: set[tuple[str, str]] = set()  # (item, property) already given a single value

    def add(item: str, prop: str, value: pyoxigraph.NamedNode | pyoxigraph.Literal,
            single: str | None = None) -> None:
        if single is not None:
            if (item, single) in seen:
                return
            seen.add((item, single))
        quads.append(pyoxigraph.Quad(pyoxigraph.NamedNode(WD + item),
                                     pyoxigraph.NamedNode(prop), value))

    def point(row: dict[str, str]) -> pyoxigraph.Literal:
        return pyoxigraph.Literal(f"Point({row['longitude']} {row['latitude']})",
                                  datatype=pyoxigraph.NamedNode(WKT_LITERAL))

    def labels_and_point(item: str, row: dict[str, str]) -> None:
        add(item, RDFS_LABEL, pyoxigraph.Literal(row["name_en"], language="en"), "label-en")
        add(item, RDFS_LABEL, pyoxigraph.Literal(row["name_zh"], language="zh"), "label-zh")
        add(item, WDT + "P625", point(row), "P625")

    provinces: dict[str, str] = {}
    for row in _read(wikidata_dir / "natural-earth-admin1.csv"):
        item = row["wikidata_id"]
        provinces[row["name_en"]] = item
        labels_and_point(item, row)
        add(item, WDT + "P300", pyoxigraph.Literal(row["iso_3166_2"]), "P300")
        add(item, WDT + "P17", pyoxigraph.NamedNode(WD + COUNTRIES[row["admin"]]), "P17")
    for row in _read(wikidata_dir / "natural-earth-places.csv"):
        item = row["wikidata_id"]
        if (item, "P1082") in seen:
            continue  # a second row for the same item: keep the first
        labels_and_point(item, row)
        add(item, WDT + "P1082", pyoxigraph.Literal(
            row["population"], datatype=pyoxigraph.NamedNode(XSD_DECIMAL)), "P1082")
        province = provinces.get(ADMIN1_ALIASES.get(row["admin1_name"], row["admin1_name"]))
        if province is not None and province != item:
            add(item, WDT + "P131", pyoxigraph.NamedNode(WD + province), "P131")
        add(item, WDT + "P17", pyoxigraph.NamedNode(WD + COUNTRIES["China"]), "P17")
    return quads


def wikidata_store(wikidata_dir: Path) -> pyoxigraph.Store:
    """A new in-memory store holding `wikidata_quads(wikidata_dir)`."""
    store = pyoxigraph.Store()
    store.extend(wikidata_quads(wikidata_dir))
    return store


def _handler(store: pyoxigraph.Store) -> type[BaseHTTPRequestHandler]:
    class SparqlHandler(BaseHTTPRequestHandler):
        """SPARQL 1.1 protocol, query only: GET ?query=, POST form or application/sparql-query."""

        def do_GET(self) -> None:
            self._answer(parse_qs(urlparse(self.path).query).get("query", [""])[0])

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8")
            if self.headers.get("Content-Type", "").startswith("application/sparql-query"):
                self._answer(body)
            else:
                self._answer(parse_qs(body).get("query", [""])[0])

        def _answer(self, query: str) -> None:
            try:
                results = store.query(query)
            except SyntaxError as exc:
                self._send(400, "text/plain", str(exc).encode("utf-8"))
                return
            if isinstance(results, pyoxigraph.QueryTriples):
                self._send(400, "text/plain", b"the stand-in answers SELECT and ASK only")
                return
            body = results.serialize(format=pyoxigraph.QueryResultsFormat.JSON)
            assert body is not None
            self._send(200, "application/sparql-results+json", body)

        def _send(self, status: int, media_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the tests read results, not access logs."""

    return SparqlHandler


@contextmanager
def serving(store: pyoxigraph.Store) -> Iterator[str]:
    """Serve `store` on 127.0.0.1 (a free port) while the block runs; yields the endpoint URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(store))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
