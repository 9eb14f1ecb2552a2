"""Crash-safe file primitives: a file is either absent or complete, never half-written, after a power cut.

The recipe is the POSIX one: write a temporary file in the destination directory, fsync it, rename it over
the destination, then fsync the directory so the rename itself is durable.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

TMP_SUFFIX = ".tmp"
"""Suffix of files still being written; a crash can leave them behind and the next save sweeps them."""

_CHUNK = 1 << 22


def fsync_dir(directory: Path) -> None:
    """Persist the directory entry changes (creations, renames, unlinks) made in `directory`.

    Args:
        directory: the directory whose entries must survive a crash.
    """
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_path_for(path: Path) -> Path:
    """A unique temporary name beside `path`, so the final rename never crosses a filesystem.

    Args:
        path: the destination.

    Returns:
        A path in the same directory that no concurrent writer will choose.
    """
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}")


def publish(path: Path, write: Callable[[Path], object]) -> None:
    """Create `path` atomically from whatever `write` puts at the temporary path it is given.

    Args:
        path: the destination; replaced if it exists.
        write: writes the complete content to the path it receives (a library's own `save(path)`).
    """
    tmp = temp_path_for(path)
    try:
        write(tmp)
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def publish_bytes(path: Path, data: bytes) -> None:
    """Atomically replace `path` with `data`.

    Args:
        path: the destination.
        data: the full new content.
    """
    publish(path, lambda tmp: tmp.write_bytes(data))


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks so a multi-gigabyte index does not need to fit in memory twice.

    Args:
        path: the file.

    Returns:
        The hex digest.
    """
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[IO[bytes]]:
    """Hold an advisory lock on `path` so two savers never interleave; the kernel drops it if we are killed.

    Args:
        path: the lock file, created if missing.

    Yields:
        The open lock file.
    """
    with path.open("ab") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
