"""Pretraining heads: the masked-LM head tied to the word embeddings, and the sentence-order head.

Example:
    >>> import numpy as np
    >>> from albert_tf import AlbertConfig
    >>> config = AlbertConfig(vocab_size=50, embedding_size=8, hidden_size=16,
    ...                       num_attention_heads=2, intermediate_size=32, num_hidden_layers=1)
    >>> head = AlbertMLMHead(config)
    >>> word_embeddings = np.random.rand(50, 8).astype("float32")
    >>> tuple(head(np.zeros((1, 3, 16), "float32"), word_embeddings).shape)
    (1, 3, 50)
"""

from __future__ import annotations

import keras
from keras import ops

from albert_tf.modeling.activations import get_activation
from albert_tf.modeling.layers._base import ConfiguredLayer, initializer


@keras.saving.register_keras_serializable(package="albert_tf")
class AlbertMLMHead(ConfiguredLayer):
    """dense(E) -> activation -> LayerNorm -> h @ word_embeddings^T + bias.

    The decoder matrix is passed in at call time rather than held, so the tie to the embedding layer is
    a single variable with a single owner (and a single entry in saved files).
    keras-hub's MaskedLMHead has this math but fixes LayerNorm epsilon at 1e-5 (HF: layer_norm_eps, 1e-12).
    """

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        c = self.config
        self.dense = keras.layers.Dense(
            c.embedding_size, activation=get_activation(c.hidden_act), kernel_initializer=initializer(c),
            name="dense", dtype=self.dtype_policy,
        )
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=c.layer_norm_eps, name="LayerNorm", dtype=self.dtype_policy
        )

    def build(self, input_shape=None):
        self.dense.build((None, None, self.config.hidden_size))
        self.layer_norm.build((None, None, self.config.embedding_size))
        self.bias = self.add_weight(name="bias", shape=(self.config.vocab_size,), initializer="zeros")
        self.built = True

    def call(self, hidden_states, word_embeddings):
        hidden_states = self.layer_norm(self.dense(hidden_states))
        decoder = ops.cast(word_embeddings, hidden_states.dtype)
        logits = ops.matmul(hidden_states, ops.transpose(decoder)) + ops.cast(self.bias, hidden_states.dtype)
        return ops.cast(logits, "float32")


@keras.saving.register_keras_serializable(package="albert_tf")
class AlbertSOPHead(ConfiguredLayer):
    """Sentence-order prediction: dropout(classifier_dropout_prob) -> dense(num_labels) on the pooled output.

    HF sizes this head by `config.num_labels` (2 for every released checkpoint), so weights line up.
    """

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        c = self.config
        self.dropout = keras.layers.Dropout(c.classifier_dropout_prob, dtype=self.dtype_policy)
        self.classifier = keras.layers.Dense(
            c.num_labels, kernel_initializer=initializer(c), name="classifier", dtype=self.dtype_policy
        )

    def build(self, input_shape=None):
        self.classifier.build((None, self.config.hidden_size))
        self.built = True

    def call(self, pooled_output, training=None):
        return ops.cast(self.classifier(self.dropout(pooled_output, training=training)), "float32")
