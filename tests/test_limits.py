"""The endpoint's safety limits, each shown to stop the work it limits:

- SERVICE to an endpoint outside the allowlist is refused before any
  connection is attempted (a listening socket on 127.0.0.1 sees none; the
  same query with that socket allowlisted does reach it, so the probe works);
- a query over the time limit is answered 503 in time, and its worker process
  is gone (killed and reaped) and replaced;
- a result over the row cap is cut, announced, and produced quickly by the
  same worker: the engine stopped pulling rows instead of being killed."""

from __future__ import annotations

import os
import select
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from conftest import serve_settings
from serving import LiveServer, live_server

from nekg.project import Project

#: about 1000 triples in the mini dataset: three of them joined give ~10^9 rows, four ~10^12
HUGE_COUNT = ("SELECT (COUNT(*) AS ?n) WHERE "
              "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
HUGE_SELECT = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
TIME_LIMIT = 1.5
ROW_CAP = 5


def query_path(query: str, **params: str) -> str:
    return "/sparql?" + urlencode({"query": query, **params})


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP socket listening on 127.0.0.1 that records whether anyone connects."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    try:
        yield sock
    finally:
        sock.close()


def connection_attempted(sock: socket.socket, wait: float) -> bool:
    readable, _, _ = select.select([sock], [], [], wait)
    if readable:
        connection, _ = sock.accept()
        connection.close()
    return bool(readable)


def refused_queries(target: str) -> dict[str, str]:
    base, _, local = target.rpartition("/")
    return {
        "iri": f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
        "silent lowercase": f"select * where {{ service silent <{target}> {{ ?s ?p ?o }} }}",
        "no spaces": f"SELECT * WHERE{{SERVICE<{target}>{{?s ?p ?o}}}}",
        "prefixed name": f"PREFIX e: <{base}/> SELECT * WHERE {{ SERVICE e:{local} {{ ?s ?p ?o }} }}",
        "relative to BASE": f"BASE <{base}/> SELECT * WHERE {{ SERVICE <{local}> {{ ?s ?p ?o }} }}",
        "variable": f"SELECT * WHERE {{ BIND(<{target}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        "in a subquery": f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{target}> "
                         f"{{ ?s ?p ?o }} }} }} }}",
        "after a comment and a string": f'SELECT * WHERE {{ # "\n BIND("#" AS ?x) '
                                        f"SERVICE <{target}> {{ ?s ?p ?o }} }}",
        "escaped name before it": f"PREFIX e: <{base}/> SELECT * WHERE {{ e:a\\# ?p ?o . "
                                  f"SERVICE <{target}> {{ ?s ?p ?o }} }}",
    }


@pytest.mark.parametrize("case", sorted(refused_queries("http://h/p")))
def test_service_outside_the_allowlist_is_refused_unconnected(
        server: LiveServer, listener: socket.socket, case: str) -> None:
    port = listener.getsockname()[1]
    query = refused_queries(f"http://127.0.0.1:{port}/sparql")[case]
    reply = server.get(query_path(query))
    assert reply.status == 403, reply.text
    assert "SERVICE" in reply.text and "refused" in reply.text
    assert not connection_attempted(listener, wait=0.5)


def test_service_in_a_string_or_comment_is_not_a_service_call(server: LiveServer) -> None:
    query = ('SELECT ?x WHERE { # SERVICE <http://127.0.0.1:9/> { }\n'
             '  BIND("SERVICE <http://127.0.0.1:9/> {}" AS ?x) }')
    assert server.get(query_path(query)).status == 200


def test_allowlisted_service_is_called(served_project: Project,
                                       listener: socket.socket) -> None:
    """The control: the same probe does see a connection when the target is allowed."""
    target = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    settings = serve_settings(served_project, service_allowlist=(target,), workers=1)
    with live_server(settings) as live, ThreadPoolExecutor(1) as background:
        sent = background.submit(live.get, query_path(
            f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"))
        assert connection_attempted(listener, wait=5)
        reply = sent.result(timeout=10)
        assert reply.status == 500  # the probe hung up: the engine failed, and says so
        assert "evaluation failed" in reply.text


@pytest.fixture(scope="module")
def limited(served_project: Project) -> Iterator[LiveServer]:
    settings = serve_settings(served_project, query_timeout=TIME_LIMIT, max_rows=ROW_CAP,
                              workers=1)
    with live_server(settings) as live:
        yield live


def _wait_for_worker(live: LiveServer, not_pid: int, within: float = 30) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        pids = live.pool.pids()
        if pids and not_pid not in pids:
            return pids[0]
        time.sleep(0.05)
    raise AssertionError("no replacement worker started")


def test_time_limit_kills_the_query_and_its_worker(limited: LiveServer) -> None:
    [pid] = limited.pool.pids()
    killed = limited.pool.killed
    started = time.monotonic()
    reply = limited.get(query_path(HUGE_COUNT))
    elapsed = time.monotonic() - started
    assert reply.status == 503, reply.text
    assert f"time limit of {TIME_LIMIT:g} s" in reply.text
    assert TIME_LIMIT <= elapsed < TIME_LIMIT + 2.0
    assert limited.pool.killed == killed + 1
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone, and reaped: no process is left running the query
    replacement = _wait_for_worker(limited, pid)
    assert replacement != pid
    assert limited.get(query_path("ASK {}")).status == 200


def test_row_cap_cuts_the_result_and_stops_the_engine(limited: LiveServer) -> None:
    _wait_for_worker(limited, -1)
    [pid] = limited.pool.pids()
    started = time.monotonic()
    reply = limited.get(query_path(HUGE_SELECT), accept="text/tab-separated-values")
    elapsed = time.monotonic() - started
    assert reply.status == 200, reply.text
    assert reply.headers["x-sparql-maxrows"] == str(ROW_CAP)
    assert len(reply.text.strip("\n").split("\n")) == 1 + ROW_CAP
    # ~10^9 rows could not have been produced in this time: the engine stopped
    assert elapsed < TIME_LIMIT
    assert limited.pool.pids() == [pid]


def test_row_cap_applies_to_graphs(limited: LiveServer) -> None:
    reply = limited.get(query_path(
        "CONSTRUCT { ?a ?b ?g } WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"),
        accept="application/n-triples")
    assert reply.status == 200
    assert reply.headers["x-sparql-maxrows"] == str(ROW_CAP)
    assert len(reply.text.strip().splitlines()) <= ROW_CAP


@pytest.mark.parametrize("values, cut", [(ROW_CAP, False), (ROW_CAP + 1, True)])
def test_row_cap_boundary(limited: LiveServer, values: int, cut: bool) -> None:
    numbers = " ".join(str(i) for i in range(values))
    reply = limited.get(query_path(f"SELECT ?x WHERE {{ VALUES ?x {{ {numbers} }} }}"),
                        accept="text/csv")
    assert len(reply.text.strip().splitlines()) == 1 + ROW_CAP
    assert ("x-sparql-maxrows" in reply.headers) is cut


def test_limits_are_stated_on_the_page(limited: LiveServer) -> None:
    page = limited.get("/", accept="text/html").text
    assert f"Each query may run for {TIME_LIMIT:g} seconds" in page
    assert f"Results are cut after {ROW_CAP} rows" in page


def test_time_limit_on_the_query_page(limited: LiveServer) -> None:
    reply = limited.get("/?" + urlencode({"query": HUGE_COUNT}), accept="text/html")
    assert reply.status == 503
    assert "time limit" in reply.text
    _wait_for_worker(limited, -1)
