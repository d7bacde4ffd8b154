"""`AlbertConfig`: every field of Hugging Face's ALBERT config.json, with HF's defaults.

Example:
    >>> from albert_tf import AlbertConfig
    >>> config = AlbertConfig.from_preset("albert-base-v2")
    >>> config.hidden_size, config.num_hidden_layers
    (768, 12)
    >>> AlbertConfig(hidden_size=64, num_attention_heads=4, intermediate_size=128).head_dim
    16
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

from albert_tf.utils.io import atomic_write_text

CONFIG_NAME = "config.json"

# HF's AlbertConfig.__init__ defaults (transformers 4.x configuration_albert.py).
_ALBERT_DEFAULTS: dict[str, Any] = {
    "vocab_size": 30000,
    "embedding_size": 128,
    "hidden_size": 4096,
    "num_hidden_layers": 12,
    "num_hidden_groups": 1,
    "num_attention_heads": 64,
    "intermediate_size": 16384,
    "inner_group_num": 1,
    "hidden_act": "gelu_new",
    "hidden_dropout_prob": 0.0,
    "attention_probs_dropout_prob": 0.0,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-12,
    "classifier_dropout_prob": 0.1,
    "position_embedding_type": "absolute",
    "pad_token_id": 0,
    "bos_token_id": 2,
    "eos_token_id": 3,
}

# Fields every HF PretrainedConfig carries that matter to ALBERT users.
_COMMON_DEFAULTS: dict[str, Any] = {
    "output_attentions": False,
    "output_hidden_states": False,
    "use_return_dict": True,
    "tf_legacy_loss": False,
    "architectures": None,
    "problem_type": None,
}

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


class AlbertConfig:
    """Configuration of an ALBERT model, field for field compatible with HF's config.json.

    Unknown fields found in a config.json are kept and written back, so a round trip loses nothing.

    Args:
        **kwargs: any HF ALBERT config field; missing ones take HF's defaults. `id2label`
            (keys may be strings, as in JSON), `label2id` and `num_labels` follow HF's rules:
            `num_labels` defaults to 2, and `id2label` wins when both are given.
    """

    model_type = "albert"

    def __init__(self, **kwargs: Any) -> None:
        values = dict(_ALBERT_DEFAULTS)
        values.update(_COMMON_DEFAULTS)
        id2label = kwargs.pop("id2label", None)
        label2id = kwargs.pop("label2id", None)
        num_labels = kwargs.pop("num_labels", None)
        kwargs.pop("model_type", None)
        if "return_dict" in kwargs:
            kwargs["use_return_dict"] = kwargs.pop("return_dict")
        values.update(kwargs)
        for key, value in values.items():
            setattr(self, key, value)

        if id2label is not None:
            self.id2label = {int(k): str(v) for k, v in dict(id2label).items()}
        elif num_labels is not None:
            self.id2label = {i: f"LABEL_{i}" for i in range(int(num_labels))}
        elif label2id is not None:
            self.id2label = {int(v): str(k) for k, v in dict(label2id).items()}
        else:
            self.id2label = {0: "LABEL_0", 1: "LABEL_1"}
        if num_labels is not None and int(num_labels) != len(self.id2label):
            # HF resets the label maps when num_labels disagrees with id2label.
            self.id2label = {i: f"LABEL_{i}" for i in range(int(num_labels))}
        self.label2id = {v: k for k, v in self.id2label.items()}
        self.validate()

    # -- derived values -------------------------------------------------------------------------
    @property
    def num_labels(self) -> int:
        return len(self.id2label)

    @num_labels.setter
    def num_labels(self, value: int) -> None:
        self.id2label = {i: f"LABEL_{i}" for i in range(int(value))}
        self.label2id = {v: k for k, v in self.id2label.items()}

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads

    def validate(self) -> None:
        """Raises ValueError naming the field when the config cannot describe a valid ALBERT."""
        positive = (
            "vocab_size", "embedding_size", "hidden_size", "num_hidden_layers", "num_hidden_groups",
            "num_attention_heads", "intermediate_size", "inner_group_num", "max_position_embeddings",
            "type_vocab_size",
        )
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"AlbertConfig.{name} must be a positive integer, got {value!r}")
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(
                f"AlbertConfig.hidden_size ({self.hidden_size}) is not a multiple of "
                f"num_attention_heads ({self.num_attention_heads})"
            )
        if self.num_hidden_groups > self.num_hidden_layers:
            raise ValueError(
                f"AlbertConfig.num_hidden_groups ({self.num_hidden_groups}) exceeds "
                f"num_hidden_layers ({self.num_hidden_layers})"
            )
        if self.position_embedding_type != "absolute":
            raise ValueError(
                "AlbertConfig.position_embedding_type must be 'absolute' (the only kind ALBERT checkpoints "
                f"use), got {self.position_embedding_type!r}"
            )
        from albert_tf.modeling.activations import get_activation

        get_activation(self.hidden_act)  # raises on unknown names

    # -- (de)serialization ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict in HF's config.json layout (id2label keys as strings)."""
        out = {k: copy.deepcopy(v) for k, v in self.__dict__.items() if not k.startswith("_")}
        out["id2label"] = {str(k): v for k, v in self.id2label.items()}
        out["label2id"] = dict(self.label2id)
        out["return_dict"] = out.pop("use_return_dict")
        out["model_type"] = self.model_type
        return dict(sorted(out.items()))

    @classmethod
    def from_dict(cls, values: dict[str, Any], **overrides: Any) -> "AlbertConfig":
        merged = dict(values)
        merged.update(overrides)
        return cls(**merged)

    def to_json_string(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def save_pretrained(self, directory: str | os.PathLike) -> str:
        """Writes `config.json` into `directory` atomically; returns the file path."""
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, CONFIG_NAME)
        atomic_write_text(path, self.to_json_string())
        return path

    @classmethod
    def from_json_file(cls, path: str | os.PathLike, **overrides: Any) -> "AlbertConfig":
        try:
            with open(path, encoding="utf-8") as f:
                values = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path} is not valid JSON: {e}") from e
        if not isinstance(values, dict):
            raise ValueError(f"{path} must hold a JSON object, got {type(values).__name__}")
        model_type = values.get("model_type", "albert")
        if model_type != "albert":
            raise ValueError(f"{path} describes a {model_type!r} model, not 'albert'")
        return cls.from_dict(values, **overrides)

    @classmethod
    def from_preset(cls, name: str, **overrides: Any) -> "AlbertConfig":
        """A released ALBERT shape by name (`albert-base-v2`, also `albert/albert-base-v2`)."""
        key = name.split("/")[-1]
        if key not in PRESETS:
            raise ValueError(f"Unknown ALBERT preset {name!r}; known presets: {', '.join(sorted(PRESETS))}")
        return cls.from_dict(PRESETS[key], **overrides)

    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike, **overrides: Any) -> "AlbertConfig":
        """Reads config.json (or a google-research albert_config.json) from a directory, a file or a preset."""
        from albert_tf.checkpoints.resolve import resolve_config

        return resolve_config(name_or_path, **overrides)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AlbertConfig) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"AlbertConfig {self.to_json_string()}"
