"""Query workers: separate processes that each load the dataset and run one
query at a time, so that a query over its time limit can really be stopped.

A pyoxigraph query cannot be interrupted from Python, and a thread cannot be
killed. So each query runs in a worker process; when it passes the time
limit the worker is killed (SIGKILL: the work stops at once, its memory is
returned) and a fresh worker, loading the dataset anew, takes its place in
the background. A worker also runs under an address-space limit, so that a
query that would exhaust memory kills its own worker, not the machine.

Guarantees: `QueryPool.run` returns within about `timeout` seconds plus the
time spent waiting for a free worker (at most `timeout` again), or raises."""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Self

from nekg.errors import EngineUnavailable, NekgError, QueryFailed, QueryTimeout
from nekg.sparql import QueryJob, QueryOutcome

log = logging.getLogger(__name__)

#: seconds a new worker may take to load the dataset
STARTUP_TIMEOUT = 120.0


def _worker_main(conn: Connection, dataset: str, memory_mb: int) -> None:
    """Body of a worker process: load the dataset, then answer jobs until told to stop.

    Known failures travel back as ("error", exception); anything else as
    ("bug", traceback text), so that the server answers 500 for it.
    """
    if memory_mb > 0:
        import resource
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from nekg.sparql import execute
    from nekg.store import load_dataset_file

    store = load_dataset_file(Path(dataset))
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            reply: tuple[str, object] = ("ok", execute(store, job))
        except NekgError as exc:
            reply = ("error", exc)
        except Exception:  # noqa: BLE001 - the worker's boundary: a bug is reported as one
            reply = ("bug", traceback.format_exc())
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def stop(self, kill: bool) -> None:
        """Kill (or ask to stop) the process, reap it and close the pipe."""
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                self.process.kill()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()
        self.process.close()


class QueryPool:
    """A fixed number of worker processes over one dataset file.

    `run()` is safe to call from many threads; each call holds one worker.
    Call `close()` to stop the workers (the pool cannot be restarted).
    """

    def __init__(self, dataset: Path, size: int, timeout: float, memory_mb: int = 0) -> None:
        self.dataset = dataset
        self.size = size
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.killed = 0  # workers killed for running past the time limit
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False

    def start(self) -> None:
        """Start every worker and wait until each has loaded the dataset.

        Raises QueryFailed when a worker cannot load it.
        """
        starting = [self._spawn() for _ in range(self.size)]
        for process, conn in starting:
            self._idle.put(self._await_ready(process, conn))

    def _spawn(self) -> tuple[BaseProcess, Connection]:
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_worker_main, args=(child, str(self.dataset), self.memory_mb),
            name="nekg-query-worker", daemon=True,
        )
        process.start()
        child.close()
        return process, parent

    def _await_ready(self, process: BaseProcess, conn: Connection) -> _Worker:
        worker = _Worker(process, conn)
        try:
            if not conn.poll(STARTUP_TIMEOUT):
                raise QueryFailed(f"a query worker did not load {self.dataset} in time")
            message = conn.recv()
        except (EOFError, OSError) as exc:
            worker.stop(kill=True)
            raise QueryFailed(f"a query worker could not load {self.dataset}") from exc
        except QueryFailed:
            worker.stop(kill=True)
            raise
        if message[0] != "ready":
            worker.stop(kill=True)
            raise QueryFailed(f"a query worker failed to start: {message!r}")
        with self._lock:
            if self._closed:
                worker.stop(kill=True)
                raise EngineUnavailable("the query engine is shutting down")
            self._all.add(worker)
        return worker

    def _replace(self) -> None:
        """Start a worker in place of a killed one (in a background thread)."""
        if self._closed:
            return
        try:
            process, conn = self._spawn()
            self._idle.put(self._await_ready(process, conn))
        except NekgError:
            log.exception("could not replace a query worker")

    def _retire(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop(kill=True)
        threading.Thread(target=self._replace, name="nekg-worker-restart", daemon=True).start()

    def pids(self) -> list[int]:
        """Process ids of the live workers (busy or idle)."""
        with self._lock:
            return sorted(w.pid for w in self._all if w.pid is not None)

    def run(self, job: QueryJob, timeout: float | None = None) -> QueryOutcome:
        """Run `job` on a free worker within the time limit.

        Raises the job's own errors (QuerySyntaxError, ReadOnlyError, …),
        QueryTimeout when it ran too long (its worker is killed and replaced),
        EngineUnavailable when no worker became free in time, QueryFailed when
        the worker died; RuntimeError for a bug in the worker.
        """
        limit = self.timeout if timeout is None else timeout
        if self._closed:
            raise EngineUnavailable("the query engine is shut down")
        try:
            worker = self._idle.get(timeout=limit)
        except queue.Empty:
            raise EngineUnavailable(
                f"all {self.size} query workers stayed busy for {limit:g} s; try again shortly"
            ) from None
        started = time.monotonic()
        try:
            worker.conn.send(job)
            ready = worker.conn.poll(limit)
            if ready:
                kind, payload = worker.conn.recv()
        except (EOFError, OSError) as exc:
            self._retire(worker)
            raise QueryFailed("the query worker died while running the query "
                              "(it may have run out of memory)") from exc
        if not ready:
            elapsed = time.monotonic() - started
            self.killed += 1
            self._retire(worker)
            raise QueryTimeout(limit, elapsed)
        self._idle.put(worker)
        if kind == "ok":
            assert isinstance(payload, QueryOutcome)
            return payload
        if kind == "error":
            assert isinstance(payload, NekgError)
            raise payload
        raise RuntimeError(f"query worker failed:\n{payload}")

    def close(self) -> None:
        """Stop every worker; later calls to run() raise EngineUnavailable."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.stop(kill=False)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
