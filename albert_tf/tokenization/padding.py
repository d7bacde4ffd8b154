"""Padding with Hugging Face's semantics: ``pad`` of one encoding, a dict of lists or a list of encodings.

:class:`PaddingMixin` holds ``pad`` and the helpers the encoders call (``_pad_batch``, ``_pad``), HF's
``PreTrainedTokenizerBase`` behaviour for a slow tokenizer, tensors in and out. It is part of
:class:`~albert_tf.tokenization.encoding.EncodingMixin` and relies on its ``_get_padding_truncation_strategies``
and the subclass's ``pad_token_id``, ``pad_token_type_id``, ``padding_side`` and ``model_input_names``.
"""

from __future__ import annotations

from collections.abc import Mapping

from albert_tf.tokenization.batch_encoding import BatchEncoding, to_py_obj
from albert_tf.tokenization.strategies import _PADDING, _SIDES, _strategy


class PaddingMixin:
    """HF's ``pad`` over the special-token attributes of the subclass."""

    # ---------------------------------------------------------------- padding
    def pad(self, encoded_inputs, padding=True, max_length=None, pad_to_multiple_of=None, padding_side=None,
            return_attention_mask=None, return_tensors=None, verbose=True) -> BatchEncoding:
        """Pad one encoding, a batch (dict of lists) or a list of encodings (HF's ``pad``); tensors in,
        tensors of the same kind out."""
        return self._pad_batch(encoded_inputs, padding=padding, max_length=max_length,
                               pad_to_multiple_of=pad_to_multiple_of, padding_side=padding_side,
                               return_attention_mask=return_attention_mask, return_tensors=return_tensors,
                               verbose=verbose)

    def _pad_batch(self, encoded_inputs, padding=True, max_length=None, pad_to_multiple_of=None, padding_side=None,
                   return_attention_mask=None, return_tensors=None, verbose=True) -> BatchEncoding:
        # What pad() does; the encoders call this one, so that AlbertTokenizerFast's pad() can warn like HF's
        # fast tokenizers only when user code pads.
        if isinstance(encoded_inputs, (list, tuple)) and encoded_inputs and isinstance(encoded_inputs[0], Mapping):
            encoded_inputs = {key: [example[key] for example in encoded_inputs] for key in encoded_inputs[0]}
        main = self.model_input_names[0]
        if not isinstance(encoded_inputs, Mapping) or main not in encoded_inputs:
            keys = list(encoded_inputs.keys()) if isinstance(encoded_inputs, Mapping) else type(encoded_inputs)
            raise ValueError("You should supply an encoding or a list of encodings to this method that includes "
                             f"{main}, but you provided {keys}")
        encoded_inputs = dict(encoded_inputs)
        required = encoded_inputs[main]
        if required is None or (hasattr(required, "__len__") and len(required) == 0):
            if return_attention_mask:
                encoded_inputs["attention_mask"] = []
            return BatchEncoding(encoded_inputs)
        first = required[0]
        if isinstance(first, (list, tuple)):
            first = next((item[0] for item in required if len(item)), first)
        if not isinstance(first, (int, list, tuple)):
            kind = type(first).__module__.split(".")[0]
            inferred = {"tensorflow": "tf", "torch": "pt", "numpy": "np", "jax": "jax", "jaxlib": "jax"}.get(kind)
            if inferred is None:
                raise ValueError(f"type of {first} unknown: {type(first)}. Should be one of a python, numpy, "
                                 "pytorch or tensorflow object.")
            return_tensors = inferred if return_tensors is None else return_tensors
            encoded_inputs = {k: to_py_obj(v) for k, v in encoded_inputs.items()}
        padding, _, max_length, _ = self._get_padding_truncation_strategies(padding=padding, max_length=max_length,
                                                                           verbose=verbose)
        required = encoded_inputs[main]
        if required and not isinstance(required[0], (list, tuple)):
            out = self._pad(encoded_inputs, max_length, padding, pad_to_multiple_of, padding_side,
                            return_attention_mask)
            return BatchEncoding(out, tensor_type=return_tensors)
        batch_size = len(required)
        if any(len(v) != batch_size for v in encoded_inputs.values()):
            raise ValueError("Some items in the output dictionary have a different batch size than others: "
                             + ", ".join(f"{k}={len(v)}" for k, v in encoded_inputs.items()))
        if padding == "longest":
            max_length, padding = max(len(row) for row in required), "max_length"
        out = {}
        for i in range(batch_size):
            row = self._pad({k: v[i] for k, v in encoded_inputs.items()}, max_length, padding, pad_to_multiple_of,
                            padding_side, return_attention_mask)
            for key, value in row.items():
                out.setdefault(key, []).append(value)
        return BatchEncoding(out, tensor_type=return_tensors)

    def _pad(self, encoded_inputs, max_length=None, padding_strategy="do_not_pad", pad_to_multiple_of=None,
             padding_side=None, return_attention_mask=None) -> dict:
        padding_strategy = _strategy(padding_strategy, _PADDING, "padding")
        if return_attention_mask is None:
            return_attention_mask = "attention_mask" in self.model_input_names
        main = self.model_input_names[0]
        required = list(encoded_inputs[main])
        if padding_strategy == "longest":
            max_length = len(required)
        if max_length is not None and pad_to_multiple_of is not None and max_length % pad_to_multiple_of:
            max_length = (max_length // pad_to_multiple_of + 1) * pad_to_multiple_of
        if return_attention_mask and "attention_mask" not in encoded_inputs:
            encoded_inputs["attention_mask"] = [1] * len(required)
        if padding_strategy == "do_not_pad" or max_length is None or len(required) >= max_length:
            return encoded_inputs
        side = padding_side if padding_side is not None else self.padding_side
        if side not in _SIDES:
            raise ValueError(f"Invalid padding side: {side!r}, use 'left' or 'right'")
        diff = max_length - len(required)
        fills = {main: self.pad_token_id, "token_type_ids": self.pad_token_type_id, "special_tokens_mask": 1,
                 "offset_mapping": (0, 0)}
        if return_attention_mask:
            fills["attention_mask"] = 0
        for key, fill in fills.items():
            if key in encoded_inputs:
                values = list(encoded_inputs[key])
                encoded_inputs[key] = [fill] * diff + values if side == "left" else values + [fill] * diff
        return encoded_inputs
