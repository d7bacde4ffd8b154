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

import os

import numpy as np

from albert_tf.checkpoints import formats
from albert_tf.checkpoints.names import weight_table
from albert_tf.checkpoints.resolve import SAFETENSORS_NAME, TF_H5_NAME

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


def pt_state_dict(model) -> dict[str, np.ndarray]:
    """The model's weights under HF PyTorch names and layout (float32)."""
    state = {}
    for entry in weight_table(model):
        state[entry.pt_name] = entry.to_pt(np.asarray(entry.variable.numpy(), dtype=np.float32))
    if "predictions.bias" in state:
        # HF PyTorch ties predictions.decoder.bias to predictions.bias; write both so either loader finds it.
        state["predictions.decoder.bias"] = state["predictions.bias"].copy()
    return state


def tf_state_dict(model) -> dict[str, np.ndarray]:
    """The model's weights under HF TF names (without the model prefix) and Keras layout."""
    state = {}
    for entry in weight_table(model):
        pt_value = entry.to_pt(np.asarray(entry.variable.numpy(), dtype=np.float32))
        state[entry.tf_name] = pt_value.T if entry.tf_name.endswith("/kernel") else pt_value
    if "predictions/decoder/bias" in state:
        state["predictions/bias"] = state["predictions/decoder/bias"].copy()
    return state


def save_pretrained(model, directory: str | os.PathLike, weights_format: str = "safetensors") -> str:
    if weights_format not in WEIGHTS_FORMATS:
        raise ValueError(f"weights_format must be one of {WEIGHTS_FORMATS}, got {weights_format!r}")
    directory = os.fspath(directory)
    os.makedirs(directory, exist_ok=True)
    config = model.config
    config.architectures = [_ARCHITECTURES[type(model).__name__]]
    if weights_format in ("safetensors", "both"):
        formats.write_safetensors(os.path.join(directory, SAFETENSORS_NAME), pt_state_dict(model), {"format": "pt"})
    if weights_format in ("h5", "both"):
        formats.write_h5(os.path.join(directory, TF_H5_NAME), model.name, tf_state_dict(model))
    # config.json last: a directory with a config always has complete weights beside it.
    config.save_pretrained(directory)
    return directory
