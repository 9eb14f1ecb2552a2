"""Search whose corpus-sized state lives in PostgreSQL: the engine of the scaled deployment, stateless per process."""

from __future__ import annotations

from search.pg._engine import StatelessEngine
from search.pg._filters import filter_condition
from search.pg._store import PgPassageStore, Ranking, StoredPassage

__all__ = ["PgPassageStore", "Ranking", "StatelessEngine", "StoredPassage", "filter_condition"]
