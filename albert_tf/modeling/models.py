"""The seven HF-named ALBERT models: HF call arguments in, HF output objects out, `model.fit` ready.

Migrating from transformers 4.x means changing one import line:

    >>> import numpy as np
    >>> from albert_tf import AlbertConfig, TFAlbertForSequenceClassification
    >>> config = AlbertConfig(vocab_size=60, embedding_size=8, hidden_size=16, num_attention_heads=2,
    ...                       intermediate_size=32, num_hidden_layers=2, num_labels=3)
    >>> model = TFAlbertForSequenceClassification(config)
    >>> encoded = {"input_ids": np.array([[2, 15, 9, 3]]), "attention_mask": np.array([[1, 1, 1, 1]])}
    >>> out = model(encoded)                      # a dict or BatchEncoding as first argument
    >>> tuple(out.logits.shape), out.loss is None
    ((1, 3), True)
    >>> out = model(**encoded, labels=np.array([1]))
    >>> tuple(out.loss.shape)
    (1,)

Each model is a Keras 3 `keras.Model`: `compile(optimizer=...)` + `fit(ds)` trains on HF-style label
keys in the features (`labels`, `start_positions`/`end_positions`, `sentence_order_label`) or on `y`;
`compile(loss=...)` applies a Keras loss to the primary output (logits) instead.

The base class lives in `albert_tf.modeling.pretrained`, the heads in `albert_tf.modeling.head_models`; this
module gathers them under the names it always had.
"""

from __future__ import annotations

# Re-exports: this module's public (and HF-compatible) names, imported from here by albert_tf and user code
# (`__all__` below declares them).
from albert_tf.modeling.head_models import (TFAlbertForMaskedLM, TFAlbertForMultipleChoice, TFAlbertForPreTraining,
                                            TFAlbertForQuestionAnswering, TFAlbertForSequenceClassification,
                                            TFAlbertForTokenClassification, TFAlbertMainLayer, TFAlbertModel)
from albert_tf.modeling.pretrained import AlbertPreTrainedModel

ALL_MODELS = (
    TFAlbertModel,
    TFAlbertForPreTraining,
    TFAlbertForMaskedLM,
    TFAlbertForSequenceClassification,
    TFAlbertForMultipleChoice,
    TFAlbertForTokenClassification,
    TFAlbertForQuestionAnswering,
)

__all__ = ["ALL_MODELS", "AlbertPreTrainedModel", "TFAlbertForMaskedLM", "TFAlbertForMultipleChoice",
           "TFAlbertForPreTraining", "TFAlbertForQuestionAnswering", "TFAlbertForSequenceClassification",
           "TFAlbertForTokenClassification", "TFAlbertMainLayer", "TFAlbertModel"]
