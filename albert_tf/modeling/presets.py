"""The released ALBERT shapes by name (``PRESETS``) and the config file names, with no imports of their own:
:mod:`albert_tf.modeling.config` and :mod:`albert_tf.checkpoints.resolve` both read them.

Example:
    >>> PRESETS["albert-base-v2"]["hidden_size"], CONFIG_NAME
    (768, 'config.json')
"""

from __future__ import annotations

from typing import Any

CONFIG_NAME = "config.json"
# google-research's config file next to a TF1 checkpoint.
TF1_CONFIG_NAME = "albert_config.json"

_SHAPES = {
    # name: (hidden_size, num_hidden_layers, num_attention_heads); intermediate = 4 * hidden.
    "base": (768, 12, 12),
    "large": (1024, 24, 16),
    "xlarge": (2048, 24, 16),
    "xxlarge": (4096, 12, 64),
}


def _preset(size: str, version: int) -> dict[str, Any]:
    hidden, layers, heads = _SHAPES[size]
    preset = {
        "vocab_size": 30000,
        "embedding_size": 128,
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": 4 * hidden,
        "max_position_embeddings": 512,
        "type_vocab_size": 2,
        "hidden_act": "gelu_new",
        # v1 was trained with dropout 0.1; v2 removed dropout (model cards of albert-*-v2).
        "hidden_dropout_prob": 0.1 if version == 1 else 0.0,
        "attention_probs_dropout_prob": 0.1 if version == 1 else 0.0,
    }
    if size == "xxlarge":
        # albert-xxlarge uses one transformer block computed 12 times with intermediate 16384.
        preset["intermediate_size"] = 16384
    return preset


PRESETS: dict[str, dict[str, Any]] = {
    f"albert-{size}-v{version}": _preset(size, version) for size in _SHAPES for version in (1, 2)
}
