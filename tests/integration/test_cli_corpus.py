"""``ctpo corpus load`` as an operator runs it: a real process; new documents leave embedding chunks, one job each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.db.models import CorpusDocument, JobRecord
from tests.support import REPO

if TYPE_CHECKING:
    from pathlib import Path

RECORDS = [
    {"id": "TR2020/000001", "lang": "tr", "title": "Güneş paneli temizleme robotu", "publication_date": "2020-01-02"},
    {"id": "KZ2021/000002", "lang": "kk", "title": "Күн панелін тазалайтын робот", "publication_date": "2021-02-03"},
    {"id": "BAD", "lang": "tr", "title": "Yayımlanmamış belge"},  # no publication date: refused, not loaded
]


def _load(path: Path, database_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CTPO_DATABASE_URL": database_url, "CTPO_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "ctpo", "corpus", "load", str(path), "--no-index"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_corpus_load_stores_documents_and_schedules_indexing_once(database_url: str, tmp_path: Path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in RECORDS) + "\n", encoding="utf-8")
    first = _load(corpus, database_url, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "2 new" in first.stdout
    assert "line 3" in first.stderr
    assert "embedding queued: 2 documents" in first.stdout
    second = _load(corpus, database_url, tmp_path)  # nothing new: no second job
    assert second.returncode == 0, second.stderr
    assert "2 unchanged" in second.stdout

    engine = create_sync_engine(database_url)
    with sessionmaker(engine)() as session:
        assert sorted(session.scalars(select(CorpusDocument.id))) == ["KZ2021/000002", "TR2020/000001"]
        jobs = list(session.scalars(select(JobRecord)))
    engine.dispose()
    assert [(job.name, job.status) for job in jobs] == [("embed_chunk", "queued")]


def test_corpus_load_reads_patent_xml(database_url: str, tmp_path: Path):
    """USPTO full text and EPO DOCDB exchange files load like JSON lines (real public samples)."""
    data = REPO / "tests" / "data" / "patent_xml"
    for name in ("US08930553.xml", "EP2400812A1-docdb.xml"):
        loaded = _load(data / name, database_url, tmp_path)
        assert loaded.returncode == 0, loaded.stderr
        assert "1 new" in loaded.stdout
    engine = create_sync_engine(database_url)
    with sessionmaker(engine)() as session:
        rows = {row.id: row for row in session.scalars(select(CorpusDocument))}
    engine.dispose()
    assert sorted(rows) == ["EP2400812A1", "US8930553B2"]
    assert rows["US8930553B2"].ipc == ["G06F 15/16"]
    assert len(rows["US8930553B2"].claims) == 8
