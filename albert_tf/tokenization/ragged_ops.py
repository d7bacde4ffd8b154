"""Small ragged-tensor helpers shared by the in-graph preprocessing, offsets and packing code."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

BIG = np.iinfo(np.int32).max


def column(n, value, dtype) -> tf.RaggedTensor:
    """``n`` rows holding one ``value`` each."""
    return tf.RaggedTensor.from_tensor(tf.fill(tf.stack([n, 1]), tf.constant(value, dtype)))


def keep_first(rt: tf.RaggedTensor, keep) -> tf.RaggedTensor:
    """Per row, the first ``keep[row]`` elements."""
    positions = tf.ragged.range(rt.row_lengths())
    return tf.ragged.boolean_mask(rt, positions < tf.expand_dims(tf.cast(keep, positions.dtype), 1))


def keep_last(rt: tf.RaggedTensor, keep) -> tf.RaggedTensor:
    """Per row, the last ``keep[row]`` elements."""
    positions = tf.ragged.range(rt.row_lengths())
    first_kept = tf.expand_dims(rt.row_lengths() - tf.cast(keep, rt.row_lengths().dtype), 1)
    return tf.ragged.boolean_mask(rt, positions >= first_kept)


def shift_right(rt: tf.RaggedTensor, fill) -> tf.RaggedTensor:
    """Per row, the previous element (``fill`` at each row start)."""
    shifted = tf.concat([column(rt.nrows(), fill, rt.dtype), rt[:, :-1]], axis=1)
    return keep_first(shifted, rt.row_lengths())  # empty rows must stay empty


def shift_left(rt: tf.RaggedTensor, fill) -> tf.RaggedTensor:
    """Per row, the next element (``fill`` after each row end)."""
    shifted = tf.concat([rt[:, 1:], column(rt.nrows(), fill, rt.dtype)], axis=1)
    return keep_first(shifted, rt.row_lengths())  # empty rows must stay empty


def dense_sorted(rt: tf.RaggedTensor) -> tf.Tensor:
    """Rows padded with int32-max (and one extra such column, so searchsorted never sees width 0)."""
    dense = rt.to_tensor(default_value=tf.cast(BIG, rt.dtype))
    return tf.concat([dense, tf.fill(tf.stack([tf.shape(dense)[0], 1]), tf.cast(BIG, rt.dtype))], 1)


def row_exclusive_cumsum(rt: tf.RaggedTensor) -> tf.RaggedTensor:
    """Per row, the sum of the elements before each one (int64)."""
    values = tf.cast(rt.flat_values, tf.int64)
    inclusive = tf.cumsum(values)
    row_start = tf.gather(tf.concat([[0], inclusive], 0), rt.row_splits[:-1])
    exclusive = inclusive - values - tf.repeat(row_start, rt.row_lengths())
    return rt.with_flat_values(exclusive)
