"""Latency of example queries through the endpoint (HTTP on 127.0.0.1) next to
the same queries run directly on pyoxigraph in this process.

Not a test: a measurement to run by hand on a built project, e.g.

    .venv/bin/python bench/endpoint_latency.py            # the project in .
    .venv/bin/python bench/endpoint_latency.py -C DIR --runs 50

The queries are the project's query library (queries/**/*.rq) when it has
one, and tests/fixtures/queries/*.rq otherwise; queries that call SERVICE are
left out (they measure the remote endpoint, and need the network). Both sides produce the complete
SPARQL JSON results document: directly, pyoxigraph's query and serializer;
through HTTP, the same plus the protocol, the worker process and the row cap.
Prints the median and the 95th percentile of each, in milliseconds.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph
import waitress
from waitress import wasyncore

from nekg.serve import waitress_options
from nekg.settings import Settings
from nekg.store import load_dataset
from nekg.web import close_app, create_app

HERE = Path(__file__).resolve().parent.parent


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


def direct(store: pyoxigraph.Store, query: str) -> int:
    result = store.query(query, use_default_graph_as_union=True)
    if isinstance(result, pyoxigraph.QueryTriples):
        body = pyoxigraph.serialize(result, format=pyoxigraph.RdfFormat.N_TRIPLES)
    else:
        body = result.serialize(format=pyoxigraph.QueryResultsFormat.JSON)
    return len(body or b"")


def over_http(connection: http.client.HTTPConnection, query: str) -> int:
    connection.request("GET", "/sparql?" + urlencode({"query": query}), headers={
        "Accept": "application/sparql-results+json, application/n-triples"})
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise Refused(f"HTTP {response.status}")
    return len(body)


class Refused(Exception):
    """The endpoint did not answer 200 (a query stopped by the time limit: 503)."""


def measure(run: Callable[[], int], runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        run()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-C", "--directory", default=".", help="built project (default .)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    settings = Settings.load(project_root=Path(args.directory).resolve(), port=0)
    files = sorted(settings.project.queries_dir.rglob("*.rq")) or sorted(
        (HERE / "tests" / "fixtures" / "queries").glob("*.rq"))
    files = [f for f in files if "SERVICE" not in f.read_text(encoding="utf-8").upper()]
    if not files:
        raise SystemExit("no queries to measure")
    store = load_dataset(settings.dist_dir)

    app = create_app(settings)
    server = waitress.create_server(app, host="127.0.0.1", port=0,
                                    **waitress_options(settings))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            wasyncore.loop(timeout=0.05, map=server._map, count=1)
        server.task_dispatcher.shutdown()
        wasyncore.close_all(server._map)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = server.effective_port  # type: ignore[union-attr]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    print(f"dataset: {settings.dist_dir / 'nekg.nq'} ({len(store)} quads); "
          f"{args.runs} runs after {args.warmup} warm-up runs; times in ms", file=sys.stderr)
    header = (f"{'query':52} {'bytes':>8}  {'HTTP median':>11} {'HTTP p95':>9}  "
              f"{'direct median':>13} {'direct p95':>10}")
    print(header)
    print("-" * len(header))
    try:
        medians: list[tuple[float, float]] = []
        for path in files:
            query = path.read_text(encoding="utf-8")
            name = path.relative_to(path.parents[1]).as_posix()
            try:
                size = over_http(connection, query)
            except Refused as refused:
                started = time.perf_counter()
                direct(store, query)
                once = (time.perf_counter() - started) * 1000
                print(f"{name:52} {'-':>8}  {refused!s:>21}  {once:>13.2f} (one run)")
                continue
            through = measure(lambda q=query: over_http(connection, q), args.runs, args.warmup)
            local = measure(lambda q=query: direct(store, q), args.runs, args.warmup)
            print(f"{name:52} {size:>8}  {statistics.median(through):>11.2f} "
                  f"{percentile(through, 0.95):>9.2f}  {statistics.median(local):>13.2f} "
                  f"{percentile(local, 0.95):>10.2f}")
            medians.append((statistics.median(through), statistics.median(local)))
        overhead = [h - d for h, d in medians]
        print(f"{len(medians)} queries; HTTP minus direct, per query median: "
              f"median {statistics.median(overhead):.2f} ms, max {max(overhead):.2f} ms")
    finally:
        connection.close()
        stop.set()
        thread.join(timeout=10)
        close_app(app)


if __name__ == "__main__":
    main()
