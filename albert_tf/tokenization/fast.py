"""``AlbertTokenizerFast``: HF's fast-tokenizer API over :class:`AlbertTokenizer` (no Rust backend).

Ids are the slow tokenizer's, which are the reference. What differs from the slow API is what HF's fast
tokenizers do differently: ``is_fast``, ``tokenize(..., add_special_tokens=True)``, ``TypeError`` on ``None``,
the warning when user code calls ``pad``, and ``return_overflowing_tokens``, which returns every window as a
row of its own with ``overflow_to_sample_mapping`` (consecutive windows share ``stride`` tokens) instead of
the slow tokenizer's ``overflowing_tokens`` list.

Example:
    >>> tok = AlbertTokenizerFast.from_pretrained("path/to/dir")  # doctest: +SKIP
    >>> enc = tok(["a long text ..."], max_length=8, truncation=True, stride=2, return_overflowing_tokens=True)
    >>> enc["overflow_to_sample_mapping"]  # doctest: +SKIP
    [0, 0, 0]
"""

from __future__ import annotations

from albert_tf.tokenization import constants
from albert_tf.tokenization.added_tokens import logger
from albert_tf.tokenization.batch_encoding import BatchEncoding
from albert_tf.tokenization.tokenizer import AlbertTokenizer


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
        return super().encode_plus(text, text_pair, **kwargs)

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
        if not return_overflowing_tokens:
            return super().batch_encode_plus(batch_text_or_text_pairs, return_tensors=return_tensors, **common)
        padding, truncation, max_length, kwargs = self._get_padding_truncation_strategies(
            padding, truncation, max_length, pad_to_multiple_of, verbose, **kwargs)
        if split_special_tokens is not None:
            kwargs["split_special_tokens"] = split_special_tokens
        out = {}
        for sample, item in enumerate(batch_text_or_text_pairs):
            pair_item = isinstance(item, (list, tuple)) and len(item) == 2 and not (
                is_split_into_words and not isinstance(item[0], (list, tuple)))
            first, second = item if pair_item else (item, None)
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
