"""Offsets for :class:`~albert_tf.tokenization.AlbertPreprocessor`: SentencePiece's byte spans in the
*preprocessed* text mapped back to the original string, in graph.

The preprocessed text is built character by character (lowercasing, accent stripping, space collapsing), so
each original character knows its output bytes; a piece's span starts at the first visible character it
covers and ends where the next visible (or whitespace) character begins, so stripped accents stay inside it.
"""

from __future__ import annotations

import tensorflow as tf

from albert_tf.tokenization.ragged_ops import dense_sorted, mask_values, repeat, row_exclusive_cumsum


def resplit_spans(digit_comma: tf.RaggedTensor, ids, p_begin, p_end):
    """Apply the ``<digit>,`` re-split table to ids and their spans: re-split pieces share the span before
    the comma, the comma gets the last byte."""
    reps = tf.gather(digit_comma, ids.flat_values)
    n_sub = reps.row_lengths()
    sub_pos = tf.ragged.range(n_sub)
    multi = tf.expand_dims(n_sub > 1, 1)
    is_last = tf.logical_and(tf.equal(sub_pos, tf.expand_dims(n_sub - 1, 1)), multi).flat_values
    not_last = tf.logical_and(tf.not_equal(sub_pos, tf.expand_dims(n_sub - 1, 1)), multi).flat_values
    b = repeat(p_begin.flat_values, n_sub)
    e = repeat(p_end.flat_values, n_sub)
    b, e = tf.where(is_last, e - 1, b), tf.where(not_last, e - 1, e)
    p_begin = ids.with_flat_values(reps.with_flat_values(b)).merge_dims(1, 2)
    p_end = ids.with_flat_values(reps.with_flat_values(e)).merge_dims(1, 2)
    return ids.with_flat_values(reps).merge_dims(1, 2), p_begin, p_end


def source_spans(outs, c_starts, is_ws, p_begin, p_end, seg_len, row_lengths, *, ws_class: str,
                 keep_accents: bool):
    """Byte spans ``[p_begin, p_end)`` of the preprocessed segments -> byte spans of the original segments.

    Args:
        outs: ragged ``[segments, chars]`` preprocessed output of each original character.
        c_starts: ragged byte start of each original character; ``is_ws``: whether it is whitespace.
        seg_len: byte length of each original segment; ``row_lengths``: pieces per segment.
        ws_class: RE2 class of whitespace; keep_accents: whether accents were kept (nothing deleted).
    """
    lengths = outs.with_flat_values(tf.cast(tf.strings.length(outs.flat_values), tf.int64))
    p_start = row_exclusive_cumsum(lengths)
    visible = tf.logical_and(
        tf.greater(lengths.flat_values, 0),
        tf.logical_not(tf.strings.regex_full_match(outs.flat_values, f"{ws_class}*")))
    vis_start = mask_values(p_start, visible)
    vis_end = mask_values(p_start.with_flat_values(p_start.flat_values + lengths.flat_values), visible)
    vis_cstart = mask_values(c_starts, visible)
    # The end extends over following deleted characters (stripped accents), not over whitespace.
    stopper = tf.logical_or(visible, is_ws.flat_values) if not keep_accents else tf.ones_like(visible)
    stop_starts = mask_values(c_starts, stopper)

    dense = lambda rt, fill: rt.to_tensor(default_value=tf.cast(fill, rt.dtype))
    first = tf.searchsorted(dense_sorted(vis_end), dense(p_begin, 0), side="right", out_type=tf.int64)
    last = tf.searchsorted(dense_sorted(vis_start), dense(p_end, 0), side="left", out_type=tf.int64) - 1
    n_vis = tf.expand_dims(vis_start.row_lengths(), 1)
    vis_cstart_d = tf.concat([dense(vis_cstart, 0), tf.zeros([tf.shape(first)[0], 1], tf.int64)], 1)
    start_d = tf.gather(vis_cstart_d, tf.minimum(first, n_vis), batch_dims=1)
    start_d = tf.where(first >= n_vis, tf.expand_dims(seg_len, 1), start_d)
    last_c = tf.gather(vis_cstart_d, tf.maximum(last, 0), batch_dims=1)
    nxt = tf.searchsorted(dense_sorted(stop_starts), last_c, side="right", out_type=tf.int64)
    stops_d = tf.concat([dense(stop_starts, 0), tf.zeros([tf.shape(first)[0], 1], tf.int64)], 1)
    n_stop = tf.expand_dims(stop_starts.row_lengths(), 1)
    end_d = tf.where(nxt >= n_stop, tf.expand_dims(seg_len, 1),
                     tf.gather(stops_d, tf.minimum(nxt, n_stop), batch_dims=1))
    empty = first > last
    end_d = tf.where(empty, start_d, end_d)
    return (tf.RaggedTensor.from_tensor(start_d, lengths=row_lengths),
            tf.RaggedTensor.from_tensor(end_d, lengths=row_lengths))


def bytes_to_chars(texts, starts, ends):
    """Byte offsets into ``texts`` -> code-point offsets (an end: the first character after it)."""
    _, char_starts = tf.strings.unicode_decode_with_offsets(texts, "UTF-8")
    cs = dense_sorted(char_starts)
    to_char = lambda rt: tf.RaggedTensor.from_tensor(
        tf.searchsorted(cs, rt.to_tensor(), side="left", out_type=tf.int64), lengths=rt.row_lengths())
    return to_char(starts), to_char(ends)
