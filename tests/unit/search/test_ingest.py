"""Corpus ingest: batches through the embedder, skips unchanged documents, replaces changed ones, resumes."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from search.index import ExactIndex, HnswIndex
from search.ingest import CorpusRecord, IngestCheckpoint, IngestProgress, ingest, read_jsonl, reconcile

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

DIM = 16


class HashEmbedder:
    """Deterministic text -> unit vector; equal texts get equal vectors. Counts passages embedded."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.embedded = 0
        self.calls = 0
        self.fail_after = fail_after

    @property
    def dim(self) -> int:
        return DIM

    @property
    def name(self) -> str:
        return "hash-embedder"

    def _vec(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
        return v / np.linalg.norm(v)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vec(t) for t in texts]).astype(np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if self.fail_after is not None and self.calls >= self.fail_after:
            raise KeyboardInterrupt
        self.calls += 1
        self.embedded += len(texts)
        return self.embed_queries(texts)


def split(record: CorpusRecord) -> list[str]:
    return [f"{record.title} {record.abstract}", *record.claims]


def _doc(i: int, version: int = 0, claims: int = 2) -> dict[str, object]:
    return {
        "id": f"KZ{i:05d}",
        "lang": "kk",
        "title": f"title {i} v{version}",
        "abstract": f"abstract {i}",
        "claims": [f"claim {c} of {i} v{version}" for c in range(claims)],
        "publication_date": "2024-01-02",
        "ipc": ["A01B 1/00"],
        "applicant": "ACME",
    }


def _write(path: Path, docs: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    return path


def _run(
    path: Path, ckpt: IngestCheckpoint, index: ExactIndex | HnswIndex, emb: HashEmbedder, **kw: Any
) -> IngestProgress:
    return ingest(read_jsonl(path), embedder=emb, index=index, checkpoint=ckpt, split=split, batch_size=4, **kw)


def test_loads_every_passage_and_maps_hits_back(tmp_path: Path) -> None:
    corpus = _write(tmp_path / "c.jsonl", [_doc(i) for i in range(10)])
    emb, index = HashEmbedder(), ExactIndex(DIM)
    with IngestCheckpoint(tmp_path / "ckpt.sqlite3", model_name=emb.name, dim=DIM) as ckpt:
        totals = _run(corpus, ckpt, index, emb)
        assert (totals.documents_loaded, totals.passages_embedded) == (10, 30)
        assert len(index) == 30
        assert ckpt.document_count() == 10
        keys, scores = index.search(emb.embed_queries(["claim 1 of 7 v0"]), 1)
        assert scores[0, 0] == pytest.approx(1.0, abs=1e-5)
        assert ckpt.passages_of(keys[0].tolist()) == {int(keys[0, 0]): ("KZ00007", 2)}


def test_rerun_skips_unchanged_documents(tmp_path: Path) -> None:
    corpus = _write(tmp_path / "c.jsonl", [_doc(i) for i in range(5)])
    index = ExactIndex(DIM)
    with IngestCheckpoint(tmp_path / "ckpt.sqlite3", model_name="hash-embedder", dim=DIM) as ckpt:
        _run(corpus, ckpt, index, HashEmbedder())
        before = ckpt.fingerprint()
        again = HashEmbedder()
        totals = _run(corpus, ckpt, index, again)
        assert again.embedded == 0
        assert (totals.documents_skipped, totals.documents_loaded) == (5, 0)
        assert len(index) == 15
        assert ckpt.fingerprint() == before


def test_changed_document_replaces_its_passages(tmp_path: Path) -> None:
    emb, index = HashEmbedder(), ExactIndex(DIM)
    with IngestCheckpoint(tmp_path / "ckpt.sqlite3", model_name=emb.name, dim=DIM) as ckpt:
        _run(_write(tmp_path / "a.jsonl", [_doc(1, claims=3), _doc(2)]), ckpt, index, emb)
        old_keys = set(ckpt.keys_of("KZ00001").tolist())
        totals = _run(_write(tmp_path / "b.jsonl", [_doc(1, version=1, claims=1), _doc(2)]), ckpt, index, emb)
        assert (totals.documents_loaded, totals.documents_skipped, totals.passages_removed) == (1, 1, 4)
        assert len(index) == 2 + 3
        new_keys = set(ckpt.keys_of("KZ00001").tolist())
        assert len(new_keys) == 2
        assert not new_keys & old_keys
        assert not np.isin(index.keys(), list(old_keys)).any()
        _, scores = index.search(emb.embed_queries(["claim 0 of 1 v0"]), 1)
        assert scores[0, 0] < 0.99


def test_repeat_within_one_file_keeps_the_last_version(tmp_path: Path) -> None:
    emb, index = HashEmbedder(), ExactIndex(DIM)
    with IngestCheckpoint(tmp_path / "ckpt.sqlite3", model_name=emb.name, dim=DIM) as ckpt:
        _run(_write(tmp_path / "a.jsonl", [_doc(1), _doc(1, version=2, claims=4)]), ckpt, index, emb)
        assert len(index) == 5
        assert ckpt.document_count() == 1
        _, scores = index.search(emb.embed_queries(["claim 3 of 1 v2"]), 1)
        assert scores[0, 0] == pytest.approx(1.0, abs=1e-5)


def test_interrupted_run_resumes_from_the_last_commit(tmp_path: Path) -> None:
    corpus = _write(tmp_path / "c.jsonl", [_doc(i) for i in range(20)])
    index_dir, ckpt_path = tmp_path / "idx", tmp_path / "ckpt.sqlite3"
    index = HnswIndex(DIM)
    commits: list[str] = []

    def save(fingerprint: str) -> None:
        commits.append(fingerprint)
        index.save(index_dir, model_name="hash-embedder", fingerprint=fingerprint)

    with IngestCheckpoint(ckpt_path, model_name="hash-embedder", dim=DIM) as ckpt, pytest.raises(KeyboardInterrupt):
        _run(corpus, ckpt, index, HashEmbedder(fail_after=5), commit_every=12, on_commit=save)
    assert commits  # at least one window was committed before the interruption

    resumed_index = HnswIndex.load(index_dir)  # what a restarted process has: the last saved state
    emb = HashEmbedder()
    with IngestCheckpoint(ckpt_path, model_name="hash-embedder", dim=DIM) as ckpt:
        done_before = ckpt.document_count()
        assert 0 < done_before < 20
        totals = _run(corpus, ckpt, resumed_index, emb, commit_every=12)
        assert totals.documents_skipped == done_before
        assert emb.embedded == 3 * (20 - done_before)
        assert len(resumed_index) == 60
        assert sorted(resumed_index.keys().tolist()) == ckpt.all_keys().tolist()


def test_reconcile_repairs_an_index_ahead_and_a_checkpoint_ahead(tmp_path: Path) -> None:
    emb, index = HashEmbedder(), ExactIndex(DIM)
    with IngestCheckpoint(tmp_path / "ckpt.sqlite3", model_name=emb.name, dim=DIM) as ckpt:
        corpus = _write(tmp_path / "c.jsonl", [_doc(i) for i in range(4)])
        _run(corpus, ckpt, index, emb)
        index.add(np.array([10_000]), np.ones((1, DIM), dtype=np.float32))  # saved before a checkpoint commit
        index.remove(ckpt.keys_of("KZ00002")[:1])  # checkpoint committed, index save lost
        assert reconcile(index, ckpt) == 2
        assert 10_000 not in index
        assert ckpt.content_sha256("KZ00002") is None
        assert len(index) == 9
        again = HashEmbedder()
        totals = _run(corpus, ckpt, index, again)
        assert (totals.documents_loaded, again.embedded) == (1, 3)
        assert len(index) == 12


def test_progress_reports_running_totals(tmp_path: Path) -> None:
    seen: list[IngestProgress] = []
    emb = HashEmbedder()
    with IngestCheckpoint(tmp_path / "ckpt.sqlite3", model_name=emb.name, dim=DIM) as ckpt:
        corpus = _write(tmp_path / "c.jsonl", [_doc(i) for i in range(6)])
        final = _run(corpus, ckpt, ExactIndex(DIM), emb, progress=lambda p: seen.append(IngestProgress(**_fields(p))))
    reads = [p.documents_read for p in seen]
    assert reads == sorted(reads)
    assert reads[-1] == 6
    assert seen[-1].passages_embedded == final.passages_embedded == 18


def _fields(p: IngestProgress) -> dict[str, int]:
    return {name: getattr(p, name) for name in IngestProgress.__slots__}


def test_checkpoint_refuses_another_model(tmp_path: Path) -> None:
    IngestCheckpoint(tmp_path / "c.sqlite3", model_name="a", dim=DIM).close()
    with pytest.raises(ValueError, match="model_name"):
        IngestCheckpoint(tmp_path / "c.sqlite3", model_name="b", dim=DIM)


def test_record_fields_and_aliases() -> None:
    record = CorpusRecord.from_json({"document_id": 12, "claims": "one claim", "ipc": ["H01L"], "x": 1})
    assert (record.doc_id, record.claims, record.ipc, record.extra) == ("12", ("one claim",), ("H01L",), {"x": 1})
    assert record.content_sha256() != CorpusRecord.from_json({"document_id": 12}).content_sha256()
    with pytest.raises(ValueError, match="id fields"):
        CorpusRecord.from_json({"title": "no id"})


def test_bad_line_names_its_number(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "A1"}\n\n[1, 2]\n', encoding="utf-8")
    records = read_jsonl(path)
    assert next(records).doc_id == "A1"
    with pytest.raises(ValueError, match=r"bad\.jsonl:3"):
        next(records)


def test_refuses_an_index_it_cannot_reconcile_or_of_another_dim(tmp_path: Path) -> None:
    class NoKeys:
        dim = DIM

    with IngestCheckpoint(tmp_path / "c.sqlite3", model_name="hash-embedder", dim=DIM) as ckpt:
        with pytest.raises(TypeError, match="keys"):
            ingest([], embedder=HashEmbedder(), index=NoKeys(), checkpoint=ckpt, split=split)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="dim"):
            ingest([], embedder=HashEmbedder(), index=ExactIndex(DIM + 1), checkpoint=ckpt, split=split)
