"""E5S1 reader and charsmap encoder: the file is read as e5.c reads it, the normaliser maps as its table says."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

import numpy as np
import pytest
from tokenizers import normalizers

from search.models import E5S1Config, E5S1File, E5S1FormatError, bundled_e5s1_path, dequantize_q4_0
from search.models._charsmap import build_precompiled_charsmap

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture(scope="module")
def e5s1() -> Iterator[E5S1File]:
    with E5S1File(bundled_e5s1_path()) as model:
        yield model


def test_header_describes_multilingual_e5_small(e5s1: E5S1File) -> None:
    assert e5s1.config == E5S1Config(
        hidden_size=384,
        num_layers=12,
        num_heads=12,
        intermediate_size=1536,
        vocab_size=250037,
        max_positions=512,
        type_vocab_size=2,
        layer_norm_eps=pytest.approx(1e-12),  # type: ignore[arg-type]
    )
    vocab = e5s1.vocab
    assert len(vocab.pieces) == len(vocab.scores) == 250002
    assert [vocab.pieces[i] for i in (vocab.bos_id, vocab.pad_id, vocab.eos_id, vocab.unk_id)] == [
        "<s>",
        "<pad>",
        "</s>",
        "<unk>",
    ]
    assert vocab.pieces[-1] == "<mask>"
    assert len(e5s1.tensors) == 5 + 16 * 12


def _block(scale: float, nibbles: list[int]) -> bytes:
    qs = bytes(lo | hi << 4 for lo, hi in zip(nibbles[:16], nibbles[16:], strict=True))
    return struct.pack("<e", scale) + qs


def test_dequantize_puts_low_nibbles_first_and_centres_on_eight() -> None:
    nibbles = [(3 * i + 1) % 16 for i in range(32)]
    raw = _block(0.375, nibbles) + _block(-2.0, list(range(16)) * 2)
    blocks = np.frombuffer(raw, dtype=[("d", "<f2"), ("qs", "u1", (16,))])
    values = dequantize_q4_0(blocks)
    assert values.dtype == np.float32
    assert values.shape == (2, 32)
    assert values[0].tolist() == [(n - 8) * 0.375 for n in nibbles]
    assert values[1].tolist() == [(n - 8) * -2.0 for n in list(range(16)) * 2]


def test_q4_tensor_rows_are_the_engines_weights(e5s1: E5S1File) -> None:
    # Independent scalar decoding of layer 0's query matrix from the raw bytes, block by block as deq_row does.
    weights = e5s1.tensor("l0.q.w", (384, 384))
    entry = e5s1.tensors["l0.q.w"]
    raw = e5s1.path.read_bytes()[entry.offset : entry.offset + entry.nbytes]
    for row in (0, 191, 383):
        expected = []
        for block in range(384 // 32):
            start = (row * 12 + block) * 18
            (scale,) = struct.unpack_from("<e", raw, start)
            qs = raw[start + 2 : start + 18]
            expected += [np.float32(q & 15) - 8 for q in qs]
            expected += [np.float32(q >> 4) - 8 for q in qs]
            expected[-32:] = [np.float32(v) * np.float32(scale) for v in expected[-32:]]
        assert weights[row].tolist() == expected


def test_f32_tensors_are_read_verbatim(e5s1: E5S1File) -> None:
    entry = e5s1.tensors["emb.ln.w"]
    raw = e5s1.path.read_bytes()[entry.offset : entry.offset + entry.nbytes]
    assert e5s1.tensor("emb.ln.w", (384,)).tolist() == list(struct.unpack("<384f", raw))


def test_tensor_with_wrong_shape_or_name_is_refused(e5s1: E5S1File) -> None:
    with pytest.raises(E5S1FormatError, match="holds"):
        e5s1.tensor("l0.q.w", (384, 385))
    with pytest.raises(E5S1FormatError, match="missing"):
        e5s1.tensor("l12.q.w", (384, 384))


def test_not_an_e5s1_file(tmp_path: Path) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(E5S1FormatError, match="not an E5S1"):
        E5S1File(path)


def test_unknown_version(tmp_path: Path) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(b"E5S1" + struct.pack("<I", 2) + bytes(64))
    with pytest.raises(E5S1FormatError, match="version 2"):
        E5S1File(path)


@pytest.mark.parametrize("keep", [100, 3_000_000, 20_000_000])
def test_truncated_file(tmp_path: Path, keep: int) -> None:
    # Cut inside the vocabulary, then inside the tensor data (the directory points past the end).
    path = tmp_path / "model.bin"
    with bundled_e5s1_path().open("rb") as source:
        path.write_bytes(source.read(keep))
    with pytest.raises(E5S1FormatError):
        E5S1File(path)


def test_charsmap_maps_expands_and_deletes() -> None:
    table = {ord("a"): (ord("b"),), 0xFB01: (ord("f"), ord("i")), 0x200B: (), 0x1F600: (0x263A,), ord("\t"): (32,)}
    normalizer = normalizers.Precompiled(build_precompiled_charsmap(table))
    assert normalizer.normalize_str("a\ufb01x\u200by\U0001f600\tz") == "bfixy\u263a z"
    assert normalizer.normalize_str("Қазақ oʻgʻil") == "Қазақ oʻgʻil"


def test_charsmap_reproduces_every_entry_of_the_real_table(e5s1: E5S1File) -> None:
    table = e5s1.normalization
    normalizer = normalizers.Precompiled(build_precompiled_charsmap(table))
    wrong = {
        cp: normalizer.normalize_str(f"x{chr(cp)}y")
        for cp, out in table.items()
        if normalizer.normalize_str(f"x{chr(cp)}y") != "x" + "".join(map(chr, out)) + "y"
    }
    assert wrong == {}
