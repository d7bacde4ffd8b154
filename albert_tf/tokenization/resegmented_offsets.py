"""Byte offsets of re-segmented pieces: where the pieces of a corrected tie span lie in the tokenizer input.

:class:`ResegmentedOffsetsMixin` holds ``_map_offsets``, which maps the character spans of the pieces
:class:`~albert_tf.tokenization.viterbi.UnigramTieResolver` re-segmented back to byte offsets in the text
tensorflow-text tokenized, from the offsets of the original pieces of the span. It is a base of that class
and reads its ``_piece_chars`` table.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from albert_tf.tokenization import ragged_ops


class ResegmentedOffsetsMixin:
    """Offsets in the tokenizer input for the pieces of re-segmented spans."""

    def _map_offsets(self, units, spans, unit_of_piece, p_begin, p_end, span_text, new_ids):
        """Byte spans in the tokenizer input for re-segmented pieces.

        A boundary on an original piece's edge takes that piece's offset; one inside an original piece is
        placed by counting bytes back from that piece's end (normalization changes at most the leading
        word-start marker of the pieces that can tie).
        """
        # Byte span of each original piece within its unit's normalized text.
        sizes = tf.cast(tf.strings.length(units.flat_values), tf.int64)
        running = tf.cumsum(sizes)
        unit_base = tf.gather(tf.concat([[0], running], 0), units.row_splits[:-1])
        norm_end = running - ragged_ops.repeat(unit_base, units.row_lengths())
        norm_begin = norm_end - sizes
        pieces_of = lambda flat: tf.gather(units.with_values(flat), spans)
        norm_begin, norm_end, in_begin, in_end = map(pieces_of, (norm_begin, norm_end, p_begin, p_end))
        # Character span of each new piece in the span text, then bytes.
        piece_chars = tf.gather(self._piece_chars, new_ids.flat_values)
        char_end = new_ids.with_flat_values(tf.cast(piece_chars, tf.int64))
        char_end = char_end.with_flat_values(tf.cumsum(char_end.flat_values) - ragged_ops.repeat(
            tf.gather(tf.concat([[0], tf.cumsum(char_end.flat_values)], 0), char_end.row_splits[:-1]),
            char_end.row_lengths()))
        char_begin = char_end.with_flat_values(char_end.flat_values - tf.cast(piece_chars, tf.int64))
        char_starts = tf.strings.unicode_decode_with_offsets(span_text, "UTF-8")[1]
        char_offsets = tf.concat([char_starts, tf.expand_dims(tf.cast(tf.strings.length(span_text), tf.int64), 1)], 1)
        new_span = ragged_ops.row_ids(new_ids)
        to_byte = lambda chars: tf.gather(char_offsets.flat_values,
                                          tf.gather(char_offsets.row_splits, new_span) + chars.flat_values)
        big = tf.constant(np.iinfo(np.int64).max, tf.int64)

        def padded(rt):
            dense = rt.to_tensor(big)
            return tf.concat([dense, tf.fill(tf.stack([tf.shape(dense)[0], 1]), big)], 1)

        def to_input(byte_pos, is_begin):
            # The original piece holding the boundary: the first ending after a begin, the last starting
            # before an end.
            queries = new_ids.with_flat_values(byte_pos).to_tensor(0)
            if is_begin:
                k = tf.searchsorted(padded(norm_end), queries, side="right", out_type=tf.int64)
            else:
                k = tf.searchsorted(padded(norm_begin), queries, side="left", out_type=tf.int64) - 1
            k = tf.RaggedTensor.from_tensor(k, lengths=new_ids.row_lengths()).flat_values
            k = tf.clip_by_value(k, 0, tf.gather(in_begin.row_lengths(), new_span) - 1)
            at = tf.gather(in_begin.row_splits, new_span) + k
            ib, ie = tf.gather(in_begin.flat_values, at), tf.gather(in_end.flat_values, at)
            nb, ne = tf.gather(norm_begin.flat_values, at), tf.gather(norm_end.flat_values, at)
            inside = tf.maximum(ib, ie - (ne - byte_pos))
            if is_begin:
                return new_ids.with_flat_values(tf.where(tf.equal(byte_pos, nb), ib, inside))
            return new_ids.with_flat_values(tf.where(tf.equal(byte_pos, ne), ie, inside))

        return to_input(to_byte(char_begin), True), to_input(to_byte(char_end), False)
