"""``AlbertPreprocessor``: HF-exact ALBERT tokenization as a Keras 3 layer, in graph.

Built only from tensorflow-text and core TF ops (no ``py_function``, nothing per example in Python),
so it runs inside ``tf.data``, exported SavedModels and TF Serving (which needs the tensorflow-text ops).
Outputs equal HF's slow ``AlbertTokenizer`` (``padding=True, truncation=True, max_length=...``, and the same
``padding_side`` / ``truncation_side``).

How HF's rules (see :mod:`albert_tf.tokenization.text_rules`) map to graph ops:

* special tokens are split out with one RE2 split on the *original* text; with ``do_lower_case`` the
  pattern also accepts upper-case spellings of ``<pad>``/``<unk>`` because HF lowercases before splitting;
* per-character lowercasing is ``tf.strings.lower`` after ``Σ`` -> ``σ`` (the only context-dependent
  mapping); whitespace/combining-mark classes are generated from Python's own tables;
* the few characters where TF's Unicode tables differ from Python's (``NUL``, characters new in Unicode
  14-16) are detected per batch and only then go through an exact per-character path;
* rows of printable ASCII without ``[`` or ``<`` (most English text) skip all Unicode work: lowercasing,
  space runs and quote pairs are a few byte-level ops; the other rows take the exact path, and the batch
  is split once and put back together in row order before SentencePiece;
* tensorflow-text's SentencePiece breaks exact score ties unlike Python's ``sentencepiece``
  (``hmmm``: ``▁h mm m`` vs HF's ``▁h m mm``); :class:`~albert_tf.tokenization.viterbi.UnigramTieResolver`
  re-segments the few spans where that can happen with Python's rules, in graph;
* ``<digit>,`` re-splitting is a precomputed id -> ids table applied with one ragged gather.

Example:
    >>> import tensorflow as tf
    >>> from albert_tf.tokenization import AlbertPreprocessor, train_tokenizer
    >>> import tempfile
    >>> d = tempfile.mkdtemp(); _ = train_tokenizer(["data/reviews.csv"], 2000, d)
    >>> pre = AlbertPreprocessor.from_pretrained(d, max_length=16)
    >>> out = pre(tf.constant(["A fine film.", "Bad."]))
    >>> sorted(out), out["input_ids"].dtype.name
    (['attention_mask', 'input_ids', 'token_type_ids'], 'int32')
    >>> pre.detokenize(out["input_ids"]).numpy()[1]
    b'bad.'
"""

from __future__ import annotations

import base64

import keras
import numpy as np
import tensorflow as tf
import tensorflow_text as tf_text

from albert_tf.tokenization import constants, graph_offsets, packing, text_rules, unicode_tables
from albert_tf.tokenization.ragged_ops import shift_left, shift_right
from albert_tf.tokenization.viterbi import UnigramTieResolver


def _special_pattern(do_lower_case: bool) -> str:
    fixed = [r"\[CLS\]", r"\[SEP\]", r"\[MASK\]"]
    if not do_lower_case:
        return "|".join(fixed + ["<pad>", "<unk>"])
    # HF lowercases (per character) before splitting, so any spelling that lowercases to <pad>/<unk>
    # is special; U+212A KELVIN SIGN lowercases to "k".
    return "|".join(fixed + ["<[pP][aA][dD]>", "<[uU][nN][kK\\x{212A}]>"])


@keras.saving.register_keras_serializable(package="albert_tf")
class AlbertPreprocessor(keras.layers.Layer):
    """Strings -> ``input_ids``, ``attention_mask``, ``token_type_ids`` (int32), HF-exact, in graph.

    Call with a ``[batch]`` string tensor, a pair ``(first, second)`` of ``[batch]`` tensors, or a pair
    ``(question [batch], choices [batch, num_choices])`` for multiple choice (outputs ``[batch,
    num_choices, length]``). Sequences are truncated with HF's ``truncation`` strategy to ``max_length``
    and padded to the longest in the batch, rounded up to ``pad_to_multiple_of``.

    Args:
        model_proto: the ``spiece.model`` bytes (or their base64 text, as stored in ``get_config``).
        do_lower_case, remove_space, keep_accents: HF's preprocessing options.
        max_length: truncation length including special tokens (``None``: no truncation).
        truncation: ``"longest_first"`` (HF's default), ``"only_first"``, ``"only_second"``.
        pad_to_multiple_of: round the padded length up to a multiple of this.
        padding_side, truncation_side: ``"right"`` (default) or ``"left"``, as HF's tokenizer attributes:
            where the padding goes and which end truncation cuts. Not taken from the tokenizer by
            :meth:`from_tokenizer`: the exported signatures read ``[CLS]`` at position 0, so they must get
            right padding whatever a tokenizer was saved with.
        return_special_tokens_mask: add HF's ``special_tokens_mask``.
        return_offsets: add ``offsets`` ``[..., length, 2]``: (start, end) of each token in the original
            string, in ``offset_unit`` ("char" = Unicode code points, like Python ``str`` indices, or
            "byte" = UTF-8 bytes, like ``tf.strings.substr``); (0, 0) for special and padding tokens.
        validate_utf8: raise ``InvalidArgumentError`` on invalid UTF-8 input (else undefined output).
    """

    def __init__(
        self,
        model_proto,
        do_lower_case: bool = True,
        remove_space: bool = True,
        keep_accents: bool = False,
        max_length: int | None = 512,
        truncation: str = "longest_first",
        pad_to_multiple_of: int | None = None,
        padding_side: str = "right",
        truncation_side: str = "right",
        return_special_tokens_mask: bool = False,
        return_offsets: bool = False,
        offset_unit: str = "char",
        validate_utf8: bool = True,
        **kwargs,
    ):
        kwargs.setdefault("trainable", False)
        kwargs.setdefault("dtype", "int32")
        super().__init__(**kwargs)
        if isinstance(model_proto, str):
            model_proto = base64.b64decode(model_proto)
        if not isinstance(model_proto, (bytes, bytearray)) or not model_proto:
            raise ValueError("model_proto must be the non-empty bytes of a SentencePiece model")
        if truncation not in packing.TRUNCATION_STRATEGIES:
            raise ValueError(f"truncation must be 'longest_first', 'only_first' or 'only_second', got {truncation!r}")
        if max_length is not None and max_length < 3:
            raise ValueError(f"max_length must be at least 3 (room for [CLS] and [SEP]s), got {max_length}")
        if pad_to_multiple_of is not None and pad_to_multiple_of < 1:
            raise ValueError(f"pad_to_multiple_of must be positive, got {pad_to_multiple_of}")
        if offset_unit not in ("char", "byte"):
            raise ValueError(f"offset_unit must be 'char' or 'byte', got {offset_unit!r}")
        self.model_proto = bytes(model_proto)
        self.do_lower_case = bool(do_lower_case)
        self.remove_space = bool(remove_space)
        self.keep_accents = bool(keep_accents)
        self.max_length = None if max_length is None else int(max_length)
        self.truncation = truncation
        self.pad_to_multiple_of = pad_to_multiple_of
        self.padding_side = packing.check_side("padding_side", padding_side)
        self.truncation_side = packing.check_side("truncation_side", truncation_side)
        self.return_special_tokens_mask = bool(return_special_tokens_mask)
        self.return_offsets = bool(return_offsets)
        self.offset_unit = offset_unit
        self.validate_utf8 = bool(validate_utf8)

        import sentencepiece as spm

        sp = spm.SentencePieceProcessor()
        sp.LoadFromSerializedProto(self.model_proto)
        self.vocab_size = sp.get_piece_size()
        ids = {}
        for token in text_rules.SPECIAL_TOKENS:
            ids[token] = sp.piece_to_id(token)
            if sp.id_to_piece(ids[token]) != token:
                raise ValueError(f"SentencePiece model has no piece {token!r}")
        self.pad_id, self.unk_id = ids[constants.PAD_TOKEN], ids[constants.UNK_TOKEN]
        self.cls_id, self.sep_id = ids[constants.CLS_TOKEN], ids[constants.SEP_TOKEN]
        self.mask_id = ids[constants.MASK_TOKEN]
        self._special_ids = ids

        self._sp = tf_text.SentencepieceTokenizer(model=self.model_proto, out_type=tf.int32)
        from sentencepiece import sentencepiece_model_pb2

        spec = sentencepiece_model_pb2.ModelProto()
        spec.ParseFromString(self.model_proto)
        self._spm_collapses_spaces = spec.normalizer_spec.remove_extra_whitespaces
        # tensorflow-text's SentencePiece breaks exact score ties unlike Python's: fix those words.
        self._ties = UnigramTieResolver(self.model_proto)
        self._ws = text_rules.re2_char_class("space")
        self._combining = text_rules.re2_char_class("combining")
        self._special_pat = _special_pattern(self.do_lower_case)

        table = text_rules.digit_comma_table(sp)
        self._digit_comma = None
        self._is_digit_comma = tf.constant(np.isin(np.arange(self.vocab_size), list(table)))
        if table:
            rows = [table.get(i, [i]) for i in range(self.vocab_size)]
            self._digit_comma = tf.RaggedTensor.from_row_lengths(
                tf.constant(np.concatenate(rows).astype(np.int32)),
                tf.constant([len(r) for r in rows], tf.int64))

        lower_fix, nfkd_fix = unicode_tables.tf_python_mismatches()
        if not self.do_lower_case:
            lower_fix = {}
        if self.keep_accents:
            nfkd_fix = {}
        exotic = sorted(set(lower_fix) | set(nfkd_fix))
        self._exotic_pat = None
        if exotic:
            self._exotic_pat = "(?s).*[" + "".join(f"\\x{{{ord(c):X}}}" for c in exotic) + "].*"
        self._lower_fix = unicode_tables.static_map(lower_fix)
        self._nfkd_fix = unicode_tables.static_map(nfkd_fix)

    # ---------------------------------------------------------------- construction helpers
    @classmethod
    def from_pretrained(cls, name_or_path: str, **kwargs) -> "AlbertPreprocessor":
        """Build from a tokenizer directory (``spiece.model`` + ``tokenizer_config.json``)."""
        from albert_tf.tokenization.tokenizer import AlbertTokenizer

        return cls.from_tokenizer(AlbertTokenizer.from_pretrained(name_or_path), **kwargs)

    @classmethod
    def from_tokenizer(cls, tokenizer, **kwargs) -> "AlbertPreprocessor":
        """Build with the model and options of an :class:`AlbertTokenizer`."""
        options = dict(model_proto=tokenizer.serialized_model_proto, do_lower_case=tokenizer.do_lower_case,
                       remove_space=tokenizer.remove_space, keep_accents=tokenizer.keep_accents)
        options.update(kwargs)
        return cls(**options)

    def get_config(self):
        config = super().get_config()
        config.update(
            model_proto=base64.b64encode(self.model_proto).decode("ascii"),
            do_lower_case=self.do_lower_case,
            remove_space=self.remove_space,
            keep_accents=self.keep_accents,
            max_length=self.max_length,
            truncation=self.truncation,
            pad_to_multiple_of=self.pad_to_multiple_of,
            padding_side=self.padding_side,
            truncation_side=self.truncation_side,
            return_special_tokens_mask=self.return_special_tokens_mask,
            return_offsets=self.return_offsets,
            offset_unit=self.offset_unit,
            validate_utf8=self.validate_utf8,
        )
        return config

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
        char byte ends, is-whitespace), the outputs ragged ``[segments, chars]``."""
        chars, starts = tf.strings.unicode_split_with_offsets(segs, "UTF-8")
        ends = starts + tf.cast(tf.strings.length(chars), starts.dtype)
        flat = chars.flat_values
        is_ws = chars.with_flat_values(tf.strings.regex_full_match(flat, self._ws))
        out = flat
        if self.do_lower_case:
            out = self._fixed(self._lower_fix, lambda v: tf.strings.lower(v, encoding="utf-8"), out)
        if self.remove_space:
            non_ws = tf.cast(tf.logical_not(is_ws.flat_values), tf.int32)
            non_ws_rt = is_ws.with_flat_values(non_ws)
            after = tf.reduce_sum(non_ws_rt, axis=1, keepdims=True) - tf.cumsum(non_ws_rt, axis=1)
            drop = tf.logical_and(is_ws, tf.logical_or(shift_right(is_ws, True), tf.equal(after, 0)))
            out = tf.where(is_ws.flat_values, tf.where(drop.flat_values, "", " "), out)
        for quote in ("`", "'"):
            is_q = chars.with_flat_values(tf.equal(flat, quote))
            run_start = tf.logical_and(is_q, tf.logical_not(shift_right(is_q, False))).flat_values
            idx = tf.range(tf.size(flat, out_type=tf.int64))
            run_id = tf.cumsum(tf.cast(run_start, tf.int64)) - 1
            # A trailing 0 keeps the gather valid when there is no run at all.
            start_idx = tf.concat([tf.boolean_mask(idx, run_start), tf.zeros([1], tf.int64)], 0)
            pos = idx - tf.gather(start_idx, tf.maximum(run_id, 0))
            odd = tf.equal(pos % 2, 1)
            pair_first = tf.logical_and(tf.logical_not(odd), shift_left(is_q, False).flat_values)
            q = is_q.flat_values
            out = tf.where(tf.logical_and(q, odd), "", tf.where(tf.logical_and(q, pair_first), '"', out))
        before_lower = out
        if not self.keep_accents:
            out = self._fixed(self._nfkd_fix, lambda v: tf_text.normalize_utf8(v, "NFKD"), out)
            out = tf.strings.regex_replace(out, self._combining, "")
        if self.do_lower_case:
            before_lower = out
            out = self._fixed(self._lower_fix, lambda v: tf.strings.lower(v, encoding="utf-8"), out)
        outs = chars.with_flat_values(out)
        joined = tf.strings.reduce_join(outs, axis=1)
        if self.do_lower_case:
            # Whole-string lowering decides final sigma (a capital sigma can come out of NFKD, e.g.
            # MATHEMATICAL BOLD CAPITAL SIGMA); tf.strings.lower would cut the text at NUL.
            whole = tf.strings.reduce_join(chars.with_flat_values(before_lower), axis=1)
            use_whole = tf.strings.regex_full_match(whole, "(?s).*\u03a3.*")
            # NUL -> \x01 (both uncased controls, so the sigma context is the same); the NULs are then
            # copied back byte by byte (sigma and final sigma have the same UTF-8 length).
            lowered = tf.strings.lower(tf.strings.regex_replace(whole, "\x00", "\x01"), encoding="utf-8")
            lowered_b = tf.strings.bytes_split(lowered)
            joined_b = tf.strings.bytes_split(joined)
            sel = tf.logical_and(use_whole, tf.equal(lowered_b.row_lengths(), joined_b.row_lengths()))
            w = tf.ragged.boolean_mask(lowered_b, sel)
            j = tf.ragged.boolean_mask(joined_b, sel)
            # Only the second byte of sigma differs (CF 83 -> CF 82 for final sigma).
            take = tf.logical_and(tf.equal(j.flat_values, b"\x83"), tf.equal(w.flat_values, b"\x82"))
            merged = tf.strings.reduce_join(j.with_flat_values(tf.where(take, w.flat_values, j.flat_values)), axis=1)
            joined = tf.tensor_scatter_nd_update(joined, tf.where(sel), merged)
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
            # segments out of the original text by offset.
            no_nul = tf.strings.regex_replace(texts, "\x00", "\x01")
            _, b, e = tf_text.regex_split_with_offsets(no_nul, self._special_pat, self._special_pat)
            b, e = tf.cast(b, tf.int64), tf.cast(e, tf.int64)
            source = tf.repeat(texts, b.row_lengths())
            pieces = tf.strings.substr(source, b.flat_values, e.flat_values - b.flat_values)
            return b.with_flat_values(pieces), b, e

        def whole():
            # One segment per non-empty text. Also avoids regex_split, which stops at a NUL byte.
            n = tf.cast(tf.strings.length(texts) > 0, tf.int64)
            one = lambda v: tf.RaggedTensor.from_row_lengths(tf.boolean_mask(v, n > 0), n)
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
            head = tf.RaggedTensor.from_row_lengths(tf.boolean_mask(special, is_special),
                                                    tf.cast(is_special, tf.int64))
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
        slow_dest = (tf.repeat(tf.gather(row_splits, slow_rows), segs.row_lengths())
                     + tf.ragged.range(segs.row_lengths()).flat_values)
        order = tf.math.invert_permutation(tf.concat([tf.gather(row_splits, fast_rows), slow_dest], 0))
        seg_text = tf.gather(tf.concat([fast_text, slow_pre], 0), order)
        seg_special = tf.gather(tf.concat([tf.fill(tf.shape(fast_rows), -1), special.flat_values], 0), order)
        return seg_text, seg_special, row_splits

    def tokenize(self, texts):
        """``[n]`` strings -> ragged ``[n, tokens]`` int32 ids, no special tokens added."""
        texts = self._check_strings(texts, validate=False)
        seg_text, seg_special, row_splits = self._segments(texts)
        ids = self._ties.fix(seg_text, self._sp.tokenize(seg_text))
        ids = self._segment_ids(seg_special, self._resplit(ids))
        return tf.RaggedTensor.from_row_splits(ids, row_splits).merge_dims(1, 2)

    def tokenize_with_offsets(self, texts):
        """Like :meth:`tokenize`, plus ragged ``starts``/``ends`` into the original strings
        (``offset_unit``)."""
        texts = self._check_strings(texts)
        segs, seg_begins, _, special = self._split(texts)
        flat_special = special.flat_values
        flat_segs = segs.flat_values
        is_special = tf.greater_equal(flat_special, 0)
        pre, outs, c_starts, c_ends, is_ws = self._char_preprocess(flat_segs)
        pre = tf.where(is_special, "", pre)
        ids, p_begin, p_end = self._sp.tokenize_with_offsets(pre)
        p_begin, p_end = tf.cast(p_begin, tf.int64), tf.cast(p_end, tf.int64)
        ids, p_begin, p_end = self._ties.fix(pre, ids, p_begin, p_end)
        if self._digit_comma is not None:
            ids, p_begin, p_end = graph_offsets.resplit_spans(self._digit_comma, ids, p_begin, p_end)
        seg_len = tf.cast(tf.strings.length(flat_segs), tf.int64)
        starts, ends = graph_offsets.source_spans(outs, c_starts, is_ws, p_begin, p_end, seg_len,
                                                  ids.row_lengths(), ws_class=self._ws,
                                                  keep_accents=self.keep_accents)

        ids = self._segment_ids(flat_special, ids)
        seg_len_special = tf.RaggedTensor.from_row_lengths(
            tf.boolean_mask(seg_len, is_special), tf.cast(is_special, tf.int64))
        zeros_special = seg_len_special.with_flat_values(tf.zeros_like(seg_len_special.flat_values))
        starts = tf.concat([zeros_special, starts], axis=1)
        ends = tf.concat([seg_len_special, ends], axis=1)
        # Segment-relative -> string-relative bytes.
        seg_off = tf.cast(seg_begins.flat_values, tf.int64)
        starts = starts + tf.expand_dims(seg_off, 1)
        ends = ends + tf.expand_dims(seg_off, 1)
        ids = segs.with_flat_values(ids).merge_dims(1, 2)
        starts = segs.with_flat_values(starts).merge_dims(1, 2)
        ends = segs.with_flat_values(ends).merge_dims(1, 2)
        if self.offset_unit == "char":
            starts, ends = graph_offsets.bytes_to_chars(texts, starts, ends)
        return ids, tf.cast(starts, tf.int32), tf.cast(ends, tf.int32)

    # ---------------------------------------------------------------- packing
    def _check_strings(self, texts, validate=True):
        texts = tf.convert_to_tensor(texts)
        if texts.dtype != tf.string:
            raise TypeError(f"AlbertPreprocessor expects string tensors, got {texts.dtype.name}")
        if texts.shape.rank is not None and texts.shape.rank != 1:
            raise ValueError(f"expected a [batch] string tensor (rank 1), got shape {texts.shape}")
        if validate and self.validate_utf8:
            texts = tf.strings.unicode_transcode(texts, "UTF-8", "UTF-8", errors="strict")
        return texts

    def _encode(self, texts):
        if self.return_offsets:
            ids, s, e = self.tokenize_with_offsets(texts)
            return ids, ids.with_flat_values(tf.stack([s.flat_values, e.flat_values], axis=-1))
        return self.tokenize(texts), None

    def call(self, inputs):
        if isinstance(inputs, dict):
            raise TypeError("pass strings, or a tuple (first, second) / (question, choices), not a dict")
        if isinstance(inputs, (list, tuple)):
            if len(inputs) == 1:
                inputs = inputs[0]
            elif len(inputs) != 2:
                raise ValueError(f"expected 1 or 2 string tensors, got {len(inputs)}")
        if not isinstance(inputs, (list, tuple)):
            a, a_off = self._encode(inputs)
            b, b_off = None, None
        else:
            first, second = (tf.convert_to_tensor(x) for x in inputs)
            if second.shape.rank == 2:
                return self._multiple_choice(first, second)
            a, a_off = self._encode(first)
            b, b_off = self._encode(second)
        keep_a, keep_b = packing.kept_lengths(a.row_lengths(), None if b is None else b.row_lengths(),
                                              self.max_length, self.truncation)
        side = self.truncation_side
        a = packing.keep(a, keep_a, side)
        a_off = None if a_off is None else packing.keep(a_off, keep_a, side)
        if b is not None:
            b = packing.keep(b, keep_b, side)
            b_off = None if b_off is None else packing.keep(b_off, keep_b, side)
        return packing.pack(a, b, cls_id=self.cls_id, sep_id=self.sep_id, pad_id=self.pad_id,
                            pad_to_multiple_of=self.pad_to_multiple_of, padding_side=self.padding_side,
                            special_tokens_mask=self.return_special_tokens_mask, a_off=a_off, b_off=b_off)

    def _multiple_choice(self, question, choices):
        if question.shape.rank != 1:
            raise ValueError(f"multiple choice: question must be [batch], got shape {question.shape}")
        num_choices = tf.shape(choices)[1]
        repeated = tf.repeat(question, num_choices)
        out = self.call((repeated, tf.reshape(choices, [-1])))
        batch = tf.shape(choices)[0]
        return {k: tf.reshape(v, tf.concat([[batch, num_choices], tf.shape(v)[1:]], 0)) for k, v in out.items()}

    # ---------------------------------------------------------------- detokenize
    def detokenize(self, ids):
        """Ids ``[batch, length]`` (dense or ragged) -> ``[batch]`` strings, dropping padding and special
        tokens (HF's ``decode(..., skip_special_tokens=True)``)."""
        ids = ids if isinstance(ids, tf.RaggedTensor) else tf.RaggedTensor.from_tensor(tf.convert_to_tensor(ids))
        ids = tf.cast(ids, tf.int32)
        drop = tf.zeros_like(ids.flat_values, dtype=tf.bool)
        for token_id in self._special_ids.values():
            drop = tf.logical_or(drop, tf.equal(ids.flat_values, token_id))
        kept = tf.ragged.boolean_mask(ids, ids.with_flat_values(tf.logical_not(drop)))
        return self._sp.detokenize(kept)

    def compute_output_spec(self, inputs):
        # Strings in, int32 out; shapes depend on the data (longest sequence in the batch).
        spec = lambda: keras.KerasTensor((None, None), dtype="int32")
        out = {"input_ids": spec(), "attention_mask": spec(), "token_type_ids": spec()}
        if self.return_special_tokens_mask:
            out["special_tokens_mask"] = spec()
        if self.return_offsets:
            out["offsets"] = keras.KerasTensor((None, None, 2), dtype="int32")
        return out
