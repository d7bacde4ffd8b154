"""``AlbertTokenizerFast``: HF's fast-tokenizer API over :class:`AlbertTokenizer` (no Rust backend).

Ids are the slow tokenizer's, which are the reference. What differs from the slow API is what HF's fast
tokenizers do differently: ``is_fast``, ``tokenize(..., add_special_tokens=True)``, ``TypeError`` on ``None``,
the warning when user code calls ``pad``, and ``return_overflowing_tokens``, which returns every window as a
row of its own with ``overflow_to_sample_mapping`` (consecutive windows share ``stride`` tokens) instead of
the slow tokenizer's ``overflowing_tokens`` list, and the ``BatchEncoding`` alignment API (``word_ids``,
``sequence_ids``, ``tokens``, ``char_to_token``, ``word_to_tokens``, ...; one ``Encoding`` per row in
``encodings``), built from the offset path on first use.

Example:
    >>> tok = AlbertTokenizerFast.from_pretrained("path/to/dir")  # doctest: +SKIP
    >>> enc = tok(["a long text ..."], max_length=8, truncation=True, stride=2,  # doctest: +SKIP
    ...           return_overflowing_tokens=True)
    >>> enc["overflow_to_sample_mapping"]  # doctest: +SKIP
    [0, 0, 0]
    >>> tok("a long text").word_ids()  # doctest: +SKIP
    [None, 0, 1, 2, None]
"""

from __future__ import annotations

import inspect

from albert_tf.tokenization import constants, offsets
from albert_tf.tokenization.batch_encoding import BatchEncoding, Encoding, to_py_obj
from albert_tf.tokenization.encoding import EncodingMixin
from albert_tf.tokenization.tokenizer import AlbertTokenizer

_WORD_START = "\u2581"  # SentencePiece's "▁": the space in front of a word
# encode_plus's own options; any other keyword goes to tokenize, which the aligned path does not take.
_ENCODE_OPTIONS = frozenset(inspect.signature(EncodingMixin.encode_plus).parameters) - {"self", "text", "text_pair"}


def _alignable(text, is_split_into_words: bool) -> bool:
    if isinstance(text, (str, bytes)):
        return not is_split_into_words or isinstance(text, str)
    return is_split_into_words and isinstance(text, (list, tuple)) and all(isinstance(w, str) for w in text)


class AlbertTokenizerFast(AlbertTokenizer):
    """HF's ``AlbertTokenizerFast`` name and fast-tokenizer behaviour, with the slow reference's ids and
    character offsets (``return_offsets_mapping=True``)."""

    def __init__(self, vocab_file=None, tokenizer_file=None, **kwargs):
        if tokenizer_file is not None and vocab_file is None:
            raise ValueError(f"{tokenizer_file}: tokenizer.json alone is not supported; AlbertTokenizerFast "
                             f"needs the SentencePiece {constants.VOCAB_FILE_NAME}")
        super().__init__(vocab_file, **kwargs)
        self.init_kwargs["tokenizer_file"] = None

    @property
    def is_fast(self) -> bool:
        return True

    def tokenize(self, text, pair=None, add_special_tokens: bool = False, **kwargs) -> list[str]:
        """Like the slow ``tokenize``; with ``add_special_tokens=True`` the tokens of ``encode`` (HF fast)."""
        if not isinstance(text, str):
            raise TypeError(f"tokenize expects a str, got {type(text).__name__}")
        if add_special_tokens or pair is not None:
            return self.convert_ids_to_tokens(self.encode(text, pair, add_special_tokens=add_special_tokens,
                                                          **kwargs))
        return super().tokenize(text, **kwargs)

    def _input_ids(self, text, is_split_into_words: bool, **kwargs):
        if text is None:
            raise TypeError("text input must be a str, a list of str or a list of ids, got None")
        return super()._input_ids(text, is_split_into_words, **kwargs)

    def pad(self, encoded_inputs, *args, **kwargs) -> BatchEncoding:
        """HF's ``pad``, with HF's fast-tokenizer advice logged once per tokenizer."""
        self._warn_once("Asking-to-pad-a-fast-tokenizer",
                        f"You're using a {type(self).__name__} tokenizer. Please note that with a fast tokenizer, "
                        "using the `__call__` method is faster than using a method to encode the text followed by "
                        "a call to the `pad` method to get a padded encoding.")
        return super().pad(encoded_inputs, *args, **kwargs)

    # ---------------------------------------------------------------- overflow as rows (HF fast)
    def encode_plus(self, text, text_pair=None, **kwargs) -> BatchEncoding:
        if text is None:
            raise TypeError("text input must be a str, a list of str or a list of ids, got None")
        if kwargs.get("return_overflowing_tokens"):  # HF fast: the windows stay a batch
            return self.batch_encode_plus([text if text_pair is None else (text, text_pair)], **kwargs)
        texts = [text] if text_pair is None else [text, text_pair]
        if not self._can_align(texts, kwargs):
            return super().encode_plus(text, text_pair, **kwargs)
        if kwargs.get("return_offsets_mapping"):  # the offsets are computed anyway: align in the same pass
            enc = super().encode_plus(text, text_pair, **self._aligned_kwargs(kwargs))
            return self._with_encodings(enc, kwargs, single=True)
        enc = super().encode_plus(text, text_pair, **kwargs)
        enc._encodings = self._deferred(
            enc, lambda: self.encode_plus(text, text_pair, **self._aligned_kwargs(kwargs)).encodings, single=True)
        return enc

    # ---------------------------------------------------------------- alignment (word_ids & co.)
    def _can_align(self, texts, kwargs) -> bool:
        """Whether the encoders' offset path gives the ids ``tokenize`` gives (it takes no tokenize options),
        so that alignment can ride along with the reference ids."""
        if self.split_special_tokens or kwargs.get("split_special_tokens") or set(kwargs) - _ENCODE_OPTIONS:
            return False
        split = bool(kwargs.get("is_split_into_words"))
        return all(_alignable(t, split) for t in texts if t is not None)

    @staticmethod
    def _aligned_kwargs(kwargs) -> dict:
        # Offsets carry (start, end, word, sequence) through truncation, windows and padding; the requested
        # outputs are cut back out of them in _with_encodings, before any tensor conversion.
        return {**kwargs, "return_offsets_mapping": True, "return_tensors": None}

    @staticmethod
    def _deferred(enc, encode, single: bool):
        """The encodings of ``enc`` made on first use by ``encode`` (the same call with offsets), so that
        callers who never align pay nothing: the offset path costs several times the plain one."""
        ids = enc["input_ids"]

        def make():
            encodings = encode()
            rows = to_py_obj(ids)
            if [e.ids for e in encodings] != ([rows] if single else rows):
                raise ValueError("word_ids() & co. cannot be rebuilt for this encoding: encoding the text again "
                                 "gave other ids (subword sampling, sp_model_kwargs enable_sampling?); pass "
                                 "return_offsets_mapping=True to align in the same pass")
            return encodings

        return make

    def _ids_with_offsets(self, text, is_split_into_words):
        """Ids and ``(start, end, word)`` per token. Words are what HF's ALBERT pre-tokenizer (Metaspace,
        split on whitespace) makes: a new word starts at a piece with ``▁``, and every added token is a word
        of its own; with ``is_split_into_words`` the given words are the words."""
        if is_split_into_words and isinstance(text, (list, tuple)):
            ids, spans = [], []  # like HF's fast tokenizers: offsets are relative to each word
            for index, word in enumerate(text):
                word_ids, word_spans = super()._ids_with_offsets(word, False)
                ids += word_ids
                spans += [(start, end, index) for start, end in word_spans]
            return ids, spans
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        if not isinstance(text, str):
            return super()._ids_with_offsets(text, is_split_into_words)  # its one-line error
        pieces, piece_spans = offsets.tokenize_with_offsets(self, text)
        added = self._added_tokens_encoder
        spans, word, after_added = [], -1, False
        for piece, (start, end) in zip(pieces, piece_spans):
            is_added = piece in added
            if word < 0 or is_added or after_added or piece.startswith(_WORD_START):
                word += 1
            spans.append((start, end, word))
            after_added = is_added
        return self.convert_tokens_to_ids(pieces), spans

    def prepare_for_model(self, ids, pair_ids=None, *args, _offsets=None, **kwargs) -> BatchEncoding:
        if _offsets is not None:  # tag each token with its sequence: (start, end, word, sequence)
            _offsets = tuple(None if spans is None else [(*span[:3], seq) if len(span) == 3 else span
                                                         for span in spans]
                             for seq, spans in enumerate(_offsets))
        return super().prepare_for_model(ids, pair_ids, *args, _offsets=_offsets, **kwargs)

    def _with_encodings(self, enc, kwargs, single: bool) -> BatchEncoding:
        """The encoders' output (from the aligned path) -> what the caller asked for, with one
        :class:`Encoding` per row."""
        data = dict(enc)
        rows = [data] if single else [{key: value[i] for key, value in data.items()}
                                      for i in range(len(data["input_ids"]))]
        encodings = [self._row_encoding(row) for row in rows]
        if kwargs.get("return_offsets_mapping"):
            plain = [[tuple(span[:2]) for span in row["offset_mapping"]] for row in rows]
            data["offset_mapping"] = plain[0] if single else plain
        else:
            del data["offset_mapping"]
        return BatchEncoding(data, encoding=encodings, tensor_type=kwargs.get("return_tensors"),
                             prepend_batch_axis=single)

    def _row_encoding(self, row) -> Encoding:
        ids = list(row["input_ids"])
        aligned = row["offset_mapping"]  # (start, end, word, sequence) per text token, (0, 0) elsewhere
        words = [span[2] if len(span) == 4 else None for span in aligned]
        sequences = [span[3] if len(span) == 4 else None for span in aligned]
        special = [0 if len(span) == 4 else 1 for span in aligned]
        if "attention_mask" in row:
            mask = list(row["attention_mask"])
        else:  # no padding was asked for, so every token is attended
            mask = [1] * len(ids)
        if "token_type_ids" in row:
            type_ids = list(row["token_type_ids"])
        else:  # ALBERT's template: a special token belongs to the sequence before it, padding is type 0
            type_ids, current = [], 0
            for seq, attended in zip(sequences, mask):
                current = seq if seq is not None else current
                type_ids.append(current if attended else self.pad_token_type_id)
        return Encoding(ids=ids, type_ids=type_ids, tokens=self.convert_ids_to_tokens(ids),
                        offsets=[tuple(span[:2]) for span in aligned], word_ids=words, sequence_ids=sequences,
                        attention_mask=mask, special_tokens_mask=special)

    def batch_encode_plus(self, batch_text_or_text_pairs, add_special_tokens=True, padding=False, truncation=None,
                          max_length=None, stride=0, is_split_into_words=False, pad_to_multiple_of=None,
                          padding_side=None, return_tensors=None, return_token_type_ids=None,
                          return_attention_mask=None, return_overflowing_tokens=False,
                          return_special_tokens_mask=False, return_offsets_mapping=False, return_length=False,
                          verbose=True, split_special_tokens=None, **kwargs) -> BatchEncoding:
        if not isinstance(batch_text_or_text_pairs, (list, tuple)):
            raise TypeError("batch_encode_plus expects a list of texts or (text, text_pair) pairs, got "
                            f"{type(batch_text_or_text_pairs).__name__}")
        common = dict(add_special_tokens=add_special_tokens, padding=padding, truncation=truncation,
                      max_length=max_length, stride=stride, is_split_into_words=is_split_into_words,
                      pad_to_multiple_of=pad_to_multiple_of, padding_side=padding_side,
                      return_token_type_ids=return_token_type_ids, return_attention_mask=return_attention_mask,
                      return_special_tokens_mask=return_special_tokens_mask,
                      return_offsets_mapping=return_offsets_mapping, return_length=return_length, verbose=verbose,
                      split_special_tokens=split_special_tokens, **kwargs)
        requested = dict(common, return_tensors=return_tensors)
        texts = [t for item in batch_text_or_text_pairs
                 for t in (item if self._is_pair_item(item, is_split_into_words) else (item,))]
        aligned = self._can_align(texts, requested)
        align_now = aligned and return_offsets_mapping  # the offsets are computed anyway: the same pass
        if align_now:
            common = self._aligned_kwargs(common)
            del common["return_tensors"]
        encode = self._overflowing_batch if return_overflowing_tokens else super().batch_encode_plus
        enc = encode(batch_text_or_text_pairs, return_tensors=None if align_now else return_tensors, **common)
        if align_now:
            return self._with_encodings(enc, requested, single=False)
        if aligned:
            enc._encodings = self._deferred(enc, lambda: self.batch_encode_plus(
                batch_text_or_text_pairs, return_overflowing_tokens=return_overflowing_tokens,
                **self._aligned_kwargs(requested)).encodings, single=False)
        return enc

    def _overflowing_batch(self, batch_text_or_text_pairs, add_special_tokens, padding, truncation, max_length,
                           stride, is_split_into_words, pad_to_multiple_of, padding_side, return_tensors,
                           return_token_type_ids, return_attention_mask, return_special_tokens_mask,
                           return_offsets_mapping, return_length, verbose, split_special_tokens,
                           **kwargs) -> BatchEncoding:
        """HF fast's ``return_overflowing_tokens``: every window a row, with ``overflow_to_sample_mapping``."""
        padding, truncation, max_length, kwargs = self._get_padding_truncation_strategies(
            padding, truncation, max_length, pad_to_multiple_of, verbose, **kwargs)
        if split_special_tokens is not None:
            kwargs["split_special_tokens"] = split_special_tokens
        out = {}
        for sample, item in enumerate(batch_text_or_text_pairs):
            first, second = item if self._is_pair_item(item, is_split_into_words) else (item, None)
            ids, spans = self._ids_and_spans(first, is_split_into_words, return_offsets_mapping, kwargs)
            pair, pair_spans = (None, None) if second is None else self._ids_and_spans(
                second, is_split_into_words, return_offsets_mapping, kwargs)
            for window in self._overflow_windows(ids, pair, spans, pair_spans, max_length, stride, truncation,
                                                 add_special_tokens):
                row = self.prepare_for_model(
                    window[0], window[1], add_special_tokens=add_special_tokens, padding="do_not_pad",
                    truncation=False, return_token_type_ids=return_token_type_ids, return_attention_mask=False,
                    return_special_tokens_mask=return_special_tokens_mask, return_length=return_length,
                    verbose=verbose, _offsets=window[2:] if return_offsets_mapping else None)
                for key, value in row.items():
                    out.setdefault(key, []).append(value)
                out.setdefault("overflow_to_sample_mapping", []).append(sample)
        mapping = out.pop("overflow_to_sample_mapping", [])
        out = self._pad_batch(out, padding=padding, max_length=max_length, pad_to_multiple_of=pad_to_multiple_of,
                              padding_side=padding_side, return_attention_mask=return_attention_mask)
        out = dict(out)
        out["overflow_to_sample_mapping"] = mapping
        return BatchEncoding(out, tensor_type=return_tensors)

    @staticmethod
    def _is_pair_item(item, is_split_into_words: bool) -> bool:
        return isinstance(item, (list, tuple)) and len(item) == 2 and not (
            is_split_into_words and not isinstance(item[0], (list, tuple)))

    def _overflow_windows(self, ids, pair, spans, pair_spans, max_length, stride, truncation, add_special_tokens):
        """``(ids, pair, spans, pair_spans)`` for each row, by the tokenizers library's rules: each sequence
        gets a length (``only_*``: the budget left by the other; ``longest_first``: the longer one is cut
        first, both to half when needed), is cut into windows of that length sharing ``stride`` tokens on
        ``truncation_side``, and the rows pair the windows up: (main, main), each overflow of the first with
        each window of the second, then the main first with the second's overflows."""
        if truncation == "do_not_truncate" or not max_length:
            return [(ids, pair, spans, pair_spans)]
        budget = max_length - (self.num_special_tokens_to_add(pair is not None) if add_special_tokens else 0)
        n_a, n_b = len(ids), len(pair or [])
        if pair is None:
            keep_a, keep_b = budget, 0
        elif truncation == "only_first":
            keep_a, keep_b = budget - n_b, n_b
        elif truncation == "only_second":
            keep_a, keep_b = n_a, budget - n_a
        else:  # longest_first
            short, long_ = sorted((n_a, n_b))
            long_keep = short if short > budget else max(short, budget - short)
            short_keep = short
            if short_keep + long_keep > budget:
                short_keep, long_keep = budget // 2, budget // 2 + budget % 2
            keep_a, keep_b = (short_keep, long_keep) if n_a <= n_b else (long_keep, short_keep)
        first = self._windows(ids, spans, keep_a, stride, max_length)
        if pair is None:
            return [(w, None, s, None) for w, s in first]
        second = self._windows(pair, pair_spans, keep_b, stride, max_length)
        rows = [first[0] + second[0]]
        for window in first[1:]:
            rows += [window + other for other in second]
        rows += [first[0] + other for other in second[1:]]
        return [(a, b, sa, sb) for a, sa, b, sb in rows]

    def _windows(self, seq, spans, size, stride, max_length):
        """``[(ids, spans), ...]``: ``seq`` whole when it fits in ``size``, else its windows."""
        if len(seq) <= size:
            return [(seq, spans)]
        if size <= stride:
            raise ValueError(f"max_length={max_length} leaves {max(size, 0)} tokens for a truncated sequence; "
                             f"it must be more than stride={stride}")
        step, ranges = size - stride, []
        if self.truncation_side == "left":
            stop = len(seq)
            while True:
                start = max(stop - size, 0)
                ranges.append((start, stop))
                if start == 0:
                    break
                stop -= step
        else:
            start = 0
            while True:
                stop = min(start + size, len(seq))
                ranges.append((start, stop))
                if stop == len(seq):
                    break
                start += step
        return [(seq[a:b], None if spans is None else spans[a:b]) for a, b in ranges]
