"""The JSON manifest that says which index file is current and what corpus and model it was built from.

The manifest is the commit point of a save: it is replaced atomically after the index file it names is
durable, so a reader that trusts it never sees a half-written index, and a caller can compare its model name
and corpus fingerprint with the database to decide whether the index is stale.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from search.index._files import publish_bytes

if TYPE_CHECKING:
    from pathlib import Path

FORMAT_VERSION = 1
"""Bumped when the on-disk layout changes; an index written in another format is rebuilt, not migrated."""

MANIFEST_NAME = "manifest.json"


class IndexFileError(Exception):
    """An on-disk index cannot be used as it is; rebuilding it from the corpus is the remedy."""


class IndexMissingError(IndexFileError):
    """No index has been saved at this path yet."""


class IndexCorruptError(IndexFileError):
    """The manifest or the index file is unreadable, truncated or does not match its checksum."""


class IndexStaleError(IndexFileError):
    """The index is intact but was built for another model, dimension, corpus state or library."""


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a saved index holds and how to check it; one JSON object beside the index file."""

    library: str
    """Name of the ANN library that wrote the file."""
    library_version: str
    """Its version, since file formats are only promised within a major version."""
    dim: int
    """Vector length."""
    count: int
    """Vectors held when saved; checked against the loaded index."""
    model_name: str
    """The embedder's stable name; a different model means different vectors."""
    fingerprint: str
    """The state the index was saved with (the search engine's save generation); a restore must name it."""
    data_file: str
    """Name of the index file, in the same directory, named after its own checksum."""
    sha256: str
    """Hex SHA-256 of the index file."""
    size_bytes: int
    """Size of the index file, checked before the slower checksum."""
    dtype: str
    """Scalar type the vectors are stored in."""
    connectivity: int
    """HNSW graph degree (M)."""
    saved_at: str
    """UTC timestamp of the save, for operators."""
    format: int = FORMAT_VERSION
    """Layout version of this manifest and directory."""

    def to_json(self) -> bytes:
        """Serialise for disk.

        Returns:
            Pretty-printed UTF-8 JSON, small enough to read by eye.
        """
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True).encode() + b"\n"

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        """Parse and validate a manifest.

        Args:
            raw: the file content.

        Returns:
            The manifest.

        Raises:
            IndexCorruptError: if it is not a manifest this code wrote.
        """
        try:
            data: Any = json.loads(raw)
            fields = {f.name: f.type for f in dataclasses.fields(cls)}
            if not isinstance(data, dict) or set(data) != set(fields):
                raise IndexCorruptError(f"manifest fields differ from {sorted(fields)}")
            for name, kind in fields.items():
                expected = int if kind == "int" else str
                if type(data[name]) is not expected:
                    raise IndexCorruptError(f"manifest field {name!r} is not {kind}")
            manifest = cls(**data)
        except (ValueError, TypeError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise IndexCorruptError(f"unreadable manifest: {exc}") from exc
        if "/" in manifest.data_file or manifest.data_file.startswith("."):
            raise IndexCorruptError(f"manifest names a file outside its directory: {manifest.data_file!r}")
        return manifest


def read_manifest(directory: Path) -> Manifest:
    """Read the manifest of the index saved in `directory`.

    Args:
        directory: the index directory.

    Returns:
        The manifest.

    Raises:
        IndexMissingError: if no index was ever saved there.
        IndexCorruptError: if the manifest is unreadable.
    """
    try:
        raw = (directory / MANIFEST_NAME).read_bytes()
    except FileNotFoundError as exc:
        raise IndexMissingError(f"no index at {directory}") from exc
    return Manifest.from_json(raw)


def write_manifest(directory: Path, manifest: Manifest) -> None:
    """Atomically make `manifest` the current one: the single step that commits a save.

    Args:
        directory: the index directory.
        manifest: the new manifest.
    """
    publish_bytes(directory / MANIFEST_NAME, manifest.to_json())


def ensure_fresh(
    manifest: Manifest, *, library: str, library_version: str, dim: int, model_name: str, fingerprint: str
) -> None:
    """Reject an index built for something other than what the caller now has.

    Args:
        manifest: the saved index's manifest.
        library: the library this process would read it with.
        library_version: its version; only the major version must match.
        dim: the embedder's dimension.
        model_name: the embedder's name.
        fingerprint: the state the caller expects the index to reflect.

    Raises:
        IndexStaleError: naming the first field that differs.
    """
    checks = (
        ("format", manifest.format, FORMAT_VERSION),
        ("library", manifest.library, library),
        ("library major version", manifest.library_version.split(".")[0], library_version.split(".", maxsplit=1)[0]),
        ("dim", manifest.dim, dim),
        ("model_name", manifest.model_name, model_name),
        ("fingerprint", manifest.fingerprint, fingerprint),
    )
    for name, saved, wanted in checks:
        if saved != wanted:
            raise IndexStaleError(f"index {name} is {saved!r}, expected {wanted!r}")
