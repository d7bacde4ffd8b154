"""HF 4.x TF losses, reproduced exactly (shapes included) so `outputs.loss` matches HF's.

- masked LM / token classification: mean over labels != -100 (token classification: labels >= 0), shape (1,).
- sequence classification: per-example sparse CE, or per-example MSE when num_labels == 1.
- multiple choice: per-example sparse CE. QA: per-example (CE(start) + CE(end)) / 2.
- pretraining: masked-LM mean + SOP mean (both skipping -100), shape (1,).

Every loss takes an optional `sample_weight` ([batch]) that multiplies each example's loss (each of its
tokens' losses where the loss averages tokens); the average is over the same examples or tokens as without.

Example:
    >>> import numpy as np
    >>> logits = np.zeros((1, 2, 4), "float32")
    >>> float(masked_lm_loss(np.array([[1, -100]]), logits)[0])  # ln(4)
    1.3862943649291992
"""

from __future__ import annotations

from keras import ops

IGNORE_INDEX = -100


def _sparse_ce(labels, logits):
    return ops.sparse_categorical_crossentropy(labels, logits, from_logits=True)


def _weighted(per_item, sample_weight):
    """per_item ([batch, ...]) times each example's weight; unchanged without weights."""
    if sample_weight is None:
        return per_item
    weight = ops.cast(ops.reshape(ops.convert_to_tensor(sample_weight), (-1,)), per_item.dtype)
    return per_item * ops.reshape(weight, (-1,) + (1,) * (len(per_item.shape) - 1))


def _masked_mean(per_item, mask, sample_weight=None):
    mask = ops.cast(mask, per_item.dtype)
    return ops.reshape(ops.sum(_weighted(per_item, sample_weight) * mask) / ops.sum(mask), (1,))


def masked_lm_loss(labels, logits, sample_weight=None):
    labels = ops.convert_to_tensor(labels)
    per_token = _sparse_ce(ops.relu(labels), ops.cast(logits, "float32"))
    return _masked_mean(per_token, ops.not_equal(labels, IGNORE_INDEX), sample_weight)


def token_classification_loss(labels, logits, sample_weight=None):
    labels = ops.convert_to_tensor(labels)
    per_token = _sparse_ce(ops.relu(labels), ops.cast(logits, "float32"))
    return _masked_mean(per_token, ops.greater_equal(labels, 0), sample_weight)


def sequence_classification_loss(labels, logits, sample_weight=None):
    labels = ops.convert_to_tensor(labels)
    logits = ops.cast(logits, "float32")
    if len(logits.shape) == 1 or logits.shape[-1] == 1:
        labels = ops.cast(labels, "float32")
        if len(labels.shape) == 1:
            labels = ops.expand_dims(labels, -1)
        return _weighted(ops.mean(ops.square(labels - logits), axis=-1), sample_weight)
    return _weighted(_sparse_ce(labels, logits), sample_weight)


def multiple_choice_loss(labels, logits, sample_weight=None):
    return _weighted(_sparse_ce(ops.convert_to_tensor(labels), ops.cast(logits, "float32")), sample_weight)


def question_answering_loss(start_positions, end_positions, start_logits, end_logits, sample_weight=None):
    start = _sparse_ce(ops.convert_to_tensor(start_positions), ops.cast(start_logits, "float32"))
    end = _sparse_ce(ops.convert_to_tensor(end_positions), ops.cast(end_logits, "float32"))
    return _weighted((start + end) / 2.0, sample_weight)


def pretraining_loss(labels, sentence_order_label, prediction_logits, sop_logits, sample_weight=None):
    labels = ops.convert_to_tensor(labels)
    sentence_order_label = ops.reshape(ops.convert_to_tensor(sentence_order_label), (-1,))
    mlm = _sparse_ce(ops.relu(labels), ops.cast(prediction_logits, "float32"))
    sop_logits = ops.reshape(ops.cast(sop_logits, "float32"), (-1, 2))
    sop = _sparse_ce(ops.relu(sentence_order_label), sop_logits)
    total = (_masked_mean(mlm, ops.not_equal(labels, IGNORE_INDEX), sample_weight)
             + _masked_mean(sop, ops.not_equal(sentence_order_label, IGNORE_INDEX), sample_weight))
    return ops.reshape(total, (1,))
