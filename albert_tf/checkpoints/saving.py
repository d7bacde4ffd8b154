"""Writing a model in HF's formats: config.json + model.safetensors (PyTorch names) and/or tf_model.h5.

Example:
    >>> import os, tempfile
    >>> from albert_tf import AlbertConfig, TFAlbertForMaskedLM
    >>> model = TFAlbertForMaskedLM(AlbertConfig(vocab_size=30, embedding_size=8, hidden_size=16,
    ...     num_attention_heads=2, intermediate_size=32, num_hidden_layers=1))
    >>> directory = model.save_pretrained(tempfile.mkdtemp(), weights_format="both")
    >>> sorted(os.listdir(directory))
    ['config.json', 'model.safetensors', 'tf_model.h5']
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile

import keras
import numpy as np

from albert_tf.checkpoints import formats
from albert_tf.checkpoints.names import weight_table
from albert_tf.checkpoints.resolve import SAFETENSORS_INDEX_NAME, SAFETENSORS_NAME, TF_H5_NAME
from albert_tf.utils.io import atomic_write_text

_SHARD = re.compile(r"model-\d{5}-of-\d{5}\.safetensors")

WEIGHTS_FORMATS = ("safetensors", "h5", "both")
# HF's PyTorch class names for config.json's "architectures".
_ARCHITECTURES = {
    "TFAlbertModel": "AlbertModel",
    "TFAlbertForPreTraining": "AlbertForPreTraining",
    "TFAlbertForMaskedLM": "AlbertForMaskedLM",
    "TFAlbertForSequenceClassification": "AlbertForSequenceClassification",
    "TFAlbertForMultipleChoice": "AlbertForMultipleChoice",
    "TFAlbertForTokenClassification": "AlbertForTokenClassification",
    "TFAlbertForQuestionAnswering": "AlbertForQuestionAnswering",
}


def _float32(variable) -> np.ndarray:
    # The backend tensor behind the variable: numpy reads it without the __array__ protocol that Keras
    # variables implement without numpy 2's `copy` keyword (a DeprecationWarning per weight on JAX/torch).
    return np.asarray(keras.ops.convert_to_numpy(variable.value), dtype=np.float32)


def pt_state_dict(model) -> dict[str, np.ndarray]:
    """The model's weights under HF PyTorch names and layout (float32)."""
    state = {}
    for entry in weight_table(model):
        state[entry.pt_name] = entry.to_pt(_float32(entry.variable))
    if "predictions.bias" in state:
        # HF PyTorch ties predictions.decoder.bias to predictions.bias; write both so either loader finds it.
        state["predictions.decoder.bias"] = state["predictions.bias"].copy()
    return state


def tf_state_dict(model) -> dict[str, np.ndarray]:
    """The model's weights under HF TF names (without the model prefix) and Keras layout."""
    state = {}
    for entry in weight_table(model):
        pt_value = entry.to_pt(_float32(entry.variable))
        state[entry.tf_name] = pt_value.T if entry.tf_name.endswith("/kernel") else pt_value
    if "predictions/decoder/bias" in state:
        state["predictions/bias"] = state["predictions/decoder/bias"].copy()
    return state


def parse_size(size: int | str) -> int:
    """HF's shard sizes: an int (bytes) or "5GB" / "200MB" / "10KiB"... (decimal units; *iB binary)."""
    if isinstance(size, int):
        return size
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(I?)B\s*", str(size).upper())
    if not match:
        raise ValueError(f"max_shard_size must be bytes or like '5GB' / '200MB', got {size!r}")
    base = 1024 if match.group(3) else 1000
    return int(float(match.group(1)) * base ** " KMGT".index(match.group(2) or " "))


def _shards(state: dict[str, np.ndarray], limit: int) -> list[dict[str, np.ndarray]]:
    """HF's greedy split: weights in order, a new shard when the next one would pass `limit`."""
    shards: list[dict[str, np.ndarray]] = [{}]
    size = 0
    for name, value in state.items():
        if shards[-1] and size + value.nbytes > limit:
            shards.append({})
            size = 0
        shards[-1][name] = value
        size += value.nbytes
    return shards


def _write_safetensors(directory: str, state: dict[str, np.ndarray], max_shard_size) -> set[str]:
    shards = _shards(state, parse_size(max_shard_size))
    if len(shards) == 1:
        formats.write_safetensors(os.path.join(directory, SAFETENSORS_NAME), state, {"format": "pt"})
        return {SAFETENSORS_NAME}
    names = [f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors" for i in range(len(shards))]
    for name, shard in zip(names, shards):
        formats.write_safetensors(os.path.join(directory, name), shard, {"format": "pt"})
    index = {"metadata": {"total_size": int(sum(v.nbytes for v in state.values()))},
             "weight_map": {key: name for name, shard in zip(names, shards) for key in shard}}
    atomic_write_text(os.path.join(directory, SAFETENSORS_INDEX_NAME), json.dumps(index, indent=2) + "\n")
    return set(names) | {SAFETENSORS_INDEX_NAME}


def _remove_stale_weights(directory: str, written: set[str]) -> None:
    """Drops weight files of an earlier save that this one replaces (a stale index would win when loading)."""
    if not written:
        return
    for name in os.listdir(directory):
        if name not in written and (name in (SAFETENSORS_NAME, SAFETENSORS_INDEX_NAME) or _SHARD.fullmatch(name)):
            os.remove(os.path.join(directory, name))


def export_saved_model(model, directory: str, version: int, signatures=None) -> str:
    """`<directory>/saved_model/<version>`: a TF SavedModel whose serving_default is `model.serving`."""
    import tensorflow as tf

    target = os.path.join(directory, "saved_model", str(int(version)))
    if os.path.exists(target):
        raise FileExistsError(f"{target} exists; save_pretrained never overwrites a SavedModel version, "
                              "pass another version=")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=os.path.dirname(target))
    try:
        tf.saved_model.save(model, tmp, signatures=signatures or model.serving.get_concrete_function())
        os.replace(tmp, target)  # atomic: a server watching saved_model/ never sees half a version
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def upload_to_hub(directory: str, repo_id: str, *, commit_message: str | None = None, private: bool | None = None,
                token=None, create_pr: bool = False) -> None:
    """Uploads a saved directory with huggingface_hub (the `hub` extra)."""
    try:
        import huggingface_hub
    except ImportError:
        raise ImportError("push_to_hub=True needs huggingface_hub (pip install 'albert-tf[hub]')") from None
    api = huggingface_hub.HfApi(token=token)
    api.create_repo(repo_id, private=private, exist_ok=True)
    api.upload_folder(repo_id=repo_id, folder_path=directory, commit_message=commit_message or "Upload model",
                      create_pr=create_pr)


def save_pretrained(model, directory: str | os.PathLike, weights_format: str = "safetensors", *,
                    max_shard_size: int | str = "10GB", saved_model: bool = False, version: int = 1,
                    signatures=None, push_to_hub: bool = False, hub_options: dict | None = None) -> str:
    if weights_format not in WEIGHTS_FORMATS:
        raise ValueError(f"weights_format must be one of {WEIGHTS_FORMATS}, got {weights_format!r}")
    options = dict(hub_options or {})
    repo_id = options.pop("repo_id", None)
    if not push_to_hub:
        options = {k: v for k, v in options.items() if k not in ("create_pr", "token") or v}
        if options:
            raise TypeError(f"save_pretrained got unexpected keyword(s): {', '.join(sorted(options))}")
    directory = os.fspath(directory)
    if os.path.isfile(directory):
        raise OSError(f"{directory} is a file; save_pretrained needs a directory")
    os.makedirs(directory, exist_ok=True)
    config = model.config
    config.architectures = [_ARCHITECTURES[type(model).__name__]]
    written: set[str] = set()
    if weights_format in ("safetensors", "both"):
        written |= _write_safetensors(directory, pt_state_dict(model), max_shard_size)
    if weights_format in ("h5", "both"):
        state = tf_state_dict(model)
        if sum(v.nbytes for v in state.values()) > parse_size(max_shard_size):
            raise ValueError("max_shard_size: albert_tf shards safetensors weights only; save with "
                             "weights_format='safetensors' (HF's TF and PyTorch classes read it)")
        formats.write_h5(os.path.join(directory, TF_H5_NAME), model.name, state)
    _remove_stale_weights(directory, written)
    if saved_model:
        export_saved_model(model, directory, version, signatures)
    # config.json last: a directory with a config always has complete weights beside it.
    config.save_pretrained(directory)
    if push_to_hub:
        upload_to_hub(directory, repo_id or os.path.basename(os.path.abspath(directory)), **options)
    return directory
