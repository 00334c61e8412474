"""Serving the graph: build first when dist/ is missing or older than its
inputs, then run the web application under waitress (a production WSGI
server), bound to 127.0.0.1 unless told otherwise.

Stopping the server (Ctrl+C, SIGTERM) stops its query workers too."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from types import FrameType

import waitress

from nekg.build import DATASET_FILES, SUMMARY_FILE, build
from nekg.project import Project
from nekg.settings import Settings


def stale_reason(project: Project) -> str | None:
    """Why dist/ must be rebuilt (missing, or an input newer than it), or None.

    A deleted input is noticed through its folder, whose time changes.
    """
    outputs = [project.dist_dir / name for name in (*DATASET_FILES, SUMMARY_FILE)]
    missing = [p.name for p in outputs if not p.exists()]
    if missing:
        return f"dist/ has no {', '.join(missing)}"
    built = min(p.stat().st_mtime for p in outputs)
    inputs = project.input_files()
    folders = {p.parent for p in inputs}
    newer = [p for p in [*inputs, *sorted(folders)] if p.exists() and p.stat().st_mtime > built]
    if newer:
        shown = ", ".join(str(p.relative_to(project.root)) for p in newer[:3])
        more = f" and {len(newer) - 3} more" if len(newer) > 3 else ""
        return f"inputs changed since the last build: {shown}{more}"
    return None


def ensure_built(project: Project, say: Callable[[str], None]) -> None:
    """Build the project when dist/ is missing or stale. Raises the build's errors."""
    reason = stale_reason(project)
    if reason is not None:
        say(f"building first ({reason}); this takes a minute or two")
        build(project)


def serve(settings: Settings, say: Callable[[str], None]) -> None:
    """Build if needed, then serve until interrupted. Raises the build's errors."""
    from nekg.web import close_app, create_app

    ensure_built(settings.project, say)
    app = create_app(settings)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        server = waitress.create_server(app, host=settings.host, port=settings.port,
                                        **waitress_options(settings))
        host, port = _address(server)
        say(f"nekg: serving {settings.project_root} at http://{host}:{port}/ "
            f"(SPARQL endpoint http://{host}:{port}/sparql; {settings.workers} query workers, "
            f"{settings.query_timeout:g} s per query, at most {settings.max_rows} rows)")
        server.run()  # returns on SIGINT or SIGTERM (waitress catches KeyboardInterrupt)
    except KeyboardInterrupt:
        pass
    finally:
        say("nekg: stopping the query workers")
        signal.signal(signal.SIGTERM, previous)
        close_app(app)


def waitress_options(settings: Settings) -> dict[str, object]:
    """waitress's own limits, a little above the app's, so that the app's
    messages (413, 414) are the ones clients see."""
    margin = 65536
    return {
        "threads": settings.threads,
        "max_request_body_size": settings.max_request_bytes + margin,
        "max_request_header_size": max(262144, settings.max_request_bytes + margin),
        "ident": "nekg",
    }


def _address(server: object) -> tuple[str, int]:
    effective = getattr(server, "effective_host", "127.0.0.1"), getattr(server, "effective_port", 0)
    return str(effective[0]), int(effective[1])


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def say_to_stderr(message: str) -> None:
    """Diagnostics go to stderr, results to stdout."""
    print(message, file=sys.stderr, flush=True)

