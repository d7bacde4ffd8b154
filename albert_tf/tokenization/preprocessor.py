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

This module holds the layer (options, tables, tokenization, packing, detokenization); the text preprocessing
and special-token split, strings -> SentencePiece input segments, is
:mod:`albert_tf.tokenization.graph_preprocessing` (:class:`GraphPreprocessingMixin`, a base of the layer).

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

from albert_tf.tokenization import constants, graph_offsets, packing, ragged_ops, text_rules, unicode_tables
from albert_tf.tokenization.graph_preprocessing import GraphPreprocessingMixin
from albert_tf.tokenization.viterbi import UnigramTieResolver


def _special_pattern(do_lower_case: bool) -> str:
    fixed = [r"\[CLS\]", r"\[SEP\]", r"\[MASK\]"]
    if not do_lower_case:
        return "|".join(fixed + ["<pad>", "<unk>"])
    # HF lowercases (per character) before splitting, so any spelling that lowercases to <pad>/<unk>
    # is special; U+212A KELVIN SIGN lowercases to "k".
    return "|".join(fixed + ["<[pP][aA][dD]>", "<[uU][nN][kK\\x{212A}]>"])


@keras.saving.register_keras_serializable(package="albert_tf")
class AlbertPreprocessor(GraphPreprocessingMixin, keras.layers.Layer):
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

    # ---------------------------------------------------------------- text -> ids (preprocessing: the mixin)
    def tokenize(self, texts):
        """``[n]`` strings -> ragged ``[n, tokens]`` int32 ids, no special tokens added."""
        texts = self._check_strings(texts, validate=False)
        seg_text, seg_special, row_splits = self._segments(texts)
        ids = self._ties.fix(seg_text, self._sp.tokenize(seg_text))
        ids = self._segment_ids(seg_special, self._resplit(ids))
        return tf.RaggedTensor.from_row_splits(ids, row_splits, validate=False).merge_dims(1, 2)

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
            ragged_ops.select(seg_len, is_special), tf.cast(is_special, tf.int64), validate=False)
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
