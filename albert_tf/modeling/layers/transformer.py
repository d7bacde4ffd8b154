"""The ALBERT layer, layer groups and the shared-parameter transformer.

Sharing rule (paper and HF): `num_hidden_layers` layer applications are computed by
`num_hidden_groups` groups of `inner_group_num` distinct layers; application i uses group
`int(i / (num_hidden_layers / num_hidden_groups))`.

Example:
    >>> import numpy as np
    >>> from albert_tf import AlbertConfig
    >>> config = AlbertConfig(vocab_size=50, embedding_size=8, hidden_size=16, num_attention_heads=2,
    ...                       intermediate_size=32, num_hidden_layers=4, num_hidden_groups=2)
    >>> encoder = AlbertTransformer(config)
    >>> out = encoder(np.zeros((1, 5, 8), "float32"), attention_mask=np.ones((1, 5)))
    >>> tuple(out["last_hidden_state"].shape), len(encoder.albert_layer_groups)
    ((1, 5, 16), 2)
"""

from __future__ import annotations

import contextlib

import keras
from keras import ops

from albert_tf.modeling.activations import get_activation
from albert_tf.modeling.layers._base import ConfiguredLayer, initializer


@keras.saving.register_keras_serializable(package="albert_tf")
class AlbertLayer(ConfiguredLayer):
    """Post-LayerNorm block: attention -> dropout -> LN(x + .) -> FFN -> dropout -> LN(x + .).

    Attention is keras.layers.MultiHeadAttention: softmax(QK^T / sqrt(d) + mask) V, the same math as HF's
    hand-written attention, and it can return the attention probabilities HF exposes as `attentions`.
    keras-hub's TransformerEncoder has the same block math but cannot return those probabilities, so the
    block itself is assembled here from library layers.
    """

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        c = self.config
        self.attention = keras.layers.MultiHeadAttention(
            num_heads=c.num_attention_heads,
            key_dim=c.head_dim,
            dropout=c.attention_probs_dropout_prob,
            kernel_initializer=initializer(c),
            name="attention",
            dtype=self.dtype_policy,
        )
        self.attention_dropout = keras.layers.Dropout(c.hidden_dropout_prob, dtype=self.dtype_policy)
        self.attention_layer_norm = keras.layers.LayerNormalization(
            epsilon=c.layer_norm_eps, name="attention_LayerNorm", dtype=self.dtype_policy
        )
        self.ffn = keras.layers.Dense(
            c.intermediate_size, activation=get_activation(c.hidden_act), kernel_initializer=initializer(c),
            name="ffn", dtype=self.dtype_policy,
        )
        self.ffn_output = keras.layers.Dense(
            c.hidden_size, kernel_initializer=initializer(c), name="ffn_output", dtype=self.dtype_policy
        )
        self.ffn_dropout = keras.layers.Dropout(c.hidden_dropout_prob, dtype=self.dtype_policy)
        self.full_layer_layer_norm = keras.layers.LayerNormalization(
            epsilon=c.layer_norm_eps, name="full_layer_layer_norm", dtype=self.dtype_policy
        )

    def build(self, input_shape=None):
        hidden = (None, None, self.config.hidden_size)
        self.attention.build(hidden, hidden)
        self.attention_layer_norm.build(hidden)
        self.ffn.build(hidden)
        self.ffn_output.build((None, None, self.config.intermediate_size))
        self.full_layer_layer_norm.build(hidden)
        self.built = True

    def call(self, hidden_states, attention_mask=None, output_attentions=False, training=None):
        """`attention_mask` is boolean [batch, 1, seq] (True = attend); returns (hidden, probs or None)."""
        if output_attentions:
            attended, probabilities = self.attention(
                hidden_states, hidden_states, attention_mask=attention_mask,
                return_attention_scores=True, training=training,
            )
        else:
            attended = self.attention(hidden_states, hidden_states, attention_mask=attention_mask, training=training)
            probabilities = None
        attended = self.attention_dropout(attended, training=training)
        attention_output = self.attention_layer_norm(hidden_states + attended)
        ffn = self.ffn_output(self.ffn(attention_output))
        ffn = self.ffn_dropout(ffn, training=training)
        return self.full_layer_layer_norm(ffn + attention_output), probabilities

    def call_packed(self, hidden, token_index, padded_index, shape, attention_mask):
        """Inference on packed tokens: ``hidden`` [T, H] holds the computed positions of a [B, L] batch,
        ``token_index`` [T] their flat position in [B * L], ``padded_index`` [B * L] the row of ``hidden``
        at each position (T where none); ``shape`` is (B, L) and ``attention_mask`` boolean [B, 1, L].
        The same math as :meth:`call` per token: every projection runs on the T rows (no padding), only
        the attention itself sees the padded [B, L] layout."""
        attention = self.attention

        def heads(dense):
            # EinsumDense "abc,cde->abde" is a matmul with the kernel seen as [H, heads * head_dim]; as one
            # MatMul + bias the CPU kernels fuse it (their einsum runs these shapes at about half the rate).
            kernel = dense.kernel
            projected = ops.matmul(hidden, ops.reshape(kernel, (kernel.shape[0], -1)))
            projected = projected + ops.reshape(dense.bias, (-1,))
            return _to_padded(ops.reshape(projected, (-1, *kernel.shape[1:])), padded_index, shape)

        # MultiHeadAttention.call without the projections: its _compute_attention (the layer's own choice of
        # kernel), given the mask as call passes an attention_mask through.
        context, _ = attention._compute_attention(
            heads(attention.query_dense), heads(attention.key_dense), heads(attention.value_dense),
            attention_mask, False)
        output = attention.output_dense
        kernel = output.kernel
        context = ops.reshape(_to_tokens(context, token_index), (-1, kernel.shape[0] * kernel.shape[1]))
        attended = ops.matmul(context, ops.reshape(kernel, (-1, kernel.shape[-1]))) + output.bias
        attention_output = self.attention_layer_norm(hidden + attended)
        ffn = self.ffn_output(self.ffn(attention_output))
        return self.full_layer_layer_norm(ffn + attention_output)


@keras.saving.register_keras_serializable(package="albert_tf")
class AlbertLayerGroup(ConfiguredLayer):
    """`inner_group_num` distinct AlbertLayers applied in sequence."""

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.albert_layers = [
            AlbertLayer(self.config, name=f"albert_layers_{i}", dtype=self.dtype_policy)
            for i in range(self.config.inner_group_num)
        ]

    def build(self, input_shape=None):
        for layer in self.albert_layers:
            layer.build()
        self.built = True

    def call(self, hidden_states, attention_mask=None, output_attentions=False, training=None):
        attentions = []
        for layer in self.albert_layers:
            hidden_states, probabilities = layer(
                hidden_states, attention_mask=attention_mask, output_attentions=output_attentions, training=training
            )
            attentions.append(probabilities)
        return hidden_states, attentions


@keras.saving.register_keras_serializable(package="albert_tf")
class AlbertTransformer(ConfiguredLayer):
    """E -> H projection, then `num_hidden_layers` applications of the shared layer groups."""

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        c = self.config
        self.embedding_hidden_mapping_in = keras.layers.Dense(
            c.hidden_size, kernel_initializer=initializer(c), name="embedding_hidden_mapping_in",
            dtype=self.dtype_policy,
        )
        self.albert_layer_groups = [
            AlbertLayerGroup(c, name=f"albert_layer_groups_{g}", dtype=self.dtype_policy)
            for g in range(c.num_hidden_groups)
        ]
        # Set by `packed_tokens` while an export traces its forward pass; not part of the config.
        self.pack_tokens = False

    def group_index(self, layer_index: int) -> int:
        c = self.config
        return int(layer_index / (c.num_hidden_layers / c.num_hidden_groups))

    def build(self, input_shape=None):
        self.embedding_hidden_mapping_in.build((None, None, self.config.embedding_size))
        for group in self.albert_layer_groups:
            group.build()
        self.built = True

    def call(self, embeddings, attention_mask=None, output_attentions=False, output_hidden_states=False,
             training=None):
        """`attention_mask` is [batch, seq] with 1 = attend (HF's convention); None attends everywhere."""
        if (self.pack_tokens and attention_mask is not None and not training and not output_attentions
                and not output_hidden_states):
            return {"last_hidden_state": self._call_packed(embeddings, attention_mask),
                    "hidden_states": None, "attentions": None}
        hidden_states = self.embedding_hidden_mapping_in(embeddings)
        mask = None
        if attention_mask is not None:
            mask = ops.expand_dims(ops.cast(attention_mask, "bool"), 1)
        all_hidden_states = [hidden_states]
        all_attentions = []
        for i in range(self.config.num_hidden_layers):
            group = self.albert_layer_groups[self.group_index(i)]
            hidden_states, attentions = group(
                hidden_states, attention_mask=mask, output_attentions=output_attentions, training=training
            )
            all_attentions.extend(attentions)
            all_hidden_states.append(hidden_states)
        return {
            "last_hidden_state": hidden_states,
            "hidden_states": tuple(all_hidden_states) if output_hidden_states else None,
            "attentions": tuple(all_attentions) if output_attentions else None,
        }

    def _call_packed(self, embeddings, attention_mask):
        """:meth:`call` on the real tokens only (see `AlbertLayer.call_packed`). Column 0 is computed in
        every row, padding or not, so that the pooler reads what the padded path gives (HF pools column 0
        even when a row is left-padded); the other padding positions come back as zeros."""
        shape = ops.shape(attention_mask)
        computed = ops.logical_or(ops.cast(attention_mask, "bool"),
                                  ops.expand_dims(ops.equal(ops.arange(shape[1]), 0), 0))
        computed = ops.reshape(computed, (-1,))
        token_index = ops.nonzero(computed)[0]
        padded_index = ops.where(computed, ops.cumsum(ops.cast(computed, "int32")) - 1, ops.size(token_index))
        hidden = self.embedding_hidden_mapping_in(_to_tokens(embeddings, token_index))
        mask = ops.expand_dims(ops.cast(attention_mask, "bool"), 1)
        for i in range(self.config.num_hidden_layers):
            for layer in self.albert_layer_groups[self.group_index(i)].albert_layers:
                hidden = layer.call_packed(hidden, token_index, padded_index, shape, mask)
        return _to_padded(hidden, padded_index, shape)


def _to_tokens(padded, token_index):
    """[B, L, ...] -> [T, ...]: the positions at ``token_index`` (flat indices into B * L)."""
    return ops.take(ops.reshape(padded, (-1, *padded.shape[2:])), token_index, axis=0)


def _to_padded(tokens, padded_index, shape):
    """[T, ...] -> [B, L, ...] for ``shape`` (B, L): row ``padded_index`` of ``tokens`` at each position,
    zeros where it is T."""
    padding = ((0, 1),) + ((0, 0),) * (len(tokens.shape) - 1)
    padded = ops.take(ops.pad(tokens, padding), padded_index, axis=0)
    return ops.reshape(padded, (shape[0], shape[1], *tokens.shape[1:]))


@contextlib.contextmanager
def packed_tokens(model):
    """Within the block, `model`'s ALBERT encoders run inference on the real tokens only (their dense
    layers see no padding; the results at padding positions other than column 0 are zeros). Exports trace
    their forward pass inside it: on CPU a matmul over all of a batch's tokens runs at about twice the rate
    of several small padded ones."""
    encoders = [layer for layer in model._flatten_layers() if isinstance(layer, AlbertTransformer)]
    previous = [encoder.pack_tokens for encoder in encoders]
    for encoder in encoders:
        encoder.pack_tokens = True
    try:
        yield model
    finally:
        for encoder, value in zip(encoders, previous):
            encoder.pack_tokens = value
