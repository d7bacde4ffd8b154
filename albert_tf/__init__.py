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

from albert_tf.utils.lazy import lazy_exports as _lazy_exports  # noqa: E402

__version__ = "0.1.0"

# Public name -> module that defines it. Imports are lazy: `albert_tf.serving` (the model server) must not
# pay for Keras, and tokenization/pipelines pull in tensorflow-text.
_EXPORTS = {
    "AlbertConfig": "albert_tf.modeling",
    "TFAlbertModel": "albert_tf.modeling",
    "TFAlbertForPreTraining": "albert_tf.modeling",
    "TFAlbertForMaskedLM": "albert_tf.modeling",
    "TFAlbertForSequenceClassification": "albert_tf.modeling",
    "TFAlbertForMultipleChoice": "albert_tf.modeling",
    "TFAlbertForTokenClassification": "albert_tf.modeling",
    "TFAlbertForQuestionAnswering": "albert_tf.modeling",
    "AutoConfig": "albert_tf.auto",
    "TFAutoModel": "albert_tf.auto",
    "TFAutoModelForPreTraining": "albert_tf.auto",
    "TFAutoModelForMaskedLM": "albert_tf.auto",
    "TFAutoModelForSequenceClassification": "albert_tf.auto",
    "TFAutoModelForMultipleChoice": "albert_tf.auto",
    "TFAutoModelForTokenClassification": "albert_tf.auto",
    "TFAutoModelForQuestionAnswering": "albert_tf.auto",
    "AlbertTokenizer": "albert_tf.tokenization",
    "AlbertTokenizerFast": "albert_tf.tokenization",
    "AutoTokenizer": "albert_tf.tokenization",
    "AlbertPreprocessor": "albert_tf.tokenization",
    "BatchEncoding": "albert_tf.tokenization",
    "train_tokenizer": "albert_tf.tokenization",
    "pipeline": "albert_tf.pipelines",
}


__getattr__, __dir__ = _lazy_exports(__name__, _EXPORTS, globals())

__all__ = sorted(_EXPORTS)
