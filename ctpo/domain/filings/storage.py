"""Content-addressed document store on disk: a file's name is its SHA-256, so it is written once and verifiable.

A document is made durable (temp file, fsync, rename, fsync of the directory) before the database row that
names it is committed, so an acknowledged filing never points at a missing or half-written file. A process killed
while writing leaves at most a temporary file in ``root/.incoming``, never a file under a digest; such leftovers
are removed at the next start once they are old enough not to belong to a write still running elsewhere.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

INCOMING = ".incoming"
"""Directory (under the root) of files being written; on the same file system, so the rename is atomic."""


def sha256_hex(content: bytes) -> str:
    """The hex SHA-256 of some bytes."""
    return hashlib.sha256(content).hexdigest()


class DocumentStore:
    """Bytes on disk under ``root/ab/cd/abcd…``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, digest: str) -> Path:
        """Where the document with this digest lives."""
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):  # noqa: PLR2004 - SHA-256 hex
            raise ValueError("not a SHA-256 hex digest")
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, content: bytes) -> str:
        """Store bytes durably and return their digest; storing the same bytes twice is a no-op."""
        digest = sha256_hex(content)
        target = self.path_for(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        incoming = self.root / INCOMING
        incoming.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=incoming, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(content)
                tmp.flush()
                os.fsync(tmp.fileno())
            Path(tmp_name).replace(target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return digest

    def sweep_incoming(self, older_than_seconds: float = 3600) -> int:
        """Remove temporary files of writes that were cut off (a killed process); return how many went.

        Only files older than ``older_than_seconds``: another API process may be writing a younger one now.
        """
        removed, cutoff = 0, time.time() - older_than_seconds
        incoming = self.root / INCOMING
        for path in incoming.glob(".incoming-*") if incoming.is_dir() else ():
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:  # swept by another process starting at the same time
                continue
        return removed

    def get(self, digest: str) -> bytes:
        """The stored bytes, verified against their name.

        Raises:
            FileNotFoundError: nothing is stored under that digest.
            OSError: the stored file no longer matches its digest (disk corruption).
        """
        content = self.path_for(digest).read_bytes()
        if sha256_hex(content) != digest:
            raise OSError(f"stored document {digest} is corrupt")
        return content
