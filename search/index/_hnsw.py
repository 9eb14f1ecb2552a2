"""Approximate cosine index on usearch's HNSW graph, with crash-safe save and checked load.

usearch was chosen over hnswlib and faiss-cpu (benchmarks/README.md, "Vector index choice"): it ships wheels,
deletes and re-adds keys in place, and stores vectors as f16 or i8 when memory matters.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
from typing import TYPE_CHECKING, Literal

import numpy as np

from search.index._arrays import PAD_KEY, PAD_SCORE, as_keys, as_vectors, check_k, last_wins
from search.index._files import TMP_SUFFIX, exclusive_lock, fsync_dir, sha256_of, temp_path_for
from search.index._manifest import (
    MANIFEST_NAME,
    IndexCorruptError,
    IndexFileError,
    Manifest,
    ensure_fresh,
    read_manifest,
    write_manifest,
)
from search.index._usearch import BatchMatches, Index, usearch

if TYPE_CHECKING:
    from pathlib import Path

    from numpy.typing import ArrayLike, NDArray

logger = logging.getLogger(__name__)

LIBRARY = "usearch"
LIBRARY_VERSION: str = usearch.__version__

Dtype = Literal["f32", "f16", "i8"]
"""Storage type of the vectors: f16 halves memory at no measurable recall cost on embeddings; i8 quarters it."""

DEFAULT_DTYPE: Dtype = "f16"
DEFAULT_CONNECTIVITY = 16
DEFAULT_EXPANSION_ADD = 128
DEFAULT_EXPANSION_SEARCH = 128

_DTYPES: dict[str, Dtype] = {"f32": "f32", "f16": "f16", "i8": "i8"}
_DATA_PREFIX = "index-"
_DATA_SUFFIX = ".usearch"
_LOCK_NAME = ".lock"
_LOAD_ATTEMPTS = 3


class HnswIndex:
    """Approximate nearest neighbours by cosine over an HNSW graph, sub-millisecond at a million vectors.

    Keys are unique: `add` replaces a key's vector by removing it first, because usearch's high-level
    wrapper refuses duplicate keys. Not thread-safe for writers; concurrent searches are fine.
    """

    def __init__(
        self,
        dim: int,
        *,
        dtype: Dtype = DEFAULT_DTYPE,
        connectivity: int = DEFAULT_CONNECTIVITY,
        expansion_add: int = DEFAULT_EXPANSION_ADD,
        expansion_search: int = DEFAULT_EXPANSION_SEARCH,
        build_threads: int = 0,
    ) -> None:
        """An empty index; ``build_threads=1`` makes its graph reproducible.

        With 0, the default, inserts use every core: faster, but the order of the inserts between threads, and so
        the graph, varies from run to run; one thread builds the same graph from the same adds every time.
        """
        if dim < 1:
            raise ValueError(f"dim must be positive, got {dim}")
        self._index = Index(
            ndim=dim,
            metric="cos",
            dtype=dtype,
            connectivity=connectivity,
            expansion_add=expansion_add,
            expansion_search=expansion_search,
            multi=False,
        )
        self._dtype: Dtype = dtype
        self._connectivity = connectivity
        self._build_threads = build_threads

    @property
    def dim(self) -> int:
        """Length of the vectors this index holds."""
        return int(self._index.ndim)

    @property
    def dtype(self) -> Dtype:
        """Storage type of the vectors."""
        return self._dtype

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, (int, np.integer)) and bool(key >= 0) and bool(self._index.contains(int(key)))

    def keys(self) -> NDArray[np.int64]:
        """All keys held, in no particular order.

        Returns:
            The keys as int64.
        """
        return np.asarray(self._index.keys, dtype=np.uint64).astype(np.int64)

    def add(self, keys: ArrayLike, vectors: ArrayLike) -> None:
        """Insert or replace the vectors stored under these keys; within a batch the last repeat wins.

        Args:
            keys: non-negative int64 keys.
            vectors: one row per key; normalised by usearch's cosine metric.
        """
        key_arr = as_keys(keys)
        vec_arr = as_vectors(vectors, self.dim, rows=key_arr.size)
        if key_arr.size == 0:
            return
        key_arr, vec_arr = last_wins(key_arr, vec_arr)
        ukeys = key_arr.astype(np.uint64)
        present = np.atleast_1d(np.asarray(self._index.contains(ukeys), dtype=bool))
        if present.any():
            self._index.remove(ukeys[present])
        self._index.add(ukeys, vec_arr, threads=self._build_threads)

    def remove(self, keys: ArrayLike) -> None:
        """Forget these keys; unknown keys are ignored.

        Args:
            keys: keys to drop.
        """
        key_arr = as_keys(keys)
        if key_arr.size:
            self._index.remove(key_arr.astype(np.uint64))

    def search(self, queries: ArrayLike, k: int) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """The k most similar keys per query, best first, padded with key -1 and score -inf.

        Args:
            queries: (n, dim) query vectors, or one vector of length dim.
            k: neighbours per query; the graph walk widens to at least k candidates, and k at or beyond the
                index's size is answered exactly.

        Returns:
            Keys and cosine similarities, both shaped (n, k).
        """
        check_k(k)
        q = as_vectors(queries, self.dim)
        out_keys = np.full((q.shape[0], k), PAD_KEY, dtype=np.int64)
        out_scores = np.full((q.shape[0], k), PAD_SCORE, dtype=np.float32)
        if len(self) == 0 or q.shape[0] == 0:
            return out_keys, out_scores
        # asked for the whole index, answer exactly: a graph built on many threads under load can leave a node
        # unreachable, and the walk would then miss it (over k vectors, the exact scan is no dearer than the walk)
        matches = self._index.search(q, k, exact=k >= len(self))
        found = np.asarray(matches.keys, dtype=np.uint64).reshape(q.shape[0], -1)
        distances = np.asarray(matches.distances, dtype=np.float32).reshape(q.shape[0], -1)
        if isinstance(matches, BatchMatches):
            counts = np.asarray(matches.counts, dtype=np.int64)
        else:  # usearch unwraps a one-row batch into a single result holding only the hits
            counts = np.array([found.shape[1]], dtype=np.int64)
        valid = np.arange(found.shape[1]) < counts[:, None]
        width = found.shape[1]
        out_keys[:, :width] = np.where(valid, found.astype(np.int64), PAD_KEY)
        out_scores[:, :width] = np.where(valid, 1.0 - distances, PAD_SCORE)
        return out_keys, out_scores

    def save(self, path: Path, *, model_name: str = "", fingerprint: str = "") -> Manifest:
        """Persist to the directory `path` so that a crash at any instant leaves the old or the new index.

        The index file is written under a temporary name, fsynced and renamed to a name carrying its own
        checksum; only then is the manifest naming it atomically replaced, which is the commit. Index files
        no longer named by the manifest, and temporaries of killed saves, are deleted afterwards.

        Args:
            path: the index directory, created if missing; keep it beside the database.
            model_name: the embedder's name, so a later load can tell a model change.
            fingerprint: the state the index reflects, which :meth:`restore` must be given to take it.

        Returns:
            The manifest written.
        """
        path.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(path / _LOCK_NAME):
            _sweep(path, keep=None)
            tmp = temp_path_for(path / f"{_DATA_PREFIX}new{_DATA_SUFFIX}")
            try:
                self._index.save(str(tmp))
                with tmp.open("rb+") as handle:
                    os.fsync(handle.fileno())
                digest = sha256_of(tmp)
                final = path / f"{_DATA_PREFIX}{digest[:16]}{_DATA_SUFFIX}"
                tmp.replace(final)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            fsync_dir(path)
            manifest = Manifest(
                library=LIBRARY,
                library_version=LIBRARY_VERSION,
                dim=self.dim,
                count=len(self),
                model_name=model_name,
                fingerprint=fingerprint,
                data_file=final.name,
                sha256=digest,
                size_bytes=final.stat().st_size,
                dtype=self._dtype,
                connectivity=self._connectivity,
                saved_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            )
            write_manifest(path, manifest)
            _sweep(path, keep=final.name)
        return manifest

    def _read(self, data: Path) -> None:
        """Replace this (empty) index with the content of a verified file."""
        try:
            self._index.load(str(data))
        except (RuntimeError, ValueError) as exc:
            raise IndexCorruptError(f"{data.name} cannot be read by {LIBRARY} {LIBRARY_VERSION}: {exc}") from exc

    def restore(self, path: Path, *, model_name: str, fingerprint: str) -> bool:
        """Take the graph saved at `path` if it was saved for this model and this `fingerprint`, instead of rebuilding.

        Args:
            path: the index directory :meth:`save` wrote.
            model_name: the embedder's name now.
            fingerprint: what the caller's own saved state says the graph must reflect.

        Returns:
            True when this (empty) index now holds the saved graph; False, and still empty, when there is none or it
            is corrupt, of another library major version, dimension, model or fingerprint.

        Raises:
            ValueError: this index is not empty.
        """
        if len(self):
            raise ValueError("restore fills an empty index only")
        try:
            loaded, manifest = load_with_manifest(path)
            ensure_fresh(
                manifest,
                library=LIBRARY,
                library_version=LIBRARY_VERSION,
                dim=self.dim,
                model_name=model_name,
                fingerprint=fingerprint,
            )
        except IndexFileError as exc:
            logger.info("saved graph at %s not used (%s: %s); rebuilding it", path, type(exc).__name__, exc)
            return False
        self._index, self._dtype, self._connectivity = loaded._index, loaded._dtype, loaded._connectivity  # noqa: SLF001
        return True

    @classmethod
    def load(cls, path: Path) -> HnswIndex:
        """Load the index saved in directory `path`, verifying it against its manifest.

        Args:
            path: the index directory.

        Returns:
            The index, ready for searches and further adds.
        """
        return load_with_manifest(path)[0]


def load_with_manifest(path: Path) -> tuple[HnswIndex, Manifest]:
    """Load the index in `path` and return the manifest it was checked against.

    Args:
        path: the index directory.

    Returns:
        The index and its manifest.

    Raises:
        IndexMissingError: if nothing was saved there.
        IndexCorruptError: if the manifest or the file is damaged, truncated or inconsistent.
    """
    for _ in range(_LOAD_ATTEMPTS):
        manifest = read_manifest(path)
        try:
            return _load_checked(path, manifest), manifest
        except FileNotFoundError:
            # A concurrent save may have committed and swept the file between our two reads; retry with the
            # new manifest. A manifest that still names a missing file is damage.
            if read_manifest(path) == manifest:
                break
    raise IndexCorruptError(f"{path / MANIFEST_NAME} names a missing index file")


def _load_checked(path: Path, manifest: Manifest) -> HnswIndex:
    data = path / manifest.data_file
    size = data.stat().st_size
    if size != manifest.size_bytes:
        raise IndexCorruptError(f"{data.name} has {size} bytes, manifest says {manifest.size_bytes}")
    if sha256_of(data) != manifest.sha256:
        raise IndexCorruptError(f"{data.name} does not match its checksum")
    dtype = _DTYPES.get(manifest.dtype)
    if dtype is None:
        raise IndexCorruptError(f"unknown dtype {manifest.dtype!r}")
    index = HnswIndex(manifest.dim, dtype=dtype, connectivity=manifest.connectivity)
    index._read(data)  # noqa: SLF001 - this module's own factory
    if index.dim != manifest.dim or len(index) != manifest.count:
        raise IndexCorruptError(f"{data.name} holds {len(index)}x{index.dim}, manifest says {manifest.count}")
    return index


def _sweep(path: Path, *, keep: str | None) -> None:
    """Delete leftovers of killed saves and, once a manifest is committed, the index files it superseded."""
    removed = False
    for entry in path.iterdir():
        leftover = entry.name.startswith(".") and entry.name.endswith(TMP_SUFFIX)
        superseded = (
            keep is not None
            and entry.name != keep
            and entry.name.startswith(_DATA_PREFIX)
            and entry.name.endswith(_DATA_SUFFIX)
        )
        if leftover or superseded:
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()
            removed = True
    if removed:
        fsync_dir(path)
