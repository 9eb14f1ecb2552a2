"""The engine's state on disk: written whole into a fresh directory and swapped in, read back at start.

Layout of a snapshot directory: ``state.json`` (format, embedder, keys, hub scores, save generation),
``documents.jsonl.gz``, ``vectors.f16.npy`` (the engine's own passage vectors), ``reference.npy`` (the hub
reference sample), ``lexical/`` and, for a :class:`~search.interfaces.PersistentIndex`, ``vectors/`` (its graph,
labelled with the generation so that only this snapshot's graph is ever restored with it).
"""

from __future__ import annotations

import gzip
import json
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np

from search.documents import Document
from search.interfaces import PersistentIndex, SharedIndex
from search.lexical import LexicalIndex

if TYPE_CHECKING:
    import os

    from numpy.typing import NDArray

    from search.documents import DocumentRegistry
    from search.hubness import HubScores
    from search.interfaces import VectorIndex
    from search.vectors import PassageVectors

FORMAT: Final = 1
GRAPH: Final = "vectors"
"""Sub-directory of a persistent vector index's saved graph."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What :func:`read` found; the engine puts each part back into its component."""

    embedder: str
    dim: int
    generation: str
    documents: list[Document]
    key_of: dict[str, int]
    next_key: int
    hub_scores: dict[int, float]
    hubs_computed_at: int
    reference: NDArray[np.float32]
    reference_docs: list[str]
    vector_keys: list[int]
    vectors: NDArray[np.float16]
    lexical: LexicalIndex


def write(
    directory: str | os.PathLike[str],
    *,
    embedder: str,
    registry: DocumentRegistry,
    vectors: PassageVectors,
    hubs: HubScores | None,
    lexical: LexicalIndex,
    vector_index: VectorIndex,
) -> None:
    """Write a snapshot into ``directory``, replacing what is there only once all of it is written."""
    target = Path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
    try:
        _write(
            tmp,
            embedder=embedder,
            registry=registry,
            vectors=vectors,
            hubs=hubs,
            lexical=lexical,
            vector_index=vector_index,
        )
        old = target.with_name(f".{target.name}-old")
        if old.exists():
            shutil.rmtree(old)
        if target.exists():
            target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write(
    path: Path,
    *,
    embedder: str,
    registry: DocumentRegistry,
    vectors: PassageVectors,
    hubs: HubScores | None,
    lexical: LexicalIndex,
    vector_index: VectorIndex,
) -> None:
    vectors.compact()
    generation = uuid.uuid4().hex
    state = {
        "format": FORMAT,
        "generation": generation,
        "embedder": embedder,
        "dim": vectors.dim,
        "next_key": registry.next_key,
        "keys": dict(registry.key_of),
        "hub": [[key, value] for key, value in (hubs.scores.items() if hubs else ())],
        "hubs_computed_at": hubs.computed_at if hubs else 0,
        "reference_docs": hubs.reference_docs if hubs else [],
        "vector_keys": list(vectors.row),
    }
    (path / "state.json").write_text(json.dumps(state), encoding="utf-8")
    with gzip.open(path / "documents.jsonl.gz", "wt", encoding="utf-8") as out:
        for doc in registry.documents.values():
            out.write(json.dumps(doc.to_json(), ensure_ascii=False) + "\n")
    np.save(path / "vectors.f16.npy", vectors.matrix)
    np.save(path / "reference.npy", hubs.reference if hubs else np.zeros((0, vectors.dim), dtype=np.float32))
    lexical.save(path / "lexical")
    if isinstance(vector_index, PersistentIndex) and not isinstance(vector_index, SharedIndex):
        vector_index.save(path / GRAPH, model_name=embedder, fingerprint=generation)


def read(directory: str | os.PathLike[str], *, embedder: str) -> Snapshot:
    """Read a snapshot written with this embedder.

    Raises:
        ValueError: written in another format or with another embedder (rebuild it).
        OSError, KeyError: missing or damaged files.
    """
    path = Path(directory)
    state = json.loads((path / "state.json").read_text(encoding="utf-8"))
    if state["format"] != FORMAT or state["embedder"] != embedder:
        raise ValueError("saved engine was built with another format or embedder; rebuild it")
    with gzip.open(path / "documents.jsonl.gz", "rt", encoding="utf-8") as src:
        documents = [Document.from_json(json.loads(line)) for line in src]
    return Snapshot(
        embedder=state["embedder"],
        dim=int(state["dim"]),
        generation=str(state.get("generation", "")),
        documents=documents,
        key_of={pid: int(key) for pid, key in state["keys"].items()},
        next_key=int(state["next_key"]),
        hub_scores={int(key): float(value) for key, value in state["hub"]},
        hubs_computed_at=int(state["hubs_computed_at"]),
        reference=np.load(path / "reference.npy"),
        reference_docs=list(state["reference_docs"]),
        vector_keys=[int(key) for key in state["vector_keys"]],
        vectors=np.load(path / "vectors.f16.npy"),
        lexical=LexicalIndex.load(path / "lexical"),
    )


def restore_graph(directory: str | os.PathLike[str], snapshot: Snapshot, vector_index: VectorIndex) -> bool:
    """Fill an empty persistent index with the graph saved with this snapshot; False when it cannot be."""
    return (
        len(vector_index) == 0
        and isinstance(vector_index, PersistentIndex)
        and not isinstance(vector_index, SharedIndex)
        and vector_index.restore(Path(directory) / GRAPH, model_name=snapshot.embedder, fingerprint=snapshot.generation)
    )
