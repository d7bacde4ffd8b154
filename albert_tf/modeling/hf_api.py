"""HF's `TFPreTrainedModel` API on the albert_tf models: embeddings access and resizing, serving, datasets.

`HFModelAPI` is mixed into `AlbertPreTrainedModel`; the names, arguments and results are HF's.

Example:
    >>> from albert_tf import AlbertConfig, TFAlbertForMaskedLM
    >>> model = TFAlbertForMaskedLM(AlbertConfig(vocab_size=30, embedding_size=8, hidden_size=16,
    ...     num_attention_heads=2, intermediate_size=32, num_hidden_layers=1))
    >>> _ = model.resize_token_embeddings(34)  # e.g. after tokenizer.add_tokens(...): len(tokenizer) == 34
    >>> tuple(model.get_input_embeddings().weight.shape), tuple(model.get_bias()["bias"].shape)
    ((34, 8), (34,))
    >>> sorted(model.dummy_inputs), model.main_input_name
    (['attention_mask', 'input_ids', 'token_type_ids'], 'input_ids')
"""

from __future__ import annotations

import contextlib
import inspect

import keras
import numpy as np

from albert_tf.modeling.config import AlbertConfig
from albert_tf.modeling.layers._base import initializer

# The tensors of HF's default `input_signature` / `dummy_inputs` for text models.
SIGNATURE_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def replace_variable(layer, attribute: str, value) -> None:
    """Gives `layer.<attribute>` a new variable holding `value` (any shape), under the old variable's path.

    Keras variables cannot change shape, so a resized weight is a new variable; the old one is untracked
    so `model.weights`, saving and the optimizer see exactly one.
    """
    old = getattr(layer, attribute)
    layer._untrack_variable(old)
    locked = layer._tracker.locked  # a built layer refuses new state unless unlocked
    layer._tracker.unlock()
    try:
        with contextlib.ExitStack() as scopes:
            for part in old.path.split("/")[:-2]:
                scopes.enter_context(keras.name_scope(part))
            new = layer.add_weight(shape=np.shape(value), initializer="zeros", dtype=old.dtype, name=old.name,
                                   trainable=old.trainable)
    finally:
        if locked:
            layer._tracker.lock()
    new.assign(np.asarray(value, dtype=new.dtype))
    setattr(layer, attribute, new)


class HFModelAPI:
    """HF's TFPreTrainedModel methods for a model whose backbone is `self.albert` (an AlbertMainLayer)."""

    main_input_name = "input_ids"
    config_class = AlbertConfig
    base_model_prefix = "albert"
    rank_of_inputs = 2

    @classmethod
    def can_generate(cls) -> bool:
        """ALBERT is an encoder: no `generate()`, so save_pretrained writes no generation_config.json."""
        return False

    def build_in_name_scope(self):
        """HF's explicit build. albert_tf models are built when constructed, so this only ensures it."""
        self.build()

    # -- embeddings --------------------------------------------------------------------------------
    def get_input_embeddings(self):
        """HF TF's answer: the embeddings layer (AlbertEmbeddings, HF's TFAlbertEmbeddings). Its `weight` is the
        word matrix [vocab_size, embedding_size]; `word_embeddings` is the keras Embedding that holds it."""
        return self.albert.embeddings

    def set_input_embeddings(self, value) -> None:
        """Takes the word matrix [vocab, embedding_size] (array, variable or keras Embedding); values are copied.

        `config.vocab_size` follows the new row count; a tied MLM decoder follows too (it reads this matrix).
        """
        matrix = value.embeddings if isinstance(value, keras.layers.Embedding) else value
        matrix = np.asarray(keras.ops.convert_to_numpy(matrix))
        if matrix.ndim != 2 or matrix.shape[1] != self.config.embedding_size:
            raise ValueError(f"set_input_embeddings needs shape [vocab, {self.config.embedding_size}] "
                             f"(embedding_size), got {tuple(matrix.shape)}")
        self._set_word_matrix(matrix)

    def _set_word_matrix(self, matrix) -> None:
        layer = self.albert.embeddings.word_embeddings
        replace_variable(layer, "_embeddings", matrix)
        layer.input_dim = int(matrix.shape[0])
        self.config.vocab_size = int(matrix.shape[0])

    def get_lm_head(self):
        """The masked-LM head layer of heads that predict tokens, else None."""
        return getattr(self, "predictions", None)

    def get_output_embeddings(self):
        """The layer holding the output word matrix: the input embeddings, tied to the MLM decoder, or None."""
        return self.get_input_embeddings() if self.get_lm_head() is not None else None

    def get_bias(self):
        """`{"bias": variable}` of the MLM decoder (a tf.Variable, as in HF), or None for other heads."""
        head = self.get_lm_head()
        return None if head is None else {"bias": head.bias.value}

    def set_bias(self, value) -> None:
        head = self.get_lm_head()
        if head is None:
            raise ValueError(f"{type(self).__name__} has no output bias")
        replace_variable(head, "bias", keras.ops.convert_to_numpy(value["bias"]))

    def _get_word_embedding_weight(self, embedding_layer):
        """HF's helper: the tf.Variable of the word matrix behind `embedding_layer` (None for None)."""
        return None if embedding_layer is None else embedding_layer.weight.value

    def resize_token_embeddings(self, new_num_tokens: int | None = None):
        """HF's resize: keeps the first min(old, new) rows, initialises new rows as HF does (truncated normal
        of initializer_range; zeros for the MLM bias), updates `config.vocab_size`. Returns the embedding
        variable. The tied MLM decoder and its bias follow.
        """
        embeddings = self.get_input_embeddings()
        if new_num_tokens is None or new_num_tokens == self.config.vocab_size:
            return embeddings.weight
        old = keras.ops.convert_to_numpy(embeddings.weight)
        fresh = keras.ops.convert_to_numpy(initializer(self.config)((new_num_tokens, old.shape[1])))
        keep = min(old.shape[0], new_num_tokens)
        fresh[:keep] = old[:keep]
        self._set_word_matrix(fresh)
        head = self.get_lm_head()
        if head is not None:
            bias = np.zeros((new_num_tokens,), dtype="float32")
            bias[:keep] = keras.ops.convert_to_numpy(head.bias)[:keep]
            replace_variable(head, "bias", bias)
        return embeddings.weight

    # -- signatures and serving --------------------------------------------------------------------
    @property
    def input_signature(self) -> dict:
        """HF's `input_signature`: int32 specs of the text inputs ([batch, seq] or [batch, choices, seq])."""
        tf = _tensorflow("input_signature")
        shape = (None,) * self.rank_of_inputs
        return {name: tf.TensorSpec(shape, tf.int32, name=name) for name in SIGNATURE_INPUTS}

    @property
    def dummy_inputs(self) -> dict:
        """HF's dummies for `input_signature`: batch 1, other dimensions 2; token_type_ids zero. Backend
        tensors (tf.Tensor on TensorFlow, as in HF), so they also work on JAX and torch."""
        shape = [1] + [2] * (self.rank_of_inputs - 1)
        return {name: (keras.ops.zeros if name == "token_type_ids" else keras.ops.ones)(shape, dtype="int32")
                for name in SIGNATURE_INPUTS}

    def serving_output(self, output):
        """HF's serving form of an output: the loss is dropped, hidden_states / attentions are stacked tensors."""
        values = {k: (keras.ops.stack(v) if isinstance(v, (tuple, list)) else v)
                  for k, v in output.items() if k != "loss"}
        return type(output)(**values)

    @property
    def serving(self):
        """HF's `serving`: a tf.function over `input_signature` returning `serving_output(call(inputs))`."""
        tf = _tensorflow("serving")

        if getattr(self, "_serving_fn", None) is None:
            def serve(inputs):
                return dict(self.serving_output(self(inputs, training=False, return_dict=True)))

            self._serving_fn = tf.function(serve, input_signature=[self.input_signature])
        return self._serving_fn

    # -- datasets ----------------------------------------------------------------------------------
    def prepare_tf_dataset(self, dataset, batch_size: int = 8, shuffle: bool = True, tokenizer=None,
                           collate_fn=None, collate_fn_args=None, drop_remainder=None, prefetch: bool = True):
        """HF's `prepare_tf_dataset`: a `datasets.Dataset` -> `tf.data.Dataset` of (features[, labels]).

        Columns the model's `call` does not take are dropped; label columns (`labels`,
        `sentence_order_label`, `start_positions`/`end_positions`) become the second element. With a
        `tokenizer`, batches are padded with `tokenizer.pad`. Needs the `datasets` package.
        """
        _tensorflow("prepare_tf_dataset")
        try:
            import datasets
        except ImportError:
            raise ImportError("prepare_tf_dataset needs the `datasets` package (pip install datasets)") from None
        if not isinstance(dataset, datasets.Dataset):
            raise TypeError(f"prepare_tf_dataset needs a datasets.Dataset, got {type(dataset).__name__}")
        if collate_fn is None and tokenizer is not None:
            def collate_fn(features):
                return dict(tokenizer.pad(features, return_tensors="np"))
        arguments = set(inspect.signature(self.call).parameters) - {"training", "kwargs"}
        columns = list(dataset.features)
        labels = [c for c in columns if c in self.label_names]
        features = [c for c in columns if c in arguments and c not in labels]
        if drop_remainder is None:
            drop_remainder = shuffle
        return dataset.to_tf_dataset(
            columns=features[0] if len(features) == 1 else features,
            label_cols=(labels[0] if len(labels) == 1 else labels) or None,
            batch_size=batch_size, shuffle=shuffle, drop_remainder=drop_remainder, collate_fn=collate_fn,
            collate_fn_args=collate_fn_args, prefetch=prefetch,
        )


def _tensorflow(api: str):
    """TensorFlow for HF's TF-only APIs (signatures, tf.function serving, tf.data), on the TF backend only."""
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(f"{api} is TensorFlow's (tf.TensorSpec / tf.function / tf.data); this process runs "
                           f"Keras on {keras.backend.backend()}: set KERAS_BACKEND=tensorflow to use it")
    import tensorflow as tf

    return tf
