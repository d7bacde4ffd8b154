"""`AlbertMainLayer`: embeddings + shared transformer + pooler, HF's `TFAlbertMainLayer`.

Example:
    >>> import numpy as np
    >>> from albert_tf import AlbertConfig
    >>> config = AlbertConfig(vocab_size=50, embedding_size=8, hidden_size=16,
    ...                       num_attention_heads=2, intermediate_size=32, num_hidden_layers=2)
    >>> albert = AlbertMainLayer(config)
    >>> out = albert(input_ids=np.array([[2, 9, 3, 0]]), attention_mask=np.array([[1, 1, 1, 0]]))
    >>> tuple(out["last_hidden_state"].shape), tuple(out["pooler_output"].shape)
    ((1, 4, 16), (1, 16))
"""

from __future__ import annotations

import keras

from albert_tf.modeling.layers._base import ConfiguredMixin, initializer
from albert_tf.modeling.layers.embeddings import AlbertEmbeddings
from albert_tf.modeling.layers.transformer import AlbertTransformer
from albert_tf.modeling.outputs import BaseModelOutputWithPooling

_INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids", "position_ids", "inputs_embeds")


@keras.saving.register_keras_serializable(package="albert_tf")
class AlbertMainLayer(ConfiguredMixin, keras.layers.Layer):
    """HF's `TFAlbertMainLayer`. Its first argument may also be a dict of inputs (a functional Keras model's).

    Outputs are a BaseModelOutputWithPooling (a dict holding only the entries that are not None).
    """

    _keras_serializable = True  # HF's marker of a main layer that Keras can save and load by config

    def __init__(self, config, add_pooling_layer: bool = True, **kwargs):
        super().__init__(config, **kwargs)
        self.config.validate()  # as in HF, a config is checked when a model is built from it
        self.add_pooling_layer = add_pooling_layer
        self.embeddings = AlbertEmbeddings(self.config, name="embeddings", dtype=self.dtype_policy)
        self.encoder = AlbertTransformer(self.config, name="encoder", dtype=self.dtype_policy)
        self.pooler = (
            keras.layers.Dense(
                self.config.hidden_size, activation="tanh", kernel_initializer=initializer(self.config),
                name="pooler", dtype=self.dtype_policy,
            )
            if add_pooling_layer
            else None
        )

    def build(self, input_shape=None):
        self.embeddings.build()
        self.encoder.build()
        if self.pooler is not None:
            self.pooler.build((None, self.config.hidden_size))
        self.built = True

    def call(self, input_ids=None, attention_mask=None, token_type_ids=None, position_ids=None,
             inputs_embeds=None, output_attentions=False, output_hidden_states=False, training=None):
        if isinstance(input_ids, dict):
            given = dict(input_ids)
            input_ids = given.get("input_ids")
            attention_mask, token_type_ids, position_ids, inputs_embeds = (
                given.get(k) if given.get(k) is not None else v for k, v in zip(
                    _INPUT_NAMES[1:], (attention_mask, token_type_ids, position_ids, inputs_embeds)))
        embeddings = self.embeddings(
            input_ids=input_ids, token_type_ids=token_type_ids, position_ids=position_ids,
            inputs_embeds=inputs_embeds, training=training,
        )
        encoded = self.encoder(
            embeddings, attention_mask=attention_mask, output_attentions=output_attentions,
            output_hidden_states=output_hidden_states, training=training,
        )
        sequence_output = encoded["last_hidden_state"]
        pooled = self.pooler(sequence_output[:, 0]) if self.pooler is not None else None
        return BaseModelOutputWithPooling(
            last_hidden_state=sequence_output, pooler_output=pooled,
            hidden_states=encoded["hidden_states"], attentions=encoded["attentions"],
        )

    def get_config(self):
        config = super().get_config()
        config["add_pooling_layer"] = self.add_pooling_layer
        return config
