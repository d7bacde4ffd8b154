"""HF's ALBERT text preprocessing in graph: strings -> SentencePiece input segments.

:class:`GraphPreprocessingMixin` holds the ``text -> per-segment pieces`` half of
:class:`~albert_tf.tokenization.preprocessor.AlbertPreprocessor`: the special-token split (``_split``),
lowercasing, space and quote rules and accent stripping (the ASCII fast path ``_ascii_preprocess``, the
whole-string ``_fast_preprocess`` and the exact per-character ``_char_preprocess``), the ``<digit>,``
re-split and the reordering of fast and exact rows into one batch of segments (``_segments``). It reads the
tables the layer builds in its constructor; see :mod:`albert_tf.tokenization.preprocessor` for how HF's rules
map to graph ops.
"""

from __future__ import annotations

import tensorflow as tf
import tensorflow_text as tf_text
from tensorflow_text.python.ops import regex_split_ops

from albert_tf.tokenization.ragged_ops import repeat, row_ids, select, shift_left, shift_right

# tensorflow-text's RegexSplitWithOffsets op (tf_text.regex_split_with_offsets wraps it).
_regex_split_op = regex_split_ops.gen_regex_split_ops.regex_split_with_offsets


class GraphPreprocessingMixin:
    """Text -> SentencePiece input segments (HF-exact preprocessing and special-token split), in graph."""

    # ---------------------------------------------------------------- text -> per-segment pieces
    def _lower(self, x):
        return tf.strings.lower(tf.strings.regex_replace(x, "\u03a3", "\u03c3"), encoding="utf-8")

    def _fast_preprocess(self, segs):
        x = segs
        if self.do_lower_case:
            x = self._lower(x)
        if self.remove_space:
            x = tf.strings.regex_replace(x, f"^{self._ws}+|{self._ws}+$", "")
            x = tf.strings.regex_replace(x, f"{self._ws}+", " ")
        x = tf.strings.regex_replace(x, "``|''", '"')
        if not self.keep_accents:
            x = tf_text.normalize_utf8(x, "NFKD")
            x = tf.strings.regex_replace(x, self._combining, "")
        if self.do_lower_case:
            x = tf.strings.lower(x, encoding="utf-8")
        return x

    def _fixed(self, table, op, x):
        out = op(x)
        if table is None:
            return out
        fix = table.lookup(x)
        return tf.where(tf.equal(fix, ""), out, fix)

    def _char_preprocess(self, segs):
        """Exact per-character preprocessing: returns (joined text, per-char outputs, char byte starts,
        char byte ends, is-whitespace), the outputs ragged ``[segments, chars]``.

        Everything runs on the flat ``[chars]`` values with the row ids of the characters (ragged
        elementwise ops would add shape checks and partition ops to the graph for each use)."""
        chars, starts = tf.strings.unicode_split_with_offsets(segs, "UTF-8")
        flat = chars.flat_values
        ends = starts.with_values(starts.values + tf.cast(tf.strings.length(flat), starts.dtype))
        rows = row_ids(chars)
        n_rows = tf.shape(chars.row_splits, out_type=rows.dtype)[0] - 1
        join = lambda values: tf.strings.unsorted_segment_join(values, rows, n_rows)
        ws = tf.strings.regex_full_match(flat, self._ws)
        is_ws = chars.with_values(ws)
        out = flat
        if self.do_lower_case:
            out = self._fixed(self._lower_fix, lambda v: tf.strings.lower(v, encoding="utf-8"), out)
        if self.remove_space:
            # Non-space characters after each one in its row: the row's total minus the running count.
            running = tf.cumsum(tf.cast(tf.logical_not(ws), tf.int64))
            row_total = tf.gather(tf.concat([[0], running], 0), chars.row_splits[1:])
            after = tf.gather(row_total, rows) - running
            drop = tf.logical_and(ws, tf.logical_or(shift_right(is_ws, True).values, tf.equal(after, 0)))
            out = tf.where(ws, tf.where(drop, "", " "), out)
        for quote in ("`", "'"):
            is_q = chars.with_values(tf.equal(flat, quote))
            q = is_q.values
            run_start = tf.logical_and(q, tf.logical_not(shift_right(is_q, False).values))
            idx = tf.range(tf.size(flat, out_type=tf.int64))
            run_id = tf.cumsum(tf.cast(run_start, tf.int64)) - 1
            # A trailing 0 keeps the gather valid when there is no run at all.
            start_idx = tf.concat([select(idx, run_start), tf.zeros([1], tf.int64)], 0)
            pos = idx - tf.gather(start_idx, tf.maximum(run_id, 0))
            odd = tf.equal(pos % 2, 1)
            pair_first = tf.logical_and(tf.logical_not(odd), shift_left(is_q, False).values)
            out = tf.where(tf.logical_and(q, odd), "", tf.where(tf.logical_and(q, pair_first), '"', out))
        before_lower = out
        if not self.keep_accents:
            out = self._fixed(self._nfkd_fix, lambda v: tf_text.normalize_utf8(v, "NFKD"), out)
            out = tf.strings.regex_replace(out, self._combining, "")
        if self.do_lower_case:
            before_lower = out
            out = self._fixed(self._lower_fix, lambda v: tf.strings.lower(v, encoding="utf-8"), out)
        outs = chars.with_values(out)
        joined = join(out)
        if self.do_lower_case:
            # Whole-string lowering decides final sigma (a capital sigma can come out of NFKD, e.g.
            # MATHEMATICAL BOLD CAPITAL SIGMA); tf.strings.lower would cut the text at NUL.
            whole = join(before_lower)
            use_whole = tf.strings.regex_full_match(whole, "(?s).*\u03a3.*")
            # NUL -> \x01 (both uncased controls, so the sigma context is the same); the NULs are then
            # copied back byte by byte (sigma and final sigma have the same UTF-8 length).
            lowered = tf.strings.lower(tf.strings.regex_replace(whole, "\x00", "\x01"), encoding="utf-8")
            sel = tf.where(tf.logical_and(use_whole, tf.equal(tf.strings.length(lowered), tf.strings.length(joined))))
            w = tf.strings.bytes_split(tf.gather_nd(lowered, sel))
            j = tf.strings.bytes_split(tf.gather_nd(joined, sel))
            # Only the second byte of sigma differs (CF 83 -> CF 82 for final sigma); the selected rows have
            # the same byte lengths, so their bytes line up.
            take = tf.logical_and(tf.equal(j.values, b"\x83"), tf.equal(w.values, b"\x82"))
            merged = tf.strings.unsorted_segment_join(tf.where(take, w.values, j.values), row_ids(j),
                                                      tf.shape(sel, out_type=tf.int64)[0])
            joined = tf.tensor_scatter_nd_update(joined, sel, merged)
        return joined, outs, starts, ends, is_ws

    def _preprocess(self, segs):
        fast = self._fast_preprocess(segs)
        if self._exotic_pat is None:
            return fast
        exotic = tf.strings.regex_full_match(segs, self._exotic_pat)
        return tf.cond(tf.reduce_any(exotic),
                       lambda: tf.where(exotic, self._char_preprocess(segs)[0], fast),
                       lambda: fast)

    def _split(self, texts):
        """Special-token segments of each text: (segments [n, s], begins, ends, special id or -1)."""
        def split():
            # regex_split stops at a NUL byte: split a same-length copy without NULs, then cut the
            # segments out of the original text by offset. The op itself, not tf_text's wrapper: the
            # wrapper validates its row splits (graph size is what a SavedModel's first run pays for).
            no_nul = tf.strings.regex_replace(texts, "\x00", "\x01")
            pattern = f"({self._special_pat})".encode("utf-8")
            _, b, e, splits = _regex_split_op(tf.reshape(no_nul, [-1]), pattern, pattern)
            b, e = tf.cast(b, tf.int64), tf.cast(e, tf.int64)
            source = repeat(texts, splits[1:] - splits[:-1])
            pieces = tf.strings.substr(source, b, e - b)
            rows = lambda values: tf.RaggedTensor.from_row_splits(values, splits, validate=False)
            return rows(pieces), rows(b), rows(e)

        def whole():
            # One segment per non-empty text. Also avoids regex_split, which stops at a NUL byte.
            n = tf.cast(tf.strings.length(texts) > 0, tf.int64)
            one = lambda v: tf.RaggedTensor.from_row_lengths(select(v, n > 0), n, validate=False)
            return one(texts), one(tf.zeros_like(n)), one(tf.cast(tf.strings.length(texts), tf.int64))

        has_special = tf.strings.regex_full_match(texts, f"(?s).*({self._special_pat}).*")
        segs, begins, ends = tf.cond(tf.reduce_any(has_special), split, whole)
        flat = segs.flat_values
        # Only <pad>/<unk> can be matched in another spelling (see _special_pattern).
        lowered = tf.strings.lower(flat) if self.do_lower_case else flat
        special = tf.fill(tf.shape(flat), -1)
        for token, token_id in self._special_ids.items():
            key = lowered if token.startswith("<") else flat
            special = tf.where(tf.equal(key, token), token_id, special)
        # [MASK] swallows the whitespace on its left (HF: lstrip=True); only visible without remove_space.
        if not self.remove_space:
            is_mask = segs.with_flat_values(tf.equal(special, self.mask_id))
            before_mask = tf.logical_and(shift_left(is_mask, False).flat_values, tf.equal(special, -1))
            flat = tf.where(before_mask, tf.strings.regex_replace(flat, f"{self._ws}+$", ""), flat)
        return segs.with_flat_values(flat), begins, ends, segs.with_flat_values(special)

    def _segment_ids(self, special, pieces):
        """Prepend the special-token id to special segments' (empty) piece lists."""
        is_special = tf.greater_equal(special, 0)

        def prepend():
            head = tf.RaggedTensor.from_row_lengths(select(special, is_special),
                                                    tf.cast(is_special, tf.int64), validate=False)
            return tf.concat([head, pieces], axis=1)

        return tf.cond(tf.reduce_any(is_special), prepend, lambda: pieces)

    def _resplit(self, ids):
        if self._digit_comma is None:
            return ids
        return tf.cond(
            tf.reduce_any(tf.gather(self._is_digit_comma, ids.flat_values)),
            lambda: ids.with_flat_values(tf.gather(self._digit_comma, ids.flat_values)).merge_dims(1, 2),
            lambda: ids)

    def _fast_rows(self, texts):
        """Rows that need none of the Unicode work: printable ASCII without ``[`` or ``<`` (so no special
        token, no whitespace but the space, nothing NFKD or the accent filter changes). Invalid UTF-8
        never matches, so those rows still reach the validation of the exact path."""
        return tf.strings.regex_full_match(texts, "[\\x20-\\x3b\\x3d-\\x5a\\x5c-\\x7e]*")

    def _ascii_preprocess(self, texts):
        """HF's preprocessing for :meth:`_fast_rows` rows: ASCII lowercase, space runs, quote pairs."""
        x = tf.strings.lower(texts) if self.do_lower_case else texts
        # The only whitespace here is the space; SentencePiece's normalizer strips and collapses spaces
        # itself when its remove_extra_whitespaces is on (as in ALBERT's models), so HF's own pass
        # changes nothing then.
        if self.remove_space and not self._spm_collapses_spaces:
            x = tf.strings.strip(tf.strings.regex_replace(x, "  +", " "))
        return tf.strings.regex_replace(x, "``|''", '"')

    def _segments(self, texts):
        """SentencePiece inputs for all rows: (segment texts, special id or -1 per segment, row splits of
        the segments). :meth:`_fast_rows` rows are one segment each, preprocessed by
        :meth:`_ascii_preprocess`; the others go through the exact Unicode path."""
        fast = self._fast_rows(texts)
        fast_rows = tf.where(fast)[:, 0]
        slow_rows = tf.where(tf.logical_not(fast))[:, 0]
        fast_text = self._ascii_preprocess(tf.gather(texts, fast_rows))
        slow_texts = tf.gather(texts, slow_rows)
        if self.validate_utf8:
            slow_texts = tf.strings.unicode_transcode(slow_texts, "UTF-8", "UTF-8", errors="strict")
        segs, _, _, special = self._split(slow_texts)
        slow_pre = self._preprocess(segs.flat_values)
        slow_pre = tf.where(tf.greater_equal(special.flat_values, 0), "", slow_pre)
        # Put the segments back in row order (cheap: one string per segment), so that nothing after
        # SentencePiece needs reordering.
        counts = tf.tensor_scatter_nd_update(tf.ones_like(fast, tf.int64), tf.expand_dims(slow_rows, 1),
                                             segs.row_lengths())
        row_splits = tf.concat([[0], tf.cumsum(counts)], 0)
        slow_dest = (repeat(tf.gather(row_splits, slow_rows), segs.row_lengths())
                     + tf.ragged.range(segs.row_lengths()).flat_values)
        order = tf.math.invert_permutation(tf.concat([tf.gather(row_splits, fast_rows), slow_dest], 0))
        seg_text = tf.gather(tf.concat([fast_text, slow_pre], 0), order)
        seg_special = tf.gather(tf.concat([tf.fill(tf.shape(fast_rows), -1), special.flat_values], 0), order)
        return seg_text, seg_special, row_splits
