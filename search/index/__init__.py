"""In-process vector indexes behind the `VectorIndex` protocol: an exact reference and an approximate one."""

from __future__ import annotations

from search.index._exact import ExactIndex

__all__ = ["ExactIndex"]
