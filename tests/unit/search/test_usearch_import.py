"""Opening a vector index must not slow down the C++ libraries loaded after it (search/index/_usearch.py).

Imported first, usearch's static C++ runtime took over the process's stream-formatting symbols, and every number
TorchScript printed went through a thrown and caught exception: tracing the bundled model for its ONNX export
took over five minutes instead of seconds, in the service and the workers alike. The check runs in a fresh
interpreter, where the import order is the one under test.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

PROGRAM = """
import search.index  # usearch first, as in the service: the engine opens its index before the model loads
import torch
traced = torch.jit.trace(torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.ReLU()), torch.zeros(1, 8))
print(traced(torch.ones(1, 8)).shape[1])
"""


@pytest.mark.model
def test_torchscript_still_traces_after_the_vector_index_is_imported() -> None:
    # A liveness bound, not a timing: this trace takes about 2 s on a 2-core machine and did not finish in two
    # minutes with usearch's runtime in charge.
    done = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=90, check=True)
    assert done.stdout.split()[-1] == "8"
