"""transformers' Auto classes for ALBERT: `AutoConfig`, `TFAutoModel`, `TFAutoModelFor...`.

Code written against the Auto classes migrates with the import line changed. Only ALBERT checkpoints are
known; any other `model_type` fails with an error naming it.

Example:
    >>> import tempfile
    >>> from albert_tf import AlbertConfig, AutoConfig, TFAlbertModel, TFAutoModelForMaskedLM
    >>> config = AlbertConfig(vocab_size=30, embedding_size=8, hidden_size=16, num_attention_heads=2,
    ...                       intermediate_size=32, num_hidden_layers=1)
    >>> path = TFAlbertModel(config).save_pretrained(tempfile.mkdtemp())
    >>> AutoConfig.from_pretrained(path).model_type
    'albert'
    >>> type(TFAutoModelForMaskedLM.from_pretrained(path)).__name__  # warns: the MLM head is new
    'TFAlbertForMaskedLM'
"""

from __future__ import annotations

import json
import os

from albert_tf.modeling.config import CONFIG_NAME, AlbertConfig
from albert_tf.modeling.models import (
    TFAlbertForMaskedLM,
    TFAlbertForMultipleChoice,
    TFAlbertForPreTraining,
    TFAlbertForQuestionAnswering,
    TFAlbertForSequenceClassification,
    TFAlbertForTokenClassification,
    TFAlbertModel,
)

# HF's mappings (config class -> model class), under HF's names; `get_values` and `in` work as in HF.
TF_MODEL_MAPPING = {AlbertConfig: TFAlbertModel}
TF_MODEL_FOR_PRETRAINING_MAPPING = {AlbertConfig: TFAlbertForPreTraining}
TF_MODEL_FOR_MASKED_LM_MAPPING = {AlbertConfig: TFAlbertForMaskedLM}
TF_MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING = {AlbertConfig: TFAlbertForSequenceClassification}
TF_MODEL_FOR_MULTIPLE_CHOICE_MAPPING = {AlbertConfig: TFAlbertForMultipleChoice}
TF_MODEL_FOR_TOKEN_CLASSIFICATION_MAPPING = {AlbertConfig: TFAlbertForTokenClassification}
TF_MODEL_FOR_QUESTION_ANSWERING_MAPPING = {AlbertConfig: TFAlbertForQuestionAnswering}
TF_MODEL_MAPPING_NAMES = tuple(name for name in dict(globals()) if name.startswith("TF_MODEL") and
                               name.endswith("_MAPPING"))
CONFIG_MAPPING = {AlbertConfig.model_type: AlbertConfig}


def _unknown(model_type, where: str) -> ValueError:
    return ValueError(
        f"{where}: model_type {model_type!r} is not supported by albert_tf, which knows only "
        f"{sorted(CONFIG_MAPPING)}; use transformers for other models"
    )


def _config_dir(path: str, subfolder: str) -> str:
    return os.path.join(path, subfolder) if subfolder else path


class AutoConfig:
    """HF's `AutoConfig`: `from_pretrained` reads config.json and returns the config class of its model_type.

    Example:
        >>> AutoConfig.for_model("albert", hidden_size=64, num_attention_heads=4).hidden_size
        64
    """

    def __init__(self):
        raise OSError("AutoConfig is designed to be instantiated with AutoConfig.from_pretrained(path)")

    @classmethod
    def for_model(cls, model_type: str, *args, **kwargs) -> AlbertConfig:
        if model_type not in CONFIG_MAPPING:
            raise _unknown(model_type, "AutoConfig.for_model")
        return CONFIG_MAPPING[model_type](*args, **kwargs)

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *, subfolder: str = "", **kwargs) -> AlbertConfig:
        path = _config_dir(os.fspath(pretrained_model_name_or_path), subfolder)
        config_file = os.path.join(path, CONFIG_NAME) if os.path.isdir(path) else path
        if os.path.isfile(config_file):
            try:
                with open(config_file, encoding="utf-8") as f:
                    model_type = json.load(f).get("model_type", "albert")
            except (ValueError, AttributeError) as e:
                raise ValueError(f"{config_file} is not a JSON object: {e}") from None
            if model_type not in CONFIG_MAPPING:
                raise _unknown(model_type, config_file)
        return AlbertConfig.from_pretrained(path, **kwargs)


class _TFAutoModel:
    """Shared `from_pretrained` / `from_config` of the TFAutoModel classes: dispatch on config.model_type."""

    _model_mapping: dict = {}

    def __init__(self, *args, **kwargs):
        raise OSError(
            f"{type(self).__name__} is designed to be instantiated with {type(self).__name__}.from_pretrained(path)"
            f" or {type(self).__name__}.from_config(config)"
        )

    @classmethod
    def _model_class(cls, config, where: str):
        model_type = getattr(config, "model_type", None)
        for config_class, model_class in cls._model_mapping.items():
            if config_class.model_type == model_type:
                return model_class
        raise _unknown(model_type, where)

    @classmethod
    def from_config(cls, config, **kwargs):
        """A freshly initialised model for `config` (no weights are loaded)."""
        return cls._model_class(config, f"{cls.__name__}.from_config").from_config(config, **kwargs)

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *model_args, config=None, subfolder: str = "",
                        **kwargs):
        """Reads the checkpoint's config.json, then loads it into this Auto class's ALBERT head."""
        path = os.fspath(pretrained_model_name_or_path)
        # The checkpoint's own config picks the class; the model class then reads it again with `kwargs`
        # as overrides, exactly as a direct TFAlbertFor....from_pretrained call does.
        chosen = config if config is not None else AutoConfig.from_pretrained(path, subfolder=subfolder)
        model_class = cls._model_class(chosen, f"{cls.__name__}.from_pretrained({path!r})")
        return model_class.from_pretrained(path, *model_args, config=config, subfolder=subfolder, **kwargs)


def _auto_class(name: str, mapping: dict, doc: str) -> type:
    return type(name, (_TFAutoModel,), {"_model_mapping": mapping, "__doc__": doc, "__module__": __name__})


TFAutoModel = _auto_class("TFAutoModel", TF_MODEL_MAPPING, "HF's `TFAutoModel`: the bare encoder.")
TFAutoModelForPreTraining = _auto_class(
    "TFAutoModelForPreTraining", TF_MODEL_FOR_PRETRAINING_MAPPING, "HF's `TFAutoModelForPreTraining`.")
TFAutoModelForMaskedLM = _auto_class(
    "TFAutoModelForMaskedLM", TF_MODEL_FOR_MASKED_LM_MAPPING, "HF's `TFAutoModelForMaskedLM`.")
TFAutoModelForSequenceClassification = _auto_class(
    "TFAutoModelForSequenceClassification", TF_MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING,
    "HF's `TFAutoModelForSequenceClassification`.")
TFAutoModelForMultipleChoice = _auto_class(
    "TFAutoModelForMultipleChoice", TF_MODEL_FOR_MULTIPLE_CHOICE_MAPPING, "HF's `TFAutoModelForMultipleChoice`.")
TFAutoModelForTokenClassification = _auto_class(
    "TFAutoModelForTokenClassification", TF_MODEL_FOR_TOKEN_CLASSIFICATION_MAPPING,
    "HF's `TFAutoModelForTokenClassification`.")
TFAutoModelForQuestionAnswering = _auto_class(
    "TFAutoModelForQuestionAnswering", TF_MODEL_FOR_QUESTION_ANSWERING_MAPPING,
    "HF's `TFAutoModelForQuestionAnswering`.")
