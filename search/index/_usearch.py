"""usearch, imported so that it leaves the C++ runtime of every other library in the process intact.

usearch's compiled module links its own copy of the C++ standard library statically and exports that copy's
process-wide ("GNU unique") symbols, such as the ids of the stream formatting facets. Loaded before the shared
``libstdc++.so.6``, those win for the whole process, and the shared library's own formatting then fails and
recovers through a C++ exception every time it prints a number. Torch's TorchScript does that for every value it
names: an ONNX export of the bundled model (``search.onnx_embedder``) took over five minutes instead of seconds
on a 2-core AMD EPYC (2026-12-07), in every process that had opened a vector index first, the service and the
Celery workers among them. Loading the shared library first, with its symbols global, makes its copies the ones
the process uses; usearch's code then finds the same ones.
"""

from __future__ import annotations

import contextlib
import ctypes

with contextlib.suppress(OSError):  # no shared libstdc++ (a static or non-glibc build): nothing to protect
    ctypes.CDLL("libstdc++.so.6", mode=ctypes.RTLD_GLOBAL)

import usearch
from usearch.index import BatchMatches, Index

__all__ = ["BatchMatches", "Index", "usearch"]
