"""Readers and writers of the weight file formats, all speaking the PyTorch-name interchange form.

- `model.safetensors` (HF PyTorch names, Linear weights [out, in]) and TF-format safetensors
  (HF TF names, metadata `format: tf`), sharded or not.
- `tf_model.h5` (HF TF names, Keras-2 `save_weights` layout).
- `pytorch_model.bin`: only through `torch.load(weights_only=True)`, never plain pickle.
- google-research TF1 checkpoints (`model.ckpt-*`), read by name with `tf.train.load_checkpoint`.

Example:
    >>> import numpy as np, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> write_safetensors(path, {"albert.pooler.weight": np.eye(2, dtype="float32")})
    >>> list(read_safetensors(path))
    ['albert.pooler.weight']
"""

from __future__ import annotations

import json
import os

import numpy as np

from albert_tf.checkpoints.names import normalize_pt_names, tf_to_pt_name
from albert_tf.utils.io import atomic_write_with


class CheckpointError(OSError):
    """A weights file is missing, unreadable or corrupt; the message names the file and the reason."""


def _tf_state_to_pt(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {}
    for tf_name, value in state.items():
        pt_name, transpose = tf_to_pt_name(tf_name)
        out[pt_name] = np.ascontiguousarray(value.T) if transpose else value
    return out


def _is_tf_naming(names) -> bool:
    return any("/" in n for n in names)


def read_safetensors(path: str) -> dict[str, np.ndarray]:
    """Reads one safetensors file (PyTorch or TF naming) into PyTorch names and layout."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(path, framework="np") as f:
            metadata = f.metadata() or {}
            state = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, ValueError) as e:
        raise CheckpointError(f"Cannot read safetensors file {path}: {e}") from e
    if metadata.get("format") == "tf" or _is_tf_naming(state):
        return normalize_pt_names(_tf_state_to_pt(state))
    return normalize_pt_names(state)


def read_safetensors_index(index_path: str) -> dict[str, np.ndarray]:
    """Reads a sharded checkpoint described by `model.safetensors.index.json`."""
    try:
        with open(index_path, encoding="utf-8") as f:
            weight_map = json.load(f)["weight_map"]
    except (OSError, ValueError, KeyError) as e:
        raise CheckpointError(f"Cannot read the shard index {index_path}: {e}") from e
    state: dict[str, np.ndarray] = {}
    directory = os.path.dirname(index_path)
    for shard in sorted(set(weight_map.values())):
        state.update(read_safetensors(os.path.join(directory, shard)))
    return state


def read_h5(path: str) -> dict[str, np.ndarray]:
    """Reads HF's `tf_model.h5` (Keras-2 weights layout: layer groups listing `weight_names`)."""
    import h5py

    def _strings(values):
        return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]

    state: dict[str, np.ndarray] = {}
    try:
        with h5py.File(path, "r") as f:
            if "layer_names" in f.attrs:
                for layer_name in _strings(f.attrs["layer_names"]):
                    group = f[layer_name]
                    for weight_name in _strings(group.attrs.get("weight_names", [])):
                        state[weight_name] = np.asarray(group[weight_name])
            else:
                # Sharded HF h5 files store datasets at their full names instead.
                f.visititems(lambda name, obj: state.__setitem__(name, np.asarray(obj))
                             if isinstance(obj, h5py.Dataset) else None)
    except (OSError, KeyError) as e:
        raise CheckpointError(f"Cannot read the h5 weights file {path}: {e}") from e
    if not state:
        raise CheckpointError(f"The h5 weights file {path} holds no weights")
    return normalize_pt_names(_tf_state_to_pt(state))


def read_pytorch_bin(path: str) -> dict[str, np.ndarray]:
    """Reads `pytorch_model.bin` with `torch.load(weights_only=True)`: no arbitrary pickle is executed."""
    try:
        import torch
    except ImportError:
        raise CheckpointError(
            f"{path} is a PyTorch pickle. albert_tf reads it only with torch.load(weights_only=True), and torch is "
            "not installed. Install torch, or convert the checkpoint to model.safetensors."
        ) from None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many types for corrupt or unsafe pickles
        raise CheckpointError(f"Cannot read {path} with torch.load(weights_only=True): {e}") from e
    return normalize_pt_names({k: v.detach().float().numpy() for k, v in state.items()})


def read_tf1_tensors(checkpoint_prefix: str, names) -> dict[str, np.ndarray]:
    """Reads the named tensors of a TF1 checkpoint; names that are absent are left out."""
    import tensorflow as tf

    try:
        reader = tf.train.load_checkpoint(checkpoint_prefix)
    except (tf.errors.OpError, ValueError) as e:
        raise CheckpointError(f"Cannot read the TF1 checkpoint {checkpoint_prefix}: {e}") from e
    available = reader.get_variable_to_shape_map()
    return {name: reader.get_tensor(name) for name in names if name in available}


def write_safetensors(path: str, state: dict[str, np.ndarray], metadata: dict[str, str] | None = None) -> None:
    from safetensors.numpy import save_file

    tensors = {k: np.ascontiguousarray(v) for k, v in state.items()}
    atomic_write_with(path, lambda tmp: save_file(tensors, tmp, metadata=metadata or {"format": "pt"}))


def write_h5(path: str, model_name: str, tf_state: dict[str, np.ndarray]) -> None:
    """Writes HF's tf_model.h5 layout: one group per top-level layer, `weight_names` with the model prefix."""
    import h5py

    by_layer: dict[str, list[str]] = {}
    for name in tf_state:
        by_layer.setdefault(name.split("/")[0], []).append(name)

    def _write(tmp: str) -> None:
        with h5py.File(tmp, "w") as f:
            f.attrs["layer_names"] = [n.encode("utf8") for n in by_layer]
            f.attrs["backend"] = b"tensorflow"
            f.attrs["keras_version"] = b"2.21.0"
            for layer, names in by_layer.items():
                group = f.create_group(layer)
                full_names = [f"{model_name}/{n}:0" for n in names]
                group.attrs["weight_names"] = [n.encode("utf8") for n in full_names]
                for full_name, name in zip(full_names, names):
                    group.create_dataset(full_name, data=np.asarray(tf_state[name]))

    atomic_write_with(path, _write)
