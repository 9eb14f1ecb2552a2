"""A sentence-transformers model exported to ONNX once, then run by ONNX Runtime or OpenVINO without PyTorch.

The export is the torch model itself, traced with its pooling and normalisation, so the ONNX graph computes the
same function; the int8 graph is ONNX Runtime's dynamic quantisation of it. Both are cached under
``<data dir>/models/onnx/<model name>@<fingerprint>/``, so the trace runs once per model and the process that
finds the file ready never imports torch. Files are written under a lock, to a temporary name, then renamed:
another process or a crash never sees half a graph.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

import numpy as np

from search.embedding_backend import EmbeddingBackend
from search.index._files import exclusive_lock

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from numpy.typing import NDArray

EXPORT_VERSION: Final = 1
"""Bump when the exported graph or its quantisation changes, so cached files are rebuilt."""
OPSET: Final = 17
INT8_OP_TYPES: Final = ("MatMul",)
"""What ``onnx-int8`` quantises: the weight products (projections and feed-forward); attention's activation-by-
activation products stay float32, since ONNX Runtime's dynamic quantisation needs a constant weight side."""
ONNX_BACKENDS: Final = frozenset(
    {
        EmbeddingBackend.ONNX,
        EmbeddingBackend.ONNX_INT8,
        EmbeddingBackend.OPENVINO,
        EmbeddingBackend.OPENVINO_BF16,
    }
)
"""The backends this module runs: ONNX Runtime's two and OpenVINO's two, all from the same exported graph."""
OPENVINO_WIDTH_STEP: Final = 16
"""OpenVINO batches are padded to a multiple of this many tokens. OpenVINO prepares its kernels for each input shape
it meets, so batches of every width from 1 to 512 each paid that again; rounded up, they share a few shapes. On the
AMX machine of 2026-12-07, ``openvino-bf16`` embedded 51-54 passages/s in batches of 32 unrounded, 60-62 at a step
of 16 and 55-58 at 32 (the padding's own cost). Padded tokens are masked out of attention and pooling."""


class _Runner(Protocol):
    def __call__(self, input_ids: NDArray[np.int64], attention_mask: NDArray[np.int64]) -> NDArray[np.float32]: ...


def onnx_cache_dir(data_dir: Path, model_name: str) -> Path:
    """Where a model's graphs live: its name (``folder@fingerprint``) makes a changed model a new folder."""
    return data_dir / "models" / "onnx" / f"{model_name}-v{EXPORT_VERSION}"


def ensure_onnx(model_path: Path, cache: Path, *, int8: bool) -> Path:
    """The model's float32 (or int8) ONNX graph, exported (and quantised) on first use.

    Args:
        model_path: The sentence-transformers folder the graph is traced from.
        cache: The model's cache folder (:func:`onnx_cache_dir`).
        int8: Also quantise, and return the int8 graph.

    Returns:
        The graph's path, complete.
    """
    fp32 = cache / "model.onnx"
    wanted = cache / "model-int8.onnx" if int8 else fp32
    if wanted.is_file():
        return wanted
    cache.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(cache / ".lock"):
        if not fp32.is_file():
            with _staged(fp32) as staging:
                _export(model_path, staging)
        if int8 and not wanted.is_file():
            with _staged(wanted) as staging:
                _quantize(fp32, staging)
    return wanted


class OnnxEmbedder:
    """Embeds with the exported graph on ONNX Runtime or OpenVINO, tokenising as sentence-transformers does.

    Texts are sorted by length and batched, so a batch pads to similar lengths (what sentence-transformers does
    too); the graph pools and normalises, so its output is the embedding.

    Args:
        model_path: The sentence-transformers folder (tokenizer, prompts, maximum length).
        model_name: That folder's :attr:`~search.interfaces.Embedder.name`; the cache is keyed by it.
        data_dir: The application's data directory (graphs go under ``models/onnx``).
        backend: One of :data:`ONNX_BACKENDS`.
        batch_size: Texts per run of the graph.
        threads: Threads of the engine; ``None`` keeps its default (one per core).

    Raises:
        ValueError: When ``backend`` is not one this class runs.
        ModuleNotFoundError: When the backend's engine (``onnxruntime`` or ``openvino``) is not installed.
    """

    def __init__(
        self,
        model_path: Path,
        model_name: str,
        data_dir: Path,
        *,
        backend: EmbeddingBackend,
        batch_size: int,
        threads: int | None = None,
    ) -> None:
        if backend not in ONNX_BACKENDS:
            raise ValueError(f"{backend} is not an ONNX backend")
        from tokenizers import Tokenizer  # noqa: PLC0415 - only when this backend is chosen

        graph = ensure_onnx(
            model_path, onnx_cache_dir(data_dir, model_name), int8=backend == EmbeddingBackend.ONNX_INT8
        )
        on_onnxruntime = backend in {EmbeddingBackend.ONNX, EmbeddingBackend.ONNX_INT8}
        self._run: _Runner = (
            _onnxruntime_runner(graph, threads)
            if on_onnxruntime
            else _openvino_runner(graph, threads, bf16=backend == EmbeddingBackend.OPENVINO_BF16)
        )
        self._width_step = 1 if on_onnxruntime else OPENVINO_WIDTH_STEP
        max_length = int(json.loads((model_path / "sentence_bert_config.json").read_text())["max_seq_length"])
        self._tokenizer: Any = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length)
        self._max_length = max_length
        self._tokenizer.no_padding()
        prompts = _prompts(model_path)
        self._query_prompt = prompts.get("query", "")
        self._passage_prompt = prompts.get("passage", prompts.get("document", ""))
        self._pad_id = int(json.loads((model_path / "config.json").read_text()).get("pad_token_id") or 0)
        self._batch_size = batch_size
        self._name = f"{model_name}+{backend}"
        self._dim = int(self._encode(["dimension probe"], "").shape[1])

    @property
    def dim(self) -> int:
        """Length of each vector."""
        return self._dim

    @property
    def name(self) -> str:
        """The torch model's name and the backend: vectors of this backend never mix with another's."""
        return self._name

    def embed_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed search queries: shape (len(texts), dim), rows of unit length."""
        return self._encode(texts, self._query_prompt)

    def embed_passages(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed corpus passages: shape (len(texts), dim), rows of unit length."""
        return self._encode(texts, self._passage_prompt)

    def _encode(self, texts: Sequence[str], prompt: str) -> NDArray[np.float32]:
        if isinstance(texts, str):
            raise TypeError("pass a sequence of texts, not a single string")
        if not texts:
            return np.empty((0, self._dim), dtype=np.float32)
        encodings = self._tokenizer.encode_batch([prompt + text for text in texts])
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        out: NDArray[np.float32] | None = None
        for lo in range(0, len(order), self._batch_size):
            batch = order[lo : lo + self._batch_size]
            width = padded_width(max(len(encodings[i].ids) for i in batch), self._width_step, self._max_length)
            ids = np.full((len(batch), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                tokens = encodings[i].ids
                ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1
            vectors = self._run(ids, mask)
            if out is None:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[batch] = vectors
        assert out is not None  # noqa: S101 - texts is not empty
        return out


def padded_width(longest: int, step: int, max_length: int) -> int:
    """The width a batch whose longest text has ``longest`` tokens is padded to.

    The next multiple of ``step``, but never beyond the model's maximum length: a text is truncated to it, and the
    position table may end there.
    """
    return max(longest, min(-(-longest // step) * step, max_length))


def _prompts(model_path: Path) -> dict[str, str]:
    """The model's non-empty prompts (``config_sentence_transformers.json``), as sentence-transformers reads them."""
    config = model_path / "config_sentence_transformers.json"
    if not config.is_file():
        return {}
    prompts = json.loads(config.read_text(encoding="utf-8")).get("prompts") or {}
    return {name: text for name, text in prompts.items() if text}


def _export(model_path: Path, target: Path) -> None:
    """Trace the sentence-transformers model (encoder, pooling, dense layers, normalisation) into ``target``."""
    import torch  # noqa: PLC0415 - only to export, once per model
    from sentence_transformers import SentenceTransformer  # noqa: PLC0415

    model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True).eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            features = self.model({"input_ids": input_ids, "attention_mask": attention_mask})
            return torch.nn.functional.normalize(features["sentence_embedding"], p=2.0, dim=1)

    example = (torch.ones((2, 8), dtype=torch.int64), torch.ones((2, 8), dtype=torch.int64))
    dynamic = {0: "batch", 1: "tokens"}
    with torch.inference_mode():
        torch.onnx.export(
            Pooled(),
            example,
            str(target),
            input_names=["input_ids", "attention_mask"],
            output_names=["sentence_embedding"],
            dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, "sentence_embedding": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )


def _quantize(fp32: Path, target: Path) -> None:
    """ONNX Runtime's dynamic int8 quantisation of the weight products, weights per output channel."""
    from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: PLC0415

    quantize_dynamic(
        fp32,
        target,
        op_types_to_quantize=list(INT8_OP_TYPES),
        per_channel=True,
        weight_type=QuantType.QInt8,
    )


def _onnxruntime_runner(graph: Path, threads: int | None) -> _Runner:
    import onnxruntime as ort  # noqa: PLC0415 - only when this backend is chosen

    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    # Threads that spin while they wait stall a shared, oversubscribed machine (see benchmarks/search_speed.py).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])

    def run(input_ids: NDArray[np.int64], attention_mask: NDArray[np.int64]) -> NDArray[np.float32]:
        (vectors,) = session.run(["sentence_embedding"], {"input_ids": input_ids, "attention_mask": attention_mask})
        return np.asarray(vectors, dtype=np.float32)

    return run


def openvino_precision(*, bf16: bool, capabilities: Sequence[str]) -> str:
    """The inference precision to ask OpenVINO for: bfloat16 only where the CPU computes it natively.

    OpenVINO lists ``BF16`` among the CPU's optimisation capabilities when it has AVX-512 BF16 or AMX. Without them
    a bfloat16 hint is emulated, and was measured several times slower than float32 (benchmarks/README.md,
    "Embedding backends"), so ``openvino-bf16`` then computes in float32, as ``openvino`` does.
    """
    return "bf16" if bf16 and "BF16" in capabilities else "f32"


def _openvino_runner(graph: Path, threads: int | None, *, bf16: bool) -> _Runner:
    import openvino as ov  # noqa: PLC0415 - only when this backend is chosen

    core = ov.Core()
    precision = openvino_precision(bf16=bf16, capabilities=core.get_property("CPU", "OPTIMIZATION_CAPABILITIES"))
    config: dict[str, Any] = {"INFERENCE_PRECISION_HINT": precision, "PERFORMANCE_HINT": "LATENCY"}
    if threads:
        config["INFERENCE_NUM_THREADS"] = threads
    compiled = core.compile_model(str(graph), "CPU", config)
    output = compiled.output("sentence_embedding")
    # An infer request runs one inference at a time: concurrent callers (searches while a catch-up embeds) each
    # take an idle one, and a new one is made only when all are busy.
    idle: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def run(input_ids: NDArray[np.int64], attention_mask: NDArray[np.int64]) -> NDArray[np.float32]:
        try:
            request = idle.get_nowait()
        except queue.Empty:
            request = compiled.create_infer_request()
        try:
            result = request.infer({"input_ids": input_ids, "attention_mask": attention_mask})
            return np.array(result[output], dtype=np.float32)
        finally:
            idle.put(request)

    return run


@contextlib.contextmanager
def _staged(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``, flushed and renamed onto it when the block succeeds, removed if not."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    staging = Path(name)
    try:
        yield staging
        staging.chmod(0o644)
        with staging.open("rb") as handle:
            os.fsync(handle.fileno())
        staging.replace(target)
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    finally:
        staging.unlink(missing_ok=True)
