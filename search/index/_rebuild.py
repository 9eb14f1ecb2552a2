"""Open the saved vector index if it still matches the corpus and model, otherwise rebuild it from the caller."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from search.index._hnsw import DEFAULT_DTYPE, LIBRARY, LIBRARY_VERSION, HnswIndex, load_with_manifest
from search.index._manifest import IndexFileError, ensure_fresh, read_manifest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    import numpy as np
    from numpy.typing import NDArray

    from search.index._hnsw import Dtype

logger = logging.getLogger(__name__)


def check_index(path: Path, *, dim: int, model_name: str, expected_fingerprint: str) -> IndexFileError | None:
    """Say why the index at `path` cannot be used as it is, without loading it, for status commands.

    Only the manifest is read, so a corrupt index file is found by `open_or_rebuild`, not here.

    Args:
        path: the index directory.
        dim: the embedder's dimension.
        model_name: the embedder's name.
        expected_fingerprint: the corpus fingerprint computed from the database now.

    Returns:
        None if the manifest matches, else the error describing the mismatch (missing, corrupt or stale).
    """
    try:
        manifest = read_manifest(path)
        ensure_fresh(
            manifest,
            library=LIBRARY,
            library_version=LIBRARY_VERSION,
            dim=dim,
            model_name=model_name,
            fingerprint=expected_fingerprint,
        )
    except IndexFileError as exc:
        return exc
    return None


def open_or_rebuild(
    path: Path,
    dim: int,
    model_name: str,
    expected_fingerprint: str,
    rebuild: Callable[[], Iterable[tuple[NDArray[np.int64], NDArray[np.float32]]]],
    *,
    dtype: Dtype = DEFAULT_DTYPE,
) -> HnswIndex:
    """Load the index saved at `path`, or rebuild and save it when it is missing, corrupt or stale.

    Args:
        path: the index directory, beside the database.
        dim: the embedder's dimension.
        model_name: the embedder's name; a different one forces a rebuild.
        expected_fingerprint: the corpus fingerprint computed from the database now.
        rebuild: called only when needed; yields (keys, vectors) batches of the whole corpus, so the caller
            can stream them from the database instead of holding every vector at once.
        dtype: vector storage type for a rebuilt index; a loaded one keeps its own.

    Returns:
        A usable index reflecting `expected_fingerprint`.
    """
    problem = check_index(path, dim=dim, model_name=model_name, expected_fingerprint=expected_fingerprint)
    if problem is None:
        try:
            index, manifest = load_with_manifest(path)
            ensure_fresh(
                manifest,
                library=LIBRARY,
                library_version=LIBRARY_VERSION,
                dim=dim,
                model_name=model_name,
                fingerprint=expected_fingerprint,
            )
        except IndexFileError as exc:
            problem = exc
        else:
            return index
    logger.warning("rebuilding vector index at %s: %s: %s", path, type(problem).__name__, problem)
    index = HnswIndex(dim, dtype=dtype)
    for keys, vectors in rebuild():
        index.add(keys, vectors)
    index.save(path, model_name=model_name, fingerprint=expected_fingerprint)
    return index
