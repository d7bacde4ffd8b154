"""`AlbertConfig`: every field of Hugging Face's ALBERT config.json, with HF's defaults, and the readers of
config files (HF's config.json, google-research's albert_config.json). Finding the file for a directory or a
hub id is :mod:`albert_tf.checkpoints.resolve`'s; the presets and file names are in
:mod:`albert_tf.modeling.presets`.

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

from albert_tf.modeling.presets import CONFIG_NAME, PRESETS, TF1_CONFIG_NAME
from albert_tf.utils.io import atomic_write_text, read_json_object

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

# Fields every HF PretrainedConfig carries (transformers 4.x `PretrainedConfig.__init__`), with HF's defaults.
# albert_tf reads `output_*`, `return_dict`/`torchscript` and `tf_legacy_loss`; the rest (generation, pruning,
# encoder-decoder switches) are kept and written back so a config.json round trip through albert_tf loses nothing.
_COMMON_DEFAULTS: dict[str, Any] = {
    "return_dict": True, "output_hidden_states": False, "output_attentions": False, "torchscript": False,
    "dtype": None, "use_bfloat16": False, "tf_legacy_loss": False, "pruned_heads": {},
    "tie_word_embeddings": True, "chunk_size_feed_forward": 0, "is_encoder_decoder": False, "is_decoder": False,
    "cross_attention_hidden_size": None, "add_cross_attention": False, "tie_encoder_decoder": False,
    "architectures": None, "finetuning_task": None, "task_specific_params": None, "problem_type": None,
    "tokenizer_class": None, "prefix": None, "sep_token_id": None, "decoder_start_token_id": None,
    "max_length": 20, "min_length": 0, "do_sample": False, "early_stopping": False, "num_beams": 1,
    "num_beam_groups": 1, "diversity_penalty": 0.0, "temperature": 1.0, "top_k": 50, "top_p": 1.0,
    "typical_p": 1.0, "repetition_penalty": 1.0, "length_penalty": 1.0, "no_repeat_ngram_size": 0,
    "encoder_no_repeat_ngram_size": 0, "bad_words_ids": None, "num_return_sequences": 1, "output_scores": False,
    "return_dict_in_generate": False, "forced_bos_token_id": None, "forced_eos_token_id": None,
    "remove_invalid_values": False, "exponential_decay_length_penalty": None, "suppress_tokens": None,
    "begin_suppress_tokens": None,
}



class AlbertConfig:
    """Configuration of an ALBERT model, field for field compatible with HF's config.json.

    As in HF, construction accepts any values (and unknown fields, which are kept and written back); a
    config that cannot describe an ALBERT is an error, naming the field, when a model is built from it
    (`validate()`).

    Args:
        **kwargs: any HF ALBERT config field; missing ones take HF's defaults. `id2label` (keys may be
            strings, as in JSON), `label2id` and `num_labels` follow HF's rules: `num_labels` defaults to 2,
            `id2label` wins over `label2id`. Unlike HF, the three stay consistent: setting `id2label` or
            `label2id` updates the other, setting `num_labels` to another count resets both.

    Example:
        >>> config = AlbertConfig(num_labels=3)
        >>> config.id2label = {0: "neg", 1: "neu", 2: "pos"}
        >>> config.label2id["pos"], config.num_labels
        (2, 3)
    """

    model_type = "albert"
    sub_configs: dict = {}  # HF: nested configs of composite models; ALBERT has none
    has_no_defaults_at_init = False

    def __init__(self, **kwargs: Any) -> None:
        values = dict(_ALBERT_DEFAULTS)
        values.update(_COMMON_DEFAULTS)
        id2label = kwargs.pop("id2label", None)
        label2id = kwargs.pop("label2id", None)
        num_labels = kwargs.pop("num_labels", None)
        kwargs.pop("model_type", None)
        if "use_return_dict" in kwargs:  # written by albert_tf 0.1's config.json
            kwargs.setdefault("return_dict", kwargs.pop("use_return_dict"))
        values.update(kwargs)
        for key, value in values.items():
            setattr(self, key, value)

        if id2label is not None:
            self.id2label = id2label
            if label2id is not None:
                self.__dict__["label2id"] = dict(label2id)  # HF keeps a given label2id as it is
        elif label2id is not None:
            self.label2id = label2id
        else:
            self.num_labels = 2 if num_labels is None else num_labels
        if num_labels is not None and int(num_labels) != len(self.id2label):
            # HF resets the label maps when num_labels disagrees with id2label.
            self.num_labels = num_labels

    # -- derived values -------------------------------------------------------------------------
    @property
    def id2label(self) -> dict[int, str]:
        return self.__dict__["id2label"]

    @id2label.setter
    def id2label(self, value) -> None:
        self.__dict__["id2label"] = {int(k): str(v) for k, v in dict(value).items()}
        self.__dict__["label2id"] = {v: k for k, v in self.__dict__["id2label"].items()}

    @property
    def label2id(self) -> dict[str, int]:
        return self.__dict__["label2id"]

    @label2id.setter
    def label2id(self, value) -> None:
        self.id2label = {int(v): str(k) for k, v in dict(value).items()}

    @property
    def num_labels(self) -> int:
        return len(self.id2label)

    @num_labels.setter
    def num_labels(self, value: int) -> None:
        if "id2label" not in self.__dict__ or len(self.id2label) != int(value):
            self.id2label = {i: f"LABEL_{i}" for i in range(int(value))}

    @property
    def use_return_dict(self) -> bool:
        """HF's rule: outputs are ModelOutputs unless `return_dict=False` (or `torchscript=True`)."""
        return bool(self.return_dict) and not self.torchscript

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
        out["model_type"] = self.model_type
        return dict(sorted(out.items()))

    @classmethod
    def from_dict(cls, values: dict[str, Any], **overrides: Any) -> "AlbertConfig":
        """HF's `from_dict(config_dict, **kwargs)`: `kwargs` override fields of the dict.

        An overriding `id2label` (or `label2id`) replaces both label maps of the dict, so the two stay
        consistent (HF would keep the dict's stale `label2id` next to the new `id2label`)."""
        merged = dict(values)
        for given, stale in (("id2label", "label2id"), ("label2id", "id2label")):
            if given in overrides and stale not in overrides:
                merged.pop(stale, None)
        merged.update(overrides)
        return cls(**merged)

    def to_json_string(self, use_diff: bool = False) -> str:
        """config.json text. `use_diff=True` is HF's diff form: ALBERT's own fields always, the fields all HF
        configs share only where they differ from their defaults."""
        values = self.to_dict()
        if use_diff:
            defaults = AlbertConfig().to_dict()
            shared = set(_COMMON_DEFAULTS) | {"id2label", "label2id"}
            values = {k: v for k, v in values.items() if k not in shared or defaults[k] != v}
        return json.dumps(values, indent=2, sort_keys=True) + "\n"

    def to_json_file(self, json_file_path: str | os.PathLike, use_diff: bool = False) -> None:
        """Writes `to_json_string()` to `json_file_path` atomically."""
        atomic_write_text(json_file_path, self.to_json_string(use_diff=use_diff))

    def save_pretrained(self, save_directory: str | os.PathLike, **kwargs: Any) -> str:
        """Writes `config.json` into `save_directory` atomically; returns the file path.

        HF's `push_to_hub` keyword is accepted only as False: albert_tf never uploads from here.
        """
        if kwargs.pop("push_to_hub", False):
            raise ValueError("AlbertConfig.save_pretrained(push_to_hub=True): push the model, not the config, "
                             "with model.save_pretrained(..., push_to_hub=True)")
        if kwargs:
            raise TypeError(f"AlbertConfig.save_pretrained got unexpected keyword(s): {', '.join(sorted(kwargs))}")
        if os.path.isfile(save_directory):
            raise OSError(f"{save_directory} is a file; save_pretrained needs a directory")
        os.makedirs(save_directory, exist_ok=True)
        path = os.path.join(save_directory, CONFIG_NAME)
        atomic_write_text(path, self.to_json_string())
        return path

    @classmethod
    def from_json_file(cls, path: str | os.PathLike, **overrides: Any) -> "AlbertConfig":
        values = read_json_object(path)
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
    def from_pretrained(cls, name_or_path: str | os.PathLike, subfolder: str = "",
                        **overrides: Any) -> "AlbertConfig":
        """Reads config.json (or a google-research albert_config.json) from a directory, a file or a preset.

        `subfolder` is a directory inside `name_or_path` (a local directory or a hub id), as in HF.
        """
        return resolve_config(name_or_path, subfolder=subfolder, **overrides)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AlbertConfig) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"AlbertConfig {self.to_json_string()}"


# ------------------------------------------------------------------ config files
def read_tf1_config(path: str, **overrides) -> AlbertConfig:
    """google-research `albert_config.json` -> AlbertConfig.

    Its "gelu" is the tanh approximation (google-research modeling.py), which HF calls "gelu_new".
    """
    with open(path, encoding="utf-8") as f:
        values = json.load(f)
    if values.get("hidden_act") == "gelu":
        values["hidden_act"] = "gelu_new"
    for key in ("net_structure_type", "layers_to_keep", "gap_size", "num_memory_blocks", "down_scale_factor"):
        values.pop(key, None)
    return AlbertConfig.from_dict(values, **overrides)


def _type_errors(config: AlbertConfig) -> list[str]:
    """Fields whose JSON type differs from the default's (``"hidden_dropout_prob": "0.1"``): they would
    otherwise fail deep inside Keras, naming no field."""
    problems = []
    for key, default in AlbertConfig().to_dict().items():
        value = getattr(config, key, default)
        if default is None or value is None or isinstance(default, (dict, list)):
            continue
        if isinstance(default, bool):
            ok, kind = isinstance(value, bool), "true or false"
        elif isinstance(default, int):
            ok, kind = isinstance(value, int) and not isinstance(value, bool), "an integer"
        elif isinstance(default, float):
            ok, kind = isinstance(value, (int, float)) and not isinstance(value, bool), "a number"
        else:
            ok, kind = isinstance(value, type(default)), f"a {type(default).__name__}"
        if not ok:
            problems.append(f"{key} must be {kind}, got {value!r}")
    return problems


def read_config_file(path: str, **overrides) -> AlbertConfig:
    """A config.json / albert_config.json, with any bad field reported as ``PATH: field ...``."""
    try:
        config = read_tf1_config(path, **overrides) if os.path.basename(path) == TF1_CONFIG_NAME else \
            AlbertConfig.from_json_file(path, **overrides)
    except (TypeError, ValueError) as e:
        raise ValueError(str(e) if path in str(e) else f"{path}: {e}") from None
    problems = _type_errors(config)
    if problems:
        raise ValueError(f"{path}: {'; '.join(problems)}")
    return config


def resolve_config(name_or_path: str | os.PathLike, subfolder: str = "", **overrides) -> AlbertConfig:
    """The config of a file, a preset, a local directory or a hub id (``AlbertConfig.from_pretrained``)."""
    from albert_tf.checkpoints.formats import CheckpointError
    from albert_tf.checkpoints.resolve import resolve_directory, with_subfolder

    path = with_subfolder(name_or_path, subfolder)
    if os.path.isfile(path):
        return read_config_file(path, **overrides)
    if not os.path.isdir(path) and path.split("/")[-1] in PRESETS:
        return AlbertConfig.from_preset(path, **overrides)
    directory = resolve_directory(path)
    for name in (CONFIG_NAME, TF1_CONFIG_NAME):
        if os.path.exists(os.path.join(directory, name)):
            return read_config_file(os.path.join(directory, name), **overrides)
    raise CheckpointError(f"{directory} has no {CONFIG_NAME} or {TF1_CONFIG_NAME}")
