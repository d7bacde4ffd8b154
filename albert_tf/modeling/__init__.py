"""ALBERT modeling: config, layers, the seven HF-named models and their output objects."""

from albert_tf.modeling.backbone import AlbertMainLayer
from albert_tf.modeling.config import PRESETS, AlbertConfig
from albert_tf.modeling.models import (
    ALL_MODELS,
    AlbertPreTrainedModel,
    TFAlbertForMaskedLM,
    TFAlbertForMultipleChoice,
    TFAlbertForPreTraining,
    TFAlbertForQuestionAnswering,
    TFAlbertForSequenceClassification,
    TFAlbertForTokenClassification,
    TFAlbertModel,
)
from albert_tf.modeling import outputs

__all__ = [
    "ALL_MODELS",
    "AlbertConfig",
    "AlbertMainLayer",
    "AlbertPreTrainedModel",
    "PRESETS",
    "TFAlbertForMaskedLM",
    "TFAlbertForMultipleChoice",
    "TFAlbertForPreTraining",
    "TFAlbertForQuestionAnswering",
    "TFAlbertForSequenceClassification",
    "TFAlbertForTokenClassification",
    "TFAlbertModel",
    "outputs",
]
