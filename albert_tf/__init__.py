"""albert-tf: ALBERT for TensorFlow 2 / Keras 3 with Hugging Face's names, weights and token ids.

Example:
    >>> from albert_tf import AlbertConfig, TFAlbertModel
    >>> model = TFAlbertModel(AlbertConfig(vocab_size=40, embedding_size=8, hidden_size=16,
    ...                                    num_attention_heads=2, intermediate_size=32, num_hidden_layers=1))
    >>> tuple(model(input_ids=[[2, 10, 3]]).last_hidden_state.shape)
    (1, 3, 16)
"""

import os as _os

_os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from albert_tf.modeling import (  # noqa: E402
    AlbertConfig,
    TFAlbertForMaskedLM,
    TFAlbertForMultipleChoice,
    TFAlbertForPreTraining,
    TFAlbertForQuestionAnswering,
    TFAlbertForSequenceClassification,
    TFAlbertForTokenClassification,
    TFAlbertModel,
)

__version__ = "0.1.0"


def __getattr__(name):
    # Tokenization, pipelines and export pull in tensorflow-text; import them only when asked for.
    if name in ("AlbertTokenizer", "AlbertPreprocessor", "BatchEncoding", "train_tokenizer"):
        from albert_tf import tokenization

        return getattr(tokenization, name)
    if name == "pipeline":
        from albert_tf.pipelines import pipeline

        return pipeline
    raise AttributeError(f"module 'albert_tf' has no attribute {name!r}")


__all__ = [
    "AlbertConfig",
    "AlbertPreprocessor",
    "AlbertTokenizer",
    "BatchEncoding",
    "pipeline",
    "train_tokenizer",
    "TFAlbertForMaskedLM",
    "TFAlbertForMultipleChoice",
    "TFAlbertForPreTraining",
    "TFAlbertForQuestionAnswering",
    "TFAlbertForSequenceClassification",
    "TFAlbertForTokenClassification",
    "TFAlbertModel",
]
