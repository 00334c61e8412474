"""Settings of the endpoint and of local queries: one frozen dataclass.

Precedence is fixed: the defaults written here, overridden by `NEKG_*`
environment variables, overridden by command-line flags (or the keyword
arguments of `Settings.load`). A value that does not parse is an InputError
naming the variable, never a silent fallback to the default."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from nekg.errors import InputError
from nekg.namespaces import ID_BASE, WIKIDATA_QUERY_SERVICE
from nekg.project import Project


@dataclass(frozen=True)
class Settings:
    """Everything `nekg serve` and `nekg query` can be told.

    Limits are part of the service's contract: they are stated in the service
    description and on every page.
    """

    project_root: Path = Path(".")
    host: str = "127.0.0.1"
    port: int = 8000
    #: seconds a query may run before its worker process is killed
    query_timeout: float = 5.0
    #: rows (or triples) returned at most; more are cut and the cut is announced
    max_rows: int = 10_000
    #: largest request body (or query string) accepted, in bytes
    max_request_bytes: int = 1_048_576
    #: query worker processes, each holding its own copy of the dataset
    workers: int = 2
    #: address space a worker may use, in MiB (0: no limit)
    worker_memory_mb: int = 4096
    #: the only endpoints SERVICE may call
    service_allowlist: tuple[str, ...] = (WIKIDATA_QUERY_SERVICE,)
    #: instance IRIs under this base are served at /id/...
    public_id_base: str = ID_BASE
    #: value of Access-Control-Allow-Origin
    cors_origin: str = "*"
    #: waitress threads handling HTTP requests
    threads: int = 8

    @property
    def project(self) -> Project:
        return Project(self.project_root)

    @property
    def dist_dir(self) -> Path:
        return self.project.dist_dir

    @classmethod
    def load(
        cls, environ: Mapping[str, str] | None = None, **overrides: Any
    ) -> Settings:
        """Defaults, then `NEKG_<FIELD>` variables of `environ`, then `overrides`.

        Overrides whose value is None are ignored (an option not given on the
        command line). Raises InputError for a value that does not parse or
        is out of range.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in fields(cls):
            name = f"NEKG_{field.name.upper()}"
            if name in env:
                values[field.name] = _parse(field.name, name, env[name])
        unknown = set(overrides) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = replace(cls(), **values)
        settings.check()
        return settings

    def check(self) -> None:
        """Raise InputError when a limit is out of range."""
        problems = []
        if self.query_timeout <= 0:
            problems.append("query_timeout must be positive")
        if self.max_rows < 1:
            problems.append("max_rows must be at least 1")
        if self.max_request_bytes < 1024:
            problems.append("max_request_bytes must be at least 1024")
        if self.workers < 1:
            problems.append("workers must be at least 1")
        if not 0 <= self.port <= 65535:
            problems.append("port must be between 0 and 65535")
        if not self.public_id_base.endswith("/"):
            problems.append("public_id_base must end with /")
        if problems:
            raise InputError("invalid settings: " + "; ".join(problems))


def _words(value: str) -> tuple[str, ...]:
    return tuple(part for part in value.replace(",", " ").split() if part)


_PARSERS: dict[str, Callable[[str], Any]] = {
    "project_root": Path,
    "port": int,
    "query_timeout": float,
    "max_rows": int,
    "max_request_bytes": int,
    "workers": int,
    "worker_memory_mb": int,
    "threads": int,
    "service_allowlist": _words,
}


def _parse(field: str, variable: str, raw: str) -> Any:
    parse = _PARSERS.get(field, str)
    try:
        return parse(raw)
    except ValueError as exc:
        raise InputError(f"{variable}={raw!r}: {exc}") from exc
