"""Finding weights and config for a name: a local directory, a file, a preset, or a hub id.

Resolution order inside a directory: model.safetensors(.index.json) -> tf_model.h5 -> pytorch_model.bin
-> a google-research TF1 checkpoint (albert_config.json + model.ckpt-*). A hub id downloads only when
huggingface_hub is installed and the network answers; otherwise the error says which of the two failed.

The config files themselves are read by :mod:`albert_tf.modeling.config` (``AlbertConfig.from_pretrained``),
which calls this module to find them; this module reads no config, so the two do not import each other.

Example:
    >>> with_subfolder("runs/sst2"), can_be_hub_id("albert/albert-base-v2")
    ('runs/sst2', True)
"""

from __future__ import annotations

import dataclasses
import glob
import os
import re

from albert_tf.checkpoints.formats import CheckpointError
from albert_tf.modeling.presets import CONFIG_NAME, PRESETS, TF1_CONFIG_NAME
from albert_tf.utils.hub import snapshot

SAFETENSORS_NAME = "model.safetensors"
SAFETENSORS_INDEX_NAME = "model.safetensors.index.json"
TF_H5_NAME = "tf_model.h5"
PYTORCH_BIN_NAME = "pytorch_model.bin"
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


def with_subfolder(name_or_path: str | os.PathLike, subfolder: str = "") -> str:
    """HF's `subfolder=`: a directory inside a local model directory or a hub repository."""
    path = os.fspath(name_or_path)
    return os.path.join(resolve_directory(path), subfolder) if subfolder else path
