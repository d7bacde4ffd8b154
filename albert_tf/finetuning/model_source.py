"""Where the model to fine-tune comes from, and its tokenizer.

``model`` may be:

- a directory written by ``save_pretrained`` (ours or HF's), a google-research TF1 checkpoint directory,
  or a pre-trained ``TFAlbertForPreTraining`` directory: its weights are loaded, the task head is new
  (or kept, when the directory already holds a fine-tuned head of the same shape);
- a bare preset name such as ``albert-base-v2``, a ``config.json`` path, or an :class:`AlbertConfig`:
  random initialisation with that shape (the vocabulary size follows the tokenizer);
- a hub id ``owner/name`` (e.g. ``albert/albert-base-v2``): downloaded when ``huggingface_hub`` and the
  network are there, otherwise the error says which is missing.

The tokenizer is ``tokenizer`` when given (a directory with ``spiece.model``, a ``.model`` file, or an
:class:`AlbertTokenizer`), else the ``spiece.model`` next to the model's ``config.json``.

Example:
    >>> source = resolve_model_source("albert-base-v2")
    >>> source.pretrained, source.config.hidden_size
    (False, 768)
"""

from __future__ import annotations

import dataclasses
import os

from albert_tf.modeling.config import PRESETS, AlbertConfig


@dataclasses.dataclass
class ModelSource:
    pretrained: bool  # True: load weights from `directory`; False: random init from `config`
    config: AlbertConfig
    directory: str | None
    description: str


def resolve_model_source(model) -> ModelSource:
    """Classifies ``model`` (see the module doc) and reads its config."""
    from albert_tf.checkpoints.resolve import can_be_hub_id, missing_model_message, resolve_directory
    from albert_tf.modeling.config import resolve_config

    if isinstance(model, AlbertConfig):
        return ModelSource(False, model, None, "the given AlbertConfig (random init)")
    if not isinstance(model, (str, os.PathLike)):
        raise TypeError(f"model must be a directory, preset name, config.json path, hub id or AlbertConfig; "
                        f"got {type(model).__name__}")
    path = os.fspath(model)
    if os.path.isdir(path):
        return ModelSource(True, resolve_config(path), path, path)
    if os.path.isfile(path):
        if not path.endswith(".json"):
            raise ValueError(f"{path} is a file but not a config .json; pass the model directory instead")
        return ModelSource(False, resolve_config(path), None, f"{path} (random init)")
    if path in PRESETS:
        return ModelSource(False, AlbertConfig.from_preset(path), None, f"preset {path} (random init)")
    if not can_be_hub_id(path):
        raise FileNotFoundError(missing_model_message(path))
    directory = resolve_directory(path)  # downloads, or raises naming what is missing
    return ModelSource(True, resolve_config(directory), directory, f"{path} ({directory})")


def load_tokenizer(tokenizer=None, model_directory: str | None = None):
    """The :class:`AlbertTokenizer` to use (see the module doc)."""
    from albert_tf.tokenization import AlbertTokenizer
    from albert_tf.tokenization.constants import VOCAB_FILE_NAME

    if isinstance(tokenizer, AlbertTokenizer):
        return tokenizer
    if tokenizer is not None:
        return AlbertTokenizer.from_pretrained(os.fspath(tokenizer))
    if model_directory is not None and os.path.isfile(os.path.join(model_directory, VOCAB_FILE_NAME)):
        return AlbertTokenizer.from_pretrained(model_directory)
    where = f"{model_directory} has no {VOCAB_FILE_NAME}" if model_directory else "a randomly initialised model has no vocabulary"
    raise FileNotFoundError(f"no tokenizer: {where}; pass tokenizer= (--tokenizer=DIR holding {VOCAB_FILE_NAME})")
