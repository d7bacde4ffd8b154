"""HF-fast-tokenizer tokens of raw strings, in graph: ids, character offsets and word boundaries.

``transformers.pipeline`` loads ALBERT's *fast* tokenizer, whose offsets follow the ``Metaspace``
pre-tokenizer (a ``▁`` piece takes the whitespace before it); the question-answering and
token-classification graphs report positions from these offsets, so both build them here, once. The
Python version of the same rules is :mod:`albert_tf.tokenization.alignment`.

Example:
    >>> import tensorflow as tf  # doctest: +SKIP
    >>> from albert_tf.tokenization import AlbertPreprocessor, AlbertTokenizer  # doctest: +SKIP
    >>> tok = AlbertTokenizer.from_pretrained("albert-base-v2")  # doctest: +SKIP
    >>> pre = AlbertPreprocessor.from_tokenizer(tok, return_offsets=True, offset_unit="char")  # doctest: +SKIP
    >>> TextTokens(tok).tokens(pre, tf.constant(["Hello world"]))["starts"]  # doctest: +SKIP
    <tf.Tensor: shape=(1, 3), dtype=int32, numpy=array([[0, 2, 5]], dtype=int32)>
"""

from __future__ import annotations

from albert_tf.tokenization.constants import MASK_TOKEN, SPIECE_UNDERLINE, UNK_TOKEN

__all__ = ["TextTokens", "WHITESPACE"]

# Python's str.isspace() characters (the pipeline's metaspace offsets test text[i].isspace()).
WHITESPACE = r"[\t-\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"


class TextTokens:
    """Per-vocabulary facts the fast tokenizer's offsets and word ids depend on, as graph constants.

    Args:
        tokenizer: the :class:`~albert_tf.tokenization.AlbertTokenizer` (piece strings, special ids).
    """

    def __init__(self, tokenizer):
        import tensorflow as tf

        self.unk = tokenizer.unk_token_id
        pieces = tokenizer.convert_ids_to_tokens(list(range(tokenizer.vocab_size)))
        specials = set(tokenizer.all_special_tokens)
        self.special = tf.constant([p in specials for p in pieces])
        self.mask_piece = tf.constant([p == MASK_TOKEN for p in pieces])
        self.lone = tf.constant([p == SPIECE_UNDERLINE for p in pieces])
        self.word_start = tf.constant([p.startswith(SPIECE_UNDERLINE) for p in pieces])
        self.pieces = tf.constant(pieces)

    def tokens(self, preprocessor, text) -> dict:
        """Dense [B, T] ``ids``, HF-fast character offsets ``starts``/``ends``, ``count`` [B] tokens per
        row, and each token's word's ``first``/``last`` token index (0 past a row's tokens)."""
        import tensorflow as tf

        ids, starts, ends = preprocessor.tokenize_with_offsets(text)
        count = tf.cast(ids.row_lengths(), tf.int32)
        width = tf.reduce_max(tf.concat([count, [1]], 0))
        valid = tf.range(width)[tf.newaxis, :] < count[:, tf.newaxis]
        shape = tf.stack([tf.shape(text, out_type=tf.int64)[0], tf.cast(width, tf.int64)])
        ids, starts, ends = (t.to_tensor(0, shape=shape) for t in (ids, starts, ends))

        # An unknown character is an <unk> inside its word (the fast tokenizer's word ids); only a
        # "<unk>" written in the text is a special token of its own.
        written = tf.strings.lower(tf.strings.substr(tf.broadcast_to(text[:, tf.newaxis], tf.shape(ids)),
                                                     starts, ends - starts, unit="UTF8_CHAR"))
        special = tf.gather(self.special, ids) & ((ids != self.unk) | tf.equal(written, UNK_TOKEN))
        previous_special = tf.pad(special[:, :-1], [[0, 0], [1, 0]])
        position = tf.broadcast_to(tf.range(width)[tf.newaxis, :], tf.shape(ids))
        new_word = valid & ((position == 0) | special | previous_special | tf.gather(self.word_start, ids))
        word = tf.cumsum(tf.cast(new_word, tf.int32), axis=1) - 1
        word_starts = tf.ragged.boolean_mask(position, new_word)
        bounds = tf.concat([word_starts, count[:, tf.newaxis]], axis=1).to_tensor(0)  # word w: [bounds[w], bounds[w+1])
        word = tf.maximum(word, 0)
        starts, ends = self.metaspace_offsets(text, ids, starts, ends, valid)
        first = tf.gather(bounds, word, batch_dims=1)
        last = tf.gather(bounds, tf.minimum(word + 1, tf.shape(bounds)[1] - 1), batch_dims=1) - 1
        return {"ids": ids, "count": count, "starts": starts, "ends": ends, "first": first, "last": last}

    def metaspace_offsets(self, text, ids, starts, ends, valid):
        """Our visible-character offsets -> the fast tokenizer's: a ``▁`` piece takes the whitespace before
        it, a lone ``▁`` stands for the last whitespace character of its run (see
        :func:`albert_tf.tokenization.alignment.metaspace_offsets`; the graph may place a lone ``▁`` at either
        end of the run, both map to the same character)."""
        import tensorflow as tf

        chars = tf.strings.unicode_split(text, "UTF-8")
        length = tf.cast(chars.row_lengths(), tf.int32)
        space = tf.ragged.map_flat_values(tf.strings.regex_full_match, chars, WHITESPACE)
        columns = tf.reduce_max(tf.concat([length, [0]], 0)) + 1
        is_space = space.to_tensor(False, shape=tf.stack([tf.shape(text, out_type=tf.int64)[0], tf.cast(columns, tf.int64)]))  # one extra column: index len is "not space"
        at = lambda table, index: tf.gather(table, tf.clip_by_value(index, 0, columns - 1), batch_dims=1)  # noqa: E731
        # The first non-space character at or after each index: the n-th non-space character, n = the
        # number of non-space characters before the index.
        char_index = tf.broadcast_to(tf.range(columns)[tf.newaxis, :], tf.shape(is_space))
        inside = char_index < length[:, tf.newaxis]
        nonspace = tf.ragged.boolean_mask(char_index, inside & ~is_space)
        nonspace = tf.concat([nonspace, length[:, tf.newaxis]], axis=1).to_tensor(0)
        before = tf.cumsum(tf.cast(inside & ~is_space, tf.int32), axis=1, exclusive=True)
        run_end = tf.gather(nonspace, at(before, starts), batch_dims=1)

        space_at = at(is_space, starts) & (starts < length[:, tf.newaxis])
        space_before = (starts > 0) & at(is_space, starts - 1)
        lone = tf.gather(self.lone, ids) & tf.equal(starts, ends)
        lone_start = tf.where(space_at, run_end - 1, tf.where(space_before, starts - 1, starts))
        lone_end = tf.where(space_at, run_end, tf.where(space_before, starts,
                                                        tf.where(tf.equal(starts, 0) & (length[:, tf.newaxis] > 0),
                                                                 1, ends)))
        shifted = (tf.gather(self.word_start, ids) | tf.gather(self.mask_piece, ids)) & space_before
        new_starts = tf.where(lone, lone_start, tf.where(shifted, starts - 1, starts))
        new_ends = tf.where(lone, lone_end, ends)
        return tf.where(valid, new_starts, 0), tf.where(valid, new_ends, 0)
