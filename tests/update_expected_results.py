"""Write the expected result (`.srj`) of library queries from the built graph.

    .venv/bin/python tests/update_expected_results.py [QUERY.rq ...]

Runs each named query (every library query when none is named) on dist/ of
the repository, with federated queries pointed at the local Wikidata stand-in
(tests/wikidata_standin.py), and writes the results beside the query. Build
first (`nekg build`). A written file is a claim that the result is right:
read every changed result against the data before keeping it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from wikidata_standin import serving, wikidata_store

from nekg.project import Project
from nekg.querylib import (
    WIKIDATA_SPARQL,
    load_library,
    load_query,
    row_count,
    serialize_results,
    with_services,
)
from nekg.store import load_dataset

ROOT = Path(__file__).resolve().parent.parent


def main(names: list[str]) -> int:
    project = Project(ROOT)
    queries_dir = project.queries_dir
    if names:
        queries = [load_query(Path(name).resolve(), queries_dir) for name in names]
    else:
        queries = load_library(queries_dir)
    store = load_dataset(project.dist_dir)
    with serving(wikidata_store(project.data_dir / "wikidata")) as endpoint:
        for query in queries:
            text = with_services(query.text, {WIKIDATA_SPARQL: endpoint})
            body = serialize_results(store, text)
            query.expected_path.write_bytes(body)
            rows = row_count(json.loads(body))
            print(f"{query.id}: {rows} rows -> {query.expected_path.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
