"""The graph store that queries run on: the built dataset in an embedded
pyoxigraph store (the default), read from dist/.

The dataset is read-only once loaded: nothing in nekg writes to the store."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph

from nekg.errors import InputError

DATASET_FILE = "nekg.nq"


def load_dataset(dist_dir: Path) -> pyoxigraph.Store:
    """Load dist/nekg.nq into a new in-memory pyoxigraph store.

    Raises InputError when the project has not been built (no dataset file).
    """
    path = dist_dir / DATASET_FILE
    if not path.exists():
        raise InputError(f"{path}: no built dataset; run `nekg build` first")
    return load_dataset_file(path)


def load_dataset_file(path: Path) -> pyoxigraph.Store:
    """Load one N-Quads file into a new in-memory pyoxigraph store.

    Raises InputError when the file is missing or does not parse.
    """
    store = pyoxigraph.Store()
    try:
        store.bulk_load(path=path, format=pyoxigraph.RdfFormat.N_QUADS)
    except (OSError, SyntaxError) as exc:
        raise InputError(f"{path}: cannot load the dataset: {exc}") from exc
    return store
