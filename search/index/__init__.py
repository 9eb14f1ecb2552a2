"""In-process vector indexes behind the `VectorIndex` protocol: an exact reference and an approximate one.

`ExactIndex` is brute force and exact; `HnswIndex` is the approximate graph index the application serves from,
saved crash-safely in a directory with the search engine's state and restored from it at start.
`PgVectorIndex` is the same protocol over a PostgreSQL table with pgvector's HNSW index, for the scaled deployment.
"""

from __future__ import annotations

from search.index._exact import ExactIndex
from search.index._hnsw import DEFAULT_DTYPE, Dtype, HnswIndex, load_with_manifest
from search.index._manifest import (
    IndexCorruptError,
    IndexFileError,
    IndexMissingError,
    IndexStaleError,
    Manifest,
    read_manifest,
)
from search.index._pgvector import (
    PgVectorIndex,
    PgVectorMismatchError,
    PgVectorUnavailableError,
    Storage,
    drop_table,
    pgvector_version,
)

__all__ = [
    "DEFAULT_DTYPE",
    "Dtype",
    "ExactIndex",
    "HnswIndex",
    "IndexCorruptError",
    "IndexFileError",
    "IndexMissingError",
    "IndexStaleError",
    "Manifest",
    "PgVectorIndex",
    "PgVectorMismatchError",
    "PgVectorUnavailableError",
    "Storage",
    "drop_table",
    "load_with_manifest",
    "pgvector_version",
    "read_manifest",
]
