"""Finding weights and config for a name: a local directory, a file, a preset, or a hub id.

Resolution order inside a directory: model.safetensors(.index.json) -> tf_model.h5 -> pytorch_model.bin
-> a google-research TF1 checkpoint (albert_config.json + model.ckpt-*). A hub id downloads only when
huggingface_hub is installed and the network answers; otherwise the error says which of the two failed.

Example:
    >>> resolve_config("albert-base-v2").hidden_size
    768
"""

from __future__ import annotations

import dataclasses
import glob
import json
import os
import re

from albert_tf.checkpoints.formats import CheckpointError
from albert_tf.modeling.config import CONFIG_NAME, PRESETS, AlbertConfig
from albert_tf.utils.hub import snapshot

SAFETENSORS_NAME = "model.safetensors"
SAFETENSORS_INDEX_NAME = "model.safetensors.index.json"
TF_H5_NAME = "tf_model.h5"
PYTORCH_BIN_NAME = "pytorch_model.bin"
TF1_CONFIG_NAME = "albert_config.json"
HUB_PATTERNS = [CONFIG_NAME, "*.safetensors", SAFETENSORS_INDEX_NAME, TF_H5_NAME, "spiece.model",
                "tokenizer_config.json", "special_tokens_map.json"]


@dataclasses.dataclass
class ResolvedCheckpoint:
    directory: str
    format: str  # safetensors | safetensors_index | h5 | pytorch_bin | tf1
    weights_path: str
    config_path: str


def _tf1_prefix(directory: str) -> str | None:
    state_file = os.path.join(directory, "checkpoint")
    if os.path.exists(state_file):
        import tensorflow as tf

        latest = tf.train.latest_checkpoint(directory)
        if latest:
            return latest
    indexes = sorted(glob.glob(os.path.join(directory, "*.index")))
    if indexes:
        def step(path):
            digits = path[:-len(".index")].rsplit("-", 1)[-1]
            return int(digits) if digits.isdigit() else -1

        return max(indexes, key=step)[: -len(".index")]
    return None


# owner/name, as the hub spells repository ids.
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


def presets_hint() -> str:
    return "presets: " + ", ".join(sorted(PRESETS))


def can_be_hub_id(name: str) -> bool:
    """``owner/name``, or a bare preset name (the hub's legacy ids of exactly those models), whose first
    component is not a local directory: only such names are worth a hub lookup.

    >>> can_be_hub_id("albert/albert-base-v2"), can_be_hub_id("albert-base-v2"), can_be_hub_id("albert-tiny-v9")
    (True, True, False)
    """
    if name in PRESETS:
        return True
    return bool(_HUB_ID.match(name)) and not name.endswith(".json") and not os.path.isdir(name.split("/")[0])


def missing_model_message(path: str) -> str:
    """The one line for a name that is neither a local path, a preset nor a possible hub id."""
    return (f"No such model directory: {path} (nor a config.json, a preset or an owner/name hub id; "
            f"{presets_hint()})")


def resolve_directory(name_or_path: str | os.PathLike) -> str:
    path = os.fspath(name_or_path)
    if os.path.isdir(path):
        return path
    if os.path.exists(path):
        raise OSError(f"{path} is a file; pass the directory that holds config.json and the weights")
    if can_be_hub_id(path):
        return snapshot(path, HUB_PATTERNS, f"it is not a local directory or a preset either ({presets_hint()})")
    raise OSError(missing_model_message(path))


def resolve_checkpoint(name_or_path: str | os.PathLike) -> ResolvedCheckpoint:
    directory = resolve_directory(name_or_path)
    config_path = os.path.join(directory, CONFIG_NAME)
    candidates = [
        (SAFETENSORS_INDEX_NAME, "safetensors_index"),
        (SAFETENSORS_NAME, "safetensors"),
        (TF_H5_NAME, "h5"),
        (PYTORCH_BIN_NAME, "pytorch_bin"),
    ]
    for filename, fmt in candidates:
        weights = os.path.join(directory, filename)
        if os.path.exists(weights):
            if not os.path.exists(config_path):
                raise CheckpointError(f"{directory} has {filename} but no {CONFIG_NAME}")
            return ResolvedCheckpoint(directory, fmt, weights, config_path)
    prefix = _tf1_prefix(directory)
    if prefix is not None:
        tf1_config = os.path.join(directory, TF1_CONFIG_NAME)
        config = config_path if os.path.exists(config_path) else tf1_config
        if not os.path.exists(config):
            raise CheckpointError(f"{directory} has a TF1 checkpoint but neither {TF1_CONFIG_NAME} nor {CONFIG_NAME}")
        return ResolvedCheckpoint(directory, "tf1", prefix, config)
    raise CheckpointError(
        f"No weights found in {directory}: expected one of {SAFETENSORS_NAME}, {TF_H5_NAME}, {PYTORCH_BIN_NAME} "
        f"or a TF1 checkpoint (model.ckpt-*.index)"
    )


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


def with_subfolder(name_or_path: str | os.PathLike, subfolder: str = "") -> str:
    """HF's `subfolder=`: a directory inside a local model directory or a hub repository."""
    path = os.fspath(name_or_path)
    return os.path.join(resolve_directory(path), subfolder) if subfolder else path


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
