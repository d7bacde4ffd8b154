"""Encoding with Hugging Face's semantics: ``__call__``, ``encode(_plus)``, ``batch_encode_plus``,
``prepare_for_model``, ``truncate_sequences``, ``pad`` and ``decode`` (``PreTrainedTokenizerBase``'s
behaviour, warnings included, for a slow tokenizer).

This module holds the encoders; ``pad`` lives in :mod:`albert_tf.tokenization.padding` (:class:`PaddingMixin`),
``decode`` in :mod:`albert_tf.tokenization.decoding` (:class:`DecodingMixin`), both bases of
:class:`EncodingMixin`, and the padding/truncation strategy tables in :mod:`albert_tf.tokenization.strategies`.

Example:
    >>> enc = tok(["a b", "c"], padding=True, padding_side="left")  # doctest: +SKIP
    >>> tok.pad([{"input_ids": [2, 9, 3]}, {"input_ids": [2, 3]}], return_tensors="np")  # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import warnings

from albert_tf.tokenization import constants
from albert_tf.tokenization.added_tokens import logger
from albert_tf.tokenization.batch_encoding import BatchEncoding, to_py_obj  # noqa: F401
from albert_tf.tokenization.decoding import DecodingMixin
from albert_tf.tokenization.padding import PaddingMixin
from albert_tf.tokenization.strategies import _PADDING, _SIDES, _TRUNCATION, _strategy


def _is_text_input(t) -> bool:
    if isinstance(t, (str, bytes)):  # UTF-8 bytes are ours, beyond HF
        return True
    if isinstance(t, (list, tuple)):
        if not t or isinstance(t[0], str):
            return True
        if isinstance(t[0], (list, tuple)):
            return len(t[0]) == 0 or isinstance(t[0][0], str)
    return False


class EncodingMixin(PaddingMixin, DecodingMixin):
    """HF's encode / pad / decode API over ``tokenize``, ``convert_tokens_to_ids`` and the special-token
    builders of the subclass."""

    model_input_names = ["input_ids", "token_type_ids", "attention_mask"]

    def _warn_once(self, key: str, message: str) -> None:
        if not self.deprecation_warnings.get(key, False):
            logger.warning(message)
        self.deprecation_warnings[key] = True

    # ---------------------------------------------------------------- strategies
    def _get_padding_truncation_strategies(self, padding=False, truncation=None, max_length=None,
                                           pad_to_multiple_of=None, verbose=True, **kwargs):
        if max_length is not None and padding is False and truncation is None:
            if verbose:
                self._warn_once(
                    "Truncation-not-explicitly-activated",
                    "Truncation was not explicitly activated but `max_length` is provided a specific value, please"
                    " use `truncation=True` to explicitly truncate examples to max length. Defaulting to"
                    " 'longest_first' truncation strategy.")
            truncation = "longest_first"
        if padding is True and verbose and max_length is not None and truncation in (None, False, "do_not_truncate"):
            warnings.warn("`max_length` is ignored when `padding`=`True` and there is no truncation strategy. "
                          "To pad to max length, use `padding='max_length'`.")
        padding_strategy = _strategy(padding, _PADDING, "padding")
        truncation_strategy = _strategy(truncation, _TRUNCATION, "truncation")
        if max_length is None:
            unlimited = self.model_max_length > constants.LARGE_INTEGER
            if padding_strategy == "max_length":
                if unlimited:
                    if verbose:
                        self._warn_once("Asking-to-pad-to-max_length",
                                        "Asking to pad to max_length but no maximum length is provided and the model "
                                        "has no predefined maximum length. Default to no padding.")
                    padding_strategy = "do_not_pad"
                else:
                    max_length = self.model_max_length
            if truncation_strategy != "do_not_truncate":
                if unlimited:
                    if verbose:
                        self._warn_once("Asking-to-truncate-to-max_length",
                                        "Asking to truncate to max_length but no maximum length is provided and the "
                                        "model has no predefined maximum length. Default to no truncation.")
                    truncation_strategy = "do_not_truncate"
                else:
                    max_length = self.model_max_length
        if padding_strategy != "do_not_pad" and (self.pad_token is None or self.pad_token_id < 0):
            raise ValueError("Asking to pad but the tokenizer does not have a padding token; set one with "
                             "tokenizer.add_special_tokens({'pad_token': '<pad>'})")
        if (truncation_strategy != "do_not_truncate" and padding_strategy != "do_not_pad"
                and pad_to_multiple_of is not None and max_length is not None and max_length % pad_to_multiple_of):
            raise ValueError(f"Truncation and padding are both activated but truncation length ({max_length}) is "
                             f"not a multiple of pad_to_multiple_of ({pad_to_multiple_of}).")
        return padding_strategy, truncation_strategy, max_length, kwargs

    # ---------------------------------------------------------------- entry points
    def __call__(self, text=None, text_pair=None, text_target=None, text_pair_target=None, **kwargs) -> BatchEncoding:
        """Tokenize one text, a pair, a batch, or pre-split words (``is_split_into_words=True``): HF's
        ``__call__``. ``return_tensors`` is ``"tf"``, ``"np"``, ``"pt"``, ``"jax"`` or ``None`` (lists)."""
        if text_target is not None or text_pair_target is not None:
            raise ValueError("text_target / text_pair_target are seq2seq options; ALBERT has no target tokenizer")
        if text is None:
            raise ValueError("You need to specify `text`.")
        for name, value in (("text", text), ("text_pair", text_pair)):
            if value is not None and not _is_text_input(value):
                raise ValueError(f"{name} must be of type `str` (single example), `list[str]` (batch or single "
                                 "pretokenized example) or `list[list[str]]` (batch of pretokenized examples).")
        if kwargs.get("is_split_into_words"):
            batched = isinstance(text, (list, tuple)) and bool(text) and isinstance(text[0], (list, tuple))
        else:
            batched = isinstance(text, (list, tuple))
        if not batched:
            return self.encode_plus(text, text_pair, **kwargs)
        if isinstance(text_pair, str):
            raise TypeError("when tokenizing batches of text, `text_pair` must be a list or tuple with the same "
                            "length as `text`.")
        if text_pair is not None and len(text) != len(text_pair):
            raise ValueError(f"batch length of `text`: {len(text)} does not match batch length of `text_pair`: "
                             f"{len(text_pair)}.")
        pairs = list(zip(text, text_pair)) if text_pair is not None else text
        return self.batch_encode_plus(pairs, **kwargs)

    def encode(self, text, text_pair=None, add_special_tokens: bool = True, **kwargs) -> list[int]:
        """Ids of one text (or pair), with ``[CLS]``/``[SEP]`` unless ``add_special_tokens=False``."""
        return self.encode_plus(text, text_pair, add_special_tokens=add_special_tokens, **kwargs)["input_ids"]

    def _input_ids(self, text, is_split_into_words: bool, **kwargs):
        if isinstance(text, str):
            return self.convert_tokens_to_ids(self.tokenize(text, **kwargs))
        if isinstance(text, bytes):
            try:
                return self._input_ids(text.decode("utf-8"), is_split_into_words, **kwargs)
            except UnicodeDecodeError as err:
                raise ValueError(f"text is not valid UTF-8: {err}") from None
        if isinstance(text, (list, tuple)) and text and isinstance(text[0], str):
            if is_split_into_words:
                return self.convert_tokens_to_ids(list(itertools.chain.from_iterable(
                    self.tokenize(t, is_split_into_words=True, **kwargs) for t in text)))
            return self.convert_tokens_to_ids(list(text))
        if isinstance(text, (list, tuple)) and text and isinstance(text[0], int):
            return list(text)
        if isinstance(text, (list, tuple)) and not text:
            return []
        raise ValueError(f"Input {text!r} is not valid. Should be a string, a list/tuple of strings or a "
                         "list/tuple of integers.")

    def encode_plus(self, text, text_pair=None, add_special_tokens=True, padding=False, truncation=None,
                    max_length=None, stride=0, is_split_into_words=False, pad_to_multiple_of=None,
                    padding_side=None, return_tensors=None, return_token_type_ids=None,
                    return_attention_mask=None, return_overflowing_tokens=False, return_special_tokens_mask=False,
                    return_offsets_mapping=False, return_length=False, verbose=True, split_special_tokens=None,
                    **kwargs) -> BatchEncoding:
        """One text or pair -> :class:`BatchEncoding` (HF's ``encode_plus``)."""
        padding, truncation, max_length, kwargs = self._get_padding_truncation_strategies(
            padding, truncation, max_length, pad_to_multiple_of, verbose, **kwargs)
        if split_special_tokens is not None:
            kwargs["split_special_tokens"] = split_special_tokens
        first, first_spans = self._ids_and_spans(text, is_split_into_words, return_offsets_mapping, kwargs)
        second, second_spans = (None, None) if text_pair is None else self._ids_and_spans(
            text_pair, is_split_into_words, return_offsets_mapping, kwargs)
        enc = self.prepare_for_model(
            first, second, add_special_tokens=add_special_tokens, padding=padding, truncation=truncation,
            max_length=max_length, stride=stride, pad_to_multiple_of=pad_to_multiple_of, padding_side=padding_side,
            return_tensors=None, return_token_type_ids=return_token_type_ids,
            return_attention_mask=return_attention_mask, return_overflowing_tokens=return_overflowing_tokens,
            return_special_tokens_mask=return_special_tokens_mask, return_length=return_length, verbose=verbose,
            _offsets=(first_spans, second_spans) if return_offsets_mapping else None)
        return BatchEncoding(enc, tensor_type=return_tensors, prepend_batch_axis=True)

    def batch_encode_plus(self, batch_text_or_text_pairs, add_special_tokens=True, padding=False, truncation=None,
                          max_length=None, stride=0, is_split_into_words=False, pad_to_multiple_of=None,
                          padding_side=None, return_tensors=None, return_token_type_ids=None,
                          return_attention_mask=None, return_overflowing_tokens=False,
                          return_special_tokens_mask=False, return_offsets_mapping=False, return_length=False,
                          verbose=True, split_special_tokens=None, **kwargs) -> BatchEncoding:
        """A batch of texts or ``(text, pair)`` tuples -> one :class:`BatchEncoding` (HF's
        ``batch_encode_plus``)."""
        padding, truncation, max_length, kwargs = self._get_padding_truncation_strategies(
            padding, truncation, max_length, pad_to_multiple_of, verbose, **kwargs)
        if split_special_tokens is not None:
            kwargs["split_special_tokens"] = split_special_tokens
        if isinstance(batch_text_or_text_pairs, (list, tuple)) and not batch_text_or_text_pairs:
            raise ValueError("empty batch: text is an empty list")
        out = {}
        for item in batch_text_or_text_pairs:
            single = not isinstance(item, (list, tuple)) or (
                is_split_into_words and not isinstance(item[0], (list, tuple)))
            if single:
                first, second = item, None
            elif len(item) == 2:
                first, second = item
            else:
                raise ValueError(f"batch items must be texts or (text, text_pair) pairs; got {len(item)} items")
            ids, spans = self._ids_and_spans(first, is_split_into_words, return_offsets_mapping, kwargs)
            pair, pair_spans = (None, None) if second is None else self._ids_and_spans(
                second, is_split_into_words, return_offsets_mapping, kwargs)
            row = self.prepare_for_model(
                ids, pair, add_special_tokens=add_special_tokens, padding="do_not_pad", truncation=truncation,
                max_length=max_length, stride=stride, return_token_type_ids=return_token_type_ids,
                return_attention_mask=False, return_overflowing_tokens=return_overflowing_tokens,
                return_special_tokens_mask=return_special_tokens_mask, return_length=return_length,
                verbose=verbose, _offsets=(spans, pair_spans) if return_offsets_mapping else None)
            for key, value in row.items():
                out.setdefault(key, []).append(value)
        out = self._pad_batch(out, padding=padding, max_length=max_length, pad_to_multiple_of=pad_to_multiple_of,
                       padding_side=padding_side, return_attention_mask=return_attention_mask)
        return BatchEncoding(out, tensor_type=return_tensors)

    def _ids_and_spans(self, text, is_split_into_words, want_offsets, kwargs):
        if want_offsets:
            return self._ids_with_offsets(text, is_split_into_words)
        return self._input_ids(text, is_split_into_words, **kwargs), None

    def _ids_with_offsets(self, text, is_split_into_words):
        raise NotImplementedError("return_offsets_mapping is not available for this tokenizer")

    # ---------------------------------------------------------------- model inputs
    def prepare_for_model(self, ids, pair_ids=None, add_special_tokens=True, padding=False, truncation=None,
                          max_length=None, stride=0, pad_to_multiple_of=None, padding_side=None,
                          return_tensors=None, return_token_type_ids=None, return_attention_mask=None,
                          return_overflowing_tokens=False, return_special_tokens_mask=False,
                          return_offsets_mapping=False, return_length=False, verbose=True,
                          prepend_batch_axis=False, _offsets=None, **kwargs) -> BatchEncoding:
        """Ids (or a pair) -> model inputs: special tokens, truncation (``stride`` keeps that many tokens of
        context in ``overflowing_tokens``), padding (HF's ``prepare_for_model``)."""
        padding, truncation, max_length, kwargs = self._get_padding_truncation_strategies(
            padding, truncation, max_length, pad_to_multiple_of, verbose, **kwargs)
        pair = pair_ids is not None
        if return_token_type_ids and not add_special_tokens:
            raise ValueError("Asking to return token_type_ids while setting add_special_tokens to False results in "
                             "an undefined behavior. Please set add_special_tokens to True or set "
                             "return_token_type_ids to None.")
        if return_overflowing_tokens and truncation == "longest_first" and pair:
            raise ValueError("Not possible to return overflowing tokens for pair of sequences with the "
                             "`longest_first`. Please select another truncation strategy than `longest_first`, "
                             "for instance `only_second` or `only_first`.")
        if return_token_type_ids is None:
            return_token_type_ids = "token_type_ids" in self.model_input_names
        if return_attention_mask is None:
            return_attention_mask = "attention_mask" in self.model_input_names
        ids, pair_ids = list(ids), (list(pair_ids) if pair else None)
        total = len(ids) + (len(pair_ids) if pair else 0) + (
            self.num_special_tokens_to_add(pair=pair) if add_special_tokens else 0)
        out, overflowing = {}, []
        if truncation != "do_not_truncate" and max_length and total > max_length:
            remove = total - max_length
            if _offsets is not None:  # the spans follow the ids through the same cut
                spans, pair_spans, _ = self.truncate_sequences(_offsets[0], _offsets[1], remove, truncation, 0,
                                                               log=False)
                _offsets = (spans, pair_spans)
            ids, pair_ids, overflowing = self.truncate_sequences(ids, pair_ids, remove, truncation, stride)
        if return_overflowing_tokens:
            out["overflowing_tokens"] = overflowing
            out["num_truncated_tokens"] = total - (max_length or 0)
        if add_special_tokens:
            sequence = self.build_inputs_with_special_tokens(ids, pair_ids)
            token_type_ids = self.create_token_type_ids_from_sequences(ids, pair_ids)
        else:
            sequence = ids + pair_ids if pair else ids
            token_type_ids = [0] * len(sequence)
        out["input_ids"] = sequence
        if return_token_type_ids:
            out["token_type_ids"] = token_type_ids
        if return_special_tokens_mask:
            out["special_tokens_mask"] = (self.get_special_tokens_mask(ids, pair_ids) if add_special_tokens
                                          else [0] * len(sequence))
        if _offsets is not None:
            out["offset_mapping"] = self._special_offsets(_offsets[0], _offsets[1], add_special_tokens)
        self._eventual_warn_about_too_long_sequence(sequence, max_length, verbose)
        if padding != "do_not_pad" or return_attention_mask:
            out = self._pad_batch(out, padding=padding, max_length=max_length, pad_to_multiple_of=pad_to_multiple_of,
                           padding_side=padding_side, return_attention_mask=return_attention_mask)
        if return_length:
            out["length"] = len(out["input_ids"])
        return BatchEncoding(out, tensor_type=return_tensors, prepend_batch_axis=prepend_batch_axis)

    def _special_offsets(self, spans, pair_spans, add_special_tokens):
        """Offsets laid out like the ids: ``(0, 0)`` at every special token the builders insert."""
        if not add_special_tokens:
            return list(spans) + list(pair_spans or [])
        mask = self.get_special_tokens_mask(spans, pair_spans)
        seq = iter(list(spans) + list(pair_spans or []))
        return [(0, 0) if m else next(seq) for m in mask]

    def truncate_sequences(self, ids, pair_ids=None, num_tokens_to_remove=0, truncation_strategy="longest_first",
                           stride=0, log=True):
        """HF's ``truncate_sequences``: returns ``(ids, pair_ids, overflowing_tokens)``, cut on
        ``self.truncation_side``."""
        if num_tokens_to_remove <= 0:
            return ids, pair_ids, []
        strategy = _strategy(truncation_strategy, _TRUNCATION, "truncation")
        side = self.truncation_side
        if side not in _SIDES:
            raise ValueError(f"invalid truncation side: {side!r}, use 'left' or 'right'.")
        left = side == "left"

        def cut(seq, n):
            return seq[n:] if left else seq[:len(seq) - n]

        def window(seq, n):
            size = min(len(seq), stride + n)
            return seq[:size] if left else seq[len(seq) - size:]

        overflowing = []
        if strategy == "only_first" or (strategy == "longest_first" and pair_ids is None):
            if len(ids) > num_tokens_to_remove:
                overflowing, ids = window(ids, num_tokens_to_remove), cut(ids, num_tokens_to_remove)
            elif log:
                logger.error(f"We need to remove {num_tokens_to_remove} to truncate the input but the first "
                             f"sequence has a length {len(ids)}. "
                             + ("Please select another truncation strategy than only_first, for instance "
                                "'longest_first' or 'only_second'." if strategy == "only_first" else ""))
        elif strategy == "longest_first":
            if log:
                logger.warning("Be aware, overflowing tokens are not returned for the setting you have chosen, i.e. "
                               "sequence pairs with the 'longest_first' truncation strategy. So the returned list "
                               "will always be empty even if some tokens have been removed.")
            first = min(abs(len(pair_ids) - len(ids)), num_tokens_to_remove)
            second = num_tokens_to_remove - first
            if len(ids) > len(pair_ids):
                from_ids, from_pair = first + second // 2, second - second // 2
            else:
                from_ids, from_pair = second // 2, first + second - second // 2
            ids, pair_ids = cut(ids, from_ids), cut(pair_ids, from_pair)
        elif strategy == "only_second" and pair_ids is not None:
            if len(pair_ids) > num_tokens_to_remove:
                overflowing = window(pair_ids, num_tokens_to_remove)
                pair_ids = cut(pair_ids, num_tokens_to_remove)
            elif log:
                logger.error(f"We need to remove {num_tokens_to_remove} to truncate the input but the second "
                             f"sequence has a length {len(pair_ids)}. Please select another truncation strategy "
                             "than only_second, for instance 'longest_first' or 'only_first'.")
        return ids, pair_ids, overflowing

    def _eventual_warn_about_too_long_sequence(self, ids, max_length, verbose):
        if max_length is None and len(ids) > self.model_max_length and verbose and self.model_max_length != 0:
            self._warn_once("sequence-length-is-longer-than-the-specified-maximum",
                            "Token indices sequence length is longer than the specified maximum sequence length for "
                            f"this model ({len(ids)} > {self.model_max_length}). Running this sequence through the "
                            "model will result in indexing errors")
