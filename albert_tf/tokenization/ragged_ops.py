"""Small ragged-tensor helpers shared by the in-graph preprocessing, offsets and packing code."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

BIG = np.iinfo(np.int32).max


def select(values, mask):
    """``tf.boolean_mask(values, mask)`` for a rank-1 or rank-2 ``mask`` over the leading dimensions, as a
    ``tf.where`` and a gather (``tf.boolean_mask`` adds some thirty graph ops)."""
    rank = mask.shape.rank
    if rank == 1:
        return tf.gather(values, tf.where(mask)[:, 0])
    if rank == 2:
        return tf.gather_nd(values, tf.where(mask))
    return tf.boolean_mask(values, mask)


def row_ids(rt: tf.RaggedTensor) -> tf.Tensor:
    """The row of each element of a ragged-rank-1 tensor (like ``value_rowids()``, in a handful of graph ops:
    a count of row starts at each position, then a cumulative sum)."""
    splits = rt.row_splits
    n = tf.shape(rt.values, out_type=splits.dtype)[0]
    starts = tf.math.unsorted_segment_sum(tf.ones_like(splits[:-1]), splits[:-1], n + 1)
    return tf.cumsum(starts[:-1]) - 1


def row_start_flags(rt: tf.RaggedTensor) -> tf.Tensor:
    """``[elements]`` bool: the element is the first of its row (ragged rank 1)."""
    splits = rt.row_splits
    n = tf.shape(rt.values, out_type=splits.dtype)[0]
    return tf.math.unsorted_segment_sum(tf.ones_like(splits[:-1]), splits[:-1], n + 1)[:-1] > 0


def _position_in_row(rt: tf.RaggedTensor):
    rows = row_ids(rt)
    return rows, tf.range(tf.shape(rt.values, out_type=rt.row_splits.dtype)[0]) - tf.gather(rt.row_splits, rows)


def _mask_rows(rt: tf.RaggedTensor, keep, new_lengths) -> tf.RaggedTensor:
    return tf.RaggedTensor.from_row_lengths(select(rt.values, keep), new_lengths, validate=False)


def keep_first(rt: tf.RaggedTensor, keep) -> tf.RaggedTensor:
    """Per row, the first ``keep[row]`` elements."""
    if rt.ragged_rank != 1:
        positions = tf.ragged.range(rt.row_lengths())
        return tf.ragged.boolean_mask(rt, positions < tf.expand_dims(tf.cast(keep, positions.dtype), 1))
    keep = tf.maximum(tf.cast(keep, rt.row_splits.dtype), 0)
    rows, position = _position_in_row(rt)
    return _mask_rows(rt, position < tf.gather(keep, rows), tf.minimum(rt.row_lengths(), keep))


def keep_last(rt: tf.RaggedTensor, keep) -> tf.RaggedTensor:
    """Per row, the last ``keep[row]`` elements."""
    if rt.ragged_rank != 1:
        positions = tf.ragged.range(rt.row_lengths())
        first_kept = tf.expand_dims(rt.row_lengths() - tf.cast(keep, rt.row_lengths().dtype), 1)
        return tf.ragged.boolean_mask(rt, positions >= first_kept)
    keep = tf.maximum(tf.cast(keep, rt.row_splits.dtype), 0)
    lengths = rt.row_lengths()
    rows, position = _position_in_row(rt)
    return _mask_rows(rt, position >= tf.gather(lengths - keep, rows), tf.minimum(lengths, keep))


def shift_right(rt: tf.RaggedTensor, fill) -> tf.RaggedTensor:
    """Per row, the previous element (``fill`` at each row start); ragged rank 1."""
    values = rt.values
    fill = tf.constant(fill, rt.dtype)
    n = tf.shape(values)[0]
    previous = tf.concat([tf.reshape(fill, [1]), values], 0)[:n]
    return rt.with_values(tf.where(row_start_flags(rt), fill, previous))


def shift_left(rt: tf.RaggedTensor, fill) -> tf.RaggedTensor:
    """Per row, the next element (``fill`` after each row end); ragged rank 1."""
    values = rt.values
    fill = tf.constant(fill, rt.dtype)
    n = tf.shape(values)[0]
    following = tf.concat([values[1:], tf.reshape(fill, [1])], 0)
    is_last = tf.concat([row_start_flags(rt)[1:], [True]], 0)[:n]
    return rt.with_values(tf.where(is_last, fill, following))


def dense_sorted(rt: tf.RaggedTensor) -> tf.Tensor:
    """Rows padded with int32-max (and one extra such column, so searchsorted never sees width 0)."""
    dense = rt.to_tensor(default_value=tf.cast(BIG, rt.dtype))
    return tf.concat([dense, tf.fill(tf.stack([tf.shape(dense)[0], 1]), tf.cast(BIG, rt.dtype))], 1)


def row_exclusive_cumsum(rt: tf.RaggedTensor) -> tf.RaggedTensor:
    """Per row, the sum of the elements before each one (int64)."""
    values = tf.cast(rt.flat_values, tf.int64)
    inclusive = tf.cumsum(values)
    row_start = tf.gather(tf.concat([[0], inclusive], 0), rt.row_splits[:-1])
    exclusive = inclusive - values - repeat(row_start, rt.row_lengths())
    return rt.with_flat_values(exclusive)


def repeat(values, counts):
    """``tf.repeat(values, counts)`` for 1-D ``values`` and non-negative ``counts``, in a few graph ops
    (``tf.repeat`` adds some fifty)."""
    counts = tf.cast(counts, tf.int64)
    splits = tf.concat([tf.zeros([1], tf.int64), tf.cumsum(counts)], 0)
    starts = tf.math.unsorted_segment_sum(tf.ones_like(counts), splits[:-1], splits[-1] + 1)
    return tf.gather(values, tf.cumsum(starts[:-1]) - 1)


def mask_values(rt: tf.RaggedTensor, keep) -> tf.RaggedTensor:
    """``tf.ragged.boolean_mask(rt, rt.with_values(keep))`` for ragged rank 1: the elements where ``keep``
    (``[elements]`` bool) is true, in their rows."""
    lengths = tf.math.unsorted_segment_sum(tf.cast(keep, rt.row_splits.dtype), row_ids(rt), rt.nrows())
    return tf.RaggedTensor.from_row_lengths(select(rt.values, keep), lengths, validate=False)


def concat_rows(a: tf.RaggedTensor, b: tf.RaggedTensor) -> tf.RaggedTensor:
    """``tf.concat([a, b], axis=0)`` for ragged rank 1: the rows of ``a``, then those of ``b``."""
    return tf.RaggedTensor.from_row_lengths(tf.concat([a.values, b.values], 0),
                                            tf.concat([a.row_lengths(), b.row_lengths()], 0), validate=False)


def join_rows(rt: tf.RaggedTensor) -> tf.Tensor:
    """``tf.strings.reduce_join(rt, axis=1)`` for a ragged-rank-1 string tensor."""
    return tf.strings.unsorted_segment_join(rt.values, row_ids(rt), rt.nrows())
