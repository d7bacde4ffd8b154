"""Python ``sentencepiece``'s unigram Viterbi over the characters of words, in graph.

:class:`ViterbiLatticeMixin` holds ``_viterbi_setup``: every character window of each word looked up as a
candidate piece at once, then the best path from a given start score with sentencepiece's tie rule (the
first best start wins, so the longest last piece), in float32 like its path arithmetic, as one
``tf.while_loop`` over end positions (an unrolled copy for short words made the exported graph much larger,
and graph size is what a SavedModel's first run pays for). It is a base of
:class:`~albert_tf.tokenization.viterbi.UnigramTieResolver`, whose tables (``_piece_ids``, ``_scores``,
``unk_id``, ``max_piece_chars``) it reads; see :mod:`albert_tf.tokenization.viterbi` for the rules.
"""

from __future__ import annotations

import tensorflow as tf

_NEG_INF = float("-inf")


class ViterbiLatticeMixin:
    """Best unigram segmentations of words, with Python ``sentencepiece``'s tie breaking."""

    def _viterbi_setup(self, words):
        """Candidate pieces of each word; returns ``run(start_scores) -> (nodes, end_scores)``: Python
        sentencepiece's best path through each word from the given path score, as piece ids per node
        ``[words, max chars]`` (-1 padded, unknown characters one node each) and its final score."""
        char_starts = tf.strings.unicode_decode_with_offsets(words, "UTF-8")[1]
        n_chars = tf.cast(char_starts.row_lengths(), tf.int32)
        width = tf.cast(char_starts.bounding_shape(axis=1), tf.int32)
        n_words = tf.size(words)
        max_len = self.max_piece_chars
        # Candidate piece ids [word, start, length - 1] (-1: none): every character window at once.
        position = tf.range(width)[tf.newaxis, :, tf.newaxis]
        lengths = tf.range(1, max_len + 1)[tf.newaxis, tf.newaxis, :]
        inside = position + lengths <= n_chars[:, tf.newaxis, tf.newaxis]
        # [words, width + 1]: each row's character starts, then its byte length, then zeros.
        offsets = tf.tensor_scatter_nd_update(
            char_starts.to_tensor(0, shape=tf.stack([n_words, width + 1])), tf.stack([tf.range(n_words), n_chars], 1),
            tf.cast(tf.strings.length(words), tf.int64))
        window_end = tf.minimum(position + lengths, n_chars[:, tf.newaxis, tf.newaxis])
        begin_byte = tf.gather(offsets, tf.broadcast_to(position, tf.shape(window_end)), batch_dims=1)
        end_byte = tf.gather(offsets, window_end, batch_dims=1)
        # Only windows inside their word are cut out and looked up.
        where_inside = tf.where(inside)
        window = tf.strings.substr(tf.gather(words, where_inside[:, 0]), tf.gather_nd(begin_byte, where_inside),
                                   tf.gather_nd(end_byte - begin_byte, where_inside))
        found = self._piece_ids.lookup(window)
        # A character without a one-character piece is an <unk> node.
        found = tf.where(tf.logical_and(tf.equal(where_inside[:, 2], 0), found < 0), self.unk_id, found)
        cand_ids = tf.tensor_scatter_nd_update(tf.fill(tf.shape(inside), -1), where_inside, found)
        cand_scores = tf.where(cand_ids >= 0, tf.gather(self._scores, tf.maximum(cand_ids, 0)), _NEG_INF)
        piece_lengths = tf.range(1, max_len + 1)

        def choose(scores, best_at_start, index, lengths_here):
            """Best candidate per word ending at one position: (its score, length of its last piece).
            Columns are candidates by increasing piece length, i.e. decreasing start; sentencepiece keeps
            the first best in start order, so the longest piece wins a tie."""
            cand = best_at_start + tf.gather(scores, index, axis=1)
            top = tf.reduce_max(cand, axis=1)
            chosen = tf.reduce_max(tf.where(tf.equal(cand, top[:, tf.newaxis]), lengths_here, 0), axis=1)
            return top, chosen

        def looped(start_scores):
            flat_scores = tf.reshape(cand_scores, [n_words, -1])

            def body(end, best, back):
                starts = end - piece_lengths
                valid = starts >= 0
                safe_starts = tf.maximum(starts, 0)
                best_at_start = tf.where(valid, tf.transpose(best.gather(safe_starts)), _NEG_INF)
                top, chosen = choose(flat_scores, best_at_start, safe_starts * max_len + piece_lengths - 1,
                                     tf.where(valid, piece_lengths, 0))
                return end + 1, best.write(end, top), back.write(end, chosen)

            best = tf.TensorArray(tf.float32, size=width + 1, clear_after_read=False, element_shape=[None])
            back = tf.TensorArray(tf.int32, size=width + 1, element_shape=[None])
            best = best.write(0, start_scores)
            back = back.write(0, tf.zeros([n_words], tf.int32))
            _, best, back = tf.while_loop(lambda end, *_: end <= width, body, (tf.constant(1), best, back))
            return tf.transpose(best.stack()), tf.transpose(back.stack())

        def run(start_scores):
            start_scores = tf.cast(start_scores, tf.float32)
            best, back = looped(start_scores)
            # Walk back from each word's end: position -> start of its last piece, by pointer doubling.
            position_row = tf.range(width + 1)[tf.newaxis, :]
            jump = tf.where(position_row > 0, position_row - back, 0)
            cursor = tf.broadcast_to(n_chars[:, tf.newaxis], tf.shape(jump))  # one column per step count k
            steps = tf.broadcast_to(position_row, tf.shape(jump))

            def double(bit, cursor, jump):
                moved = tf.gather(jump, cursor, batch_dims=1)
                cursor = tf.where((steps // bit) % 2 == 1, moved, cursor)
                return bit * 2, cursor, tf.gather(jump, jump, batch_dims=1)

            _, cursor, _ = tf.while_loop(lambda bit, *_: bit <= width, double, (tf.constant(1), cursor, jump))
            # cursor[w, k]: position k pieces back from the end; the path's piece ends are those > 0.
            path_ends = tf.reduce_any(tf.logical_and(
                tf.equal(cursor[:, :, tf.newaxis], position_row[:, tf.newaxis, :]), cursor[:, :, tf.newaxis] > 0), 1)
            at = tf.where(path_ends)  # (word, end position) of each piece, in path order
            word, end = tf.cast(at[:, 0], tf.int32), tf.cast(at[:, 1], tf.int32)
            last_len = tf.gather_nd(back, tf.stack([word, end], 1))
            ids = tf.gather_nd(cand_ids, tf.stack([word, end - last_len, last_len - 1], 1))
            nodes = tf.RaggedTensor.from_value_rowids(ids, at[:, 0], nrows=tf.cast(n_words, tf.int64),
                                                      validate=False).to_tensor(-1, shape=tf.stack([n_words, width]))
            return nodes, tf.gather(best, n_chars, batch_dims=1)

        return run
