"""Running the endpoint for tests: a real waitress server on 127.0.0.1, port 0,
in a thread of the test process, stopped (with its query workers) on exit;
and a small HTTP client that can send anything (a GET with a body, no
Content-Type), as the protocol tests need."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import waitress
from flask import Flask
from waitress import wasyncore

from nekg.engine import QueryPool
from nekg.serve import waitress_options
from nekg.settings import Settings
from nekg.web import close_app, create_app, services


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


@dataclass
class LiveServer:
    url: str
    app: Flask
    settings: Settings

    @property
    def pool(self) -> QueryPool:
        return services(self.app).pool

    def request(self, method: str, path: str, body: bytes | str | None = None,
                headers: dict[str, str] | None = None, timeout: float = 60) -> Reply:
        """Send exactly this request; returns status, headers (lower-cased names), body."""
        parts = urlsplit(self.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        try:
            data = body.encode("utf-8") if isinstance(body, str) else body
            try:
                connection.request(method, path, body=data, headers=headers or {})
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered (413) before reading the whole body
            response = connection.getresponse()
            return Reply(response.status,
                         {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            connection.close()

    def get(self, path: str, accept: str | None = None, **headers: str) -> Reply:
        sent = dict(headers)
        if accept is not None:
            sent["Accept"] = accept
        return self.request("GET", path, headers=sent)


@contextmanager
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """The app for `settings`, served on 127.0.0.1 at a free port, until the block ends."""
    app = create_app(settings)
    try:
        server = waitress.create_server(app, host="127.0.0.1", port=0,
                                        **waitress_options(settings))
        stop = threading.Event()

        def run() -> None:
            # waitress's own run() cannot be stopped from another thread without
            # closing sockets under its select(); so loop here, and close here
            while not stop.is_set():
                wasyncore.loop(timeout=0.05, map=server._map, count=1)
            server.task_dispatcher.shutdown()
            wasyncore.close_all(server._map)

        thread = threading.Thread(target=run, name="test-waitress", daemon=True)
        thread.start()
        try:
            port = server.effective_port  # type: ignore[union-attr]
            yield LiveServer(f"http://127.0.0.1:{port}", app, settings)
        finally:
            stop.set()
            thread.join(timeout=10)
    finally:
        close_app(app)
