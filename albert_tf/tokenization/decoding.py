"""Decoding with Hugging Face's semantics: ``decode``, ``batch_decode`` and the clean-up of spaces.

:class:`DecodingMixin` holds HF's slow-tokenizer ``decode`` (special tokens skipped on request, added tokens
decoded verbatim between runs of pieces) and ``clean_up_tokenization``. It is part of
:class:`~albert_tf.tokenization.encoding.EncodingMixin` and relies on the subclass's
``convert_ids_to_tokens``, ``convert_tokens_to_string`` and special-token attributes.
"""

from __future__ import annotations

from albert_tf.tokenization.batch_encoding import to_py_obj


class DecodingMixin:
    """HF's ``decode`` / ``batch_decode`` over ``convert_ids_to_tokens`` and ``convert_tokens_to_string``."""

    # ---------------------------------------------------------------- decoding
    def decode(self, token_ids, skip_special_tokens: bool = False, clean_up_tokenization_spaces=None,
               **kwargs) -> str:
        """Ids -> text (HF's slow ``decode``)."""
        token_ids = to_py_obj(token_ids)
        return self._decode(token_ids, skip_special_tokens=skip_special_tokens,
                            clean_up_tokenization_spaces=clean_up_tokenization_spaces, **kwargs)

    def batch_decode(self, sequences, skip_special_tokens: bool = False, clean_up_tokenization_spaces=None,
                     **kwargs) -> list[str]:
        return [self.decode(s, skip_special_tokens, clean_up_tokenization_spaces, **kwargs)
                for s in to_py_obj(sequences)]

    def _decode(self, token_ids, skip_special_tokens=False, clean_up_tokenization_spaces=None,
                spaces_between_special_tokens=True, **kwargs) -> str:
        tokens = self.convert_ids_to_tokens(token_ids, skip_special_tokens=skip_special_tokens)
        if isinstance(tokens, str):
            tokens = [tokens]
        special = set(self.all_special_tokens)
        # Added tokens are not model pieces: they are decoded verbatim, between decoded runs of pieces.
        verbatim = (set(self._added_tokens_encoder) - special) | {
            t for t in self.additional_special_tokens or () if self.convert_tokens_to_ids(t) >= self.vocab_size}
        texts, run = [], []
        for token in tokens:
            if skip_special_tokens and token in special:
                continue
            if token in verbatim:
                if run:
                    string = self.convert_tokens_to_string(run)
                    if string:
                        texts.append(string)
                    run = []
                texts.append(token)
            else:
                run.append(token)
        if run:
            texts.append(self.convert_tokens_to_string(run))
        text = (" " if spaces_between_special_tokens else "").join(texts)
        clean = (self.clean_up_tokenization_spaces if clean_up_tokenization_spaces is None
                 else clean_up_tokenization_spaces)
        return self.clean_up_tokenization(text) if clean else text

    @staticmethod
    def clean_up_tokenization(out_string: str) -> str:
        """HF's clean-up of spaces before punctuation and English contractions."""
        for a, b in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                     (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
            out_string = out_string.replace(a, b)
        return out_string
