"""Factorized embeddings: word (V x E) + position + token type, then LayerNorm and dropout.

The E -> H projection (`embedding_hidden_mapping_in`) lives in AlbertTransformer, as in HF, so that
`hidden_states[0]` is the projected embedding output.

Example:
    >>> import numpy as np
    >>> from albert_tf import AlbertConfig
    >>> config = AlbertConfig(vocab_size=50, embedding_size=8, hidden_size=16,
    ...                       num_attention_heads=2, intermediate_size=32, num_hidden_layers=1)
    >>> layer = AlbertEmbeddings(config)
    >>> tuple(layer(input_ids=np.array([[2, 7, 3]])).shape)
    (1, 3, 8)
"""

from __future__ import annotations

import keras
from keras import ops

from albert_tf.modeling.layers._base import ConfiguredLayer, initializer


@keras.saving.register_keras_serializable(package="albert_tf")
class AlbertEmbeddings(ConfiguredLayer):
    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        c = self.config
        # keras.layers.Embedding is a plain gather, the same math as HF's tf.gather on its weight.
        self.word_embeddings = keras.layers.Embedding(
            c.vocab_size, c.embedding_size, embeddings_initializer=initializer(c), name="word_embeddings",
            dtype=self.dtype_policy,
        )
        self.position_embeddings = keras.layers.Embedding(
            c.max_position_embeddings, c.embedding_size, embeddings_initializer=initializer(c),
            name="position_embeddings", dtype=self.dtype_policy,
        )
        self.token_type_embeddings = keras.layers.Embedding(
            c.type_vocab_size, c.embedding_size, embeddings_initializer=initializer(c),
            name="token_type_embeddings", dtype=self.dtype_policy,
        )
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=c.layer_norm_eps, name="LayerNorm", dtype=self.dtype_policy
        )
        self.dropout = keras.layers.Dropout(c.hidden_dropout_prob, dtype=self.dtype_policy)

    def build(self, input_shape=None):
        for embedding in (self.word_embeddings, self.position_embeddings, self.token_type_embeddings):
            embedding.build((None, None))
        self.layer_norm.build((None, None, self.config.embedding_size))
        self.built = True

    @property
    def weight(self):
        """The word matrix [vocab_size, embedding_size] (HF TF's `TFAlbertEmbeddings.weight`)."""
        return self.word_embeddings.embeddings

    def call(self, input_ids=None, token_type_ids=None, position_ids=None, inputs_embeds=None, training=None):
        if inputs_embeds is None:
            _check_ids_in_vocabulary(input_ids, self.word_embeddings.input_dim)
            inputs_embeds = self.word_embeddings(input_ids)
        else:
            inputs_embeds = ops.cast(inputs_embeds, self.compute_dtype)
        sequence_length = ops.shape(inputs_embeds)[1]
        if position_ids is None:
            position_ids = ops.expand_dims(ops.arange(sequence_length, dtype="int32"), 0)
        if token_type_ids is None:
            token_type_ids = ops.zeros(ops.shape(inputs_embeds)[:2], dtype="int32")
        embeddings = (
            inputs_embeds + self.position_embeddings(position_ids) + self.token_type_embeddings(token_type_ids)
        )
        embeddings = self.layer_norm(embeddings)
        return self.dropout(embeddings, training=training)


def _check_ids_in_vocabulary(input_ids, vocab_size: int) -> None:
    """HF's `check_embeddings_within_bounds`: on GPU a gather out of range silently yields zeros, so an id
    outside [0, vocab_size) is an InvalidArgumentError naming the bound, on every device. TensorFlow only:
    keras.ops has no assert, and on the other backends an out-of-range take is clamped or raises itself."""
    if keras.backend.backend() != "tensorflow":
        return
    import tensorflow as tf

    ids = tf.convert_to_tensor(input_ids)
    tf.debugging.assert_less(ids, tf.cast(vocab_size, ids.dtype),
                             message=f"input_ids must be smaller than vocab_size ({vocab_size})")
    tf.debugging.assert_non_negative(ids, message="input_ids must not be negative")
