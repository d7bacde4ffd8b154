"""``AlbertTokenizer``: HF's slow ALBERT tokenizer API and output, backed by ``sentencepiece`` only.

Ids, token types, special-token masks, truncation and padding match ``transformers.AlbertTokenizer``
(4.x) exactly; the tests compare against it. Beyond HF's slow tokenizer it can return character offsets
into the original text (``return_offsets_mapping=True``).

Example:
    >>> from albert_tf.tokenization import AlbertTokenizer, train_tokenizer
    >>> import tempfile
    >>> d = tempfile.mkdtemp(); _ = train_tokenizer(["data/reviews.csv"], 2000, d)
    >>> tok = AlbertTokenizer.from_pretrained(d)
    >>> enc = tok(["A fine film.", "Bad."], padding=True, return_tensors="np")
    >>> enc.input_ids.shape[0], int(enc.input_ids[0, 0]) == tok.cls_token_id
    (2, True)
    >>> tok.decode(tok.encode("A fine film."), skip_special_tokens=True)
    'a fine film.'
"""

from __future__ import annotations

import copy
import os

from albert_tf.tokenization import constants, offsets, saving, text_rules
from albert_tf.tokenization.added_tokens import AddedToken, SpecialTokensMixin
from albert_tf.tokenization.encoding import EncodingMixin

# The methods a config key may not shadow (HF rejects such keys the same way).
_RESERVED = ("add_special_tokens", "get_vocab", "add_tokens", "tokenize", "encode", "decode", "pad")


class AlbertTokenizer(SpecialTokensMixin, EncodingMixin):
    """ALBERT SentencePiece tokenizer with Hugging Face's (slow ``AlbertTokenizer``) API and semantics.

    Args:
        vocab_file: path of a SentencePiece ``spiece.model`` (or pass ``model_proto`` bytes instead).
        do_lower_case, remove_space, keep_accents: HF's preprocessing options (defaults as HF).
        bos_token ... mask_token, additional_special_tokens: HF's special tokens (str or ``AddedToken``).
        sp_model_kwargs: SentencePiece options, e.g. subword regularization
            ``{"enable_sampling": True, "alpha": 0.1, "nbest_size": -1}`` (kept through pickling).
        model_max_length: length used by ``truncation=True`` / ``padding="max_length"`` without
            ``max_length`` (HF semantics; unset means no limit).
        padding_side, truncation_side: ``"right"`` (default) or ``"left"``.
        clean_up_tokenization_spaces: HF's decode clean-up default.
    """

    vocab_files_names = {"vocab_file": constants.VOCAB_FILE_NAME}
    model_input_names = ["input_ids", "token_type_ids", "attention_mask"]
    padding_side = "right"
    truncation_side = "right"

    def __init__(self, vocab_file=None, do_lower_case=True, remove_space=True, keep_accents=False,
                 bos_token=constants.BOS_TOKEN, eos_token=constants.EOS_TOKEN, unk_token=constants.UNK_TOKEN,
                 sep_token=constants.SEP_TOKEN, pad_token=constants.PAD_TOKEN, cls_token=constants.CLS_TOKEN,
                 mask_token=constants.MASK_TOKEN, sp_model_kwargs=None, *, model_proto=None,
                 additional_special_tokens=None, added_tokens_decoder=None, model_max_length=None,
                 padding_side="right", truncation_side="right", clean_up_tokenization_spaces=False,
                 split_special_tokens=False, verbose=False, **kwargs):
        import sentencepiece as spm

        for key in kwargs:
            if key in _RESERVED:
                raise AttributeError(f"{key} conflicts with the method {key} in {type(self).__name__}")
        if (vocab_file is None) == (model_proto is None):
            raise ValueError("pass exactly one of vocab_file or model_proto")
        if vocab_file is not None:
            if not os.path.isfile(vocab_file):
                raise FileNotFoundError(f"SentencePiece model not found: {vocab_file}")
            with open(vocab_file, "rb") as f:
                model_proto = f.read()
        for name, side in (("padding_side", padding_side), ("truncation_side", truncation_side)):
            if side not in ("left", "right"):
                raise ValueError(f"{name} must be 'left' or 'right', got {side!r}")
        self.vocab_file = vocab_file
        self.sp_model_kwargs = {} if sp_model_kwargs is None else dict(sp_model_kwargs)
        self._model_proto = bytes(model_proto)
        self.sp_model = self._load_sp_model(spm, self._model_proto, vocab_file)
        self.do_lower_case, self.remove_space = bool(do_lower_case), bool(remove_space)
        self.keep_accents = bool(keep_accents)
        self.model_max_length = constants.VERY_LARGE_INTEGER if model_max_length is None else int(model_max_length)
        self.padding_side, self.truncation_side = padding_side, truncation_side
        self.clean_up_tokenization_spaces = bool(clean_up_tokenization_spaces)
        self.split_special_tokens = bool(split_special_tokens)
        self.deprecation_warnings = {}
        self._digit_comma = text_rules.digit_comma_table(self.sp_model)
        # [MASK] swallows the space on its left, as in HF's AlbertTokenizer.
        if isinstance(mask_token, str):
            mask_token = AddedToken(mask_token, lstrip=True, rstrip=False, normalized=False)
        specials = dict(bos_token=bos_token, eos_token=eos_token, unk_token=unk_token, sep_token=sep_token,
                        pad_token=pad_token, cls_token=cls_token, mask_token=mask_token,
                        additional_special_tokens=additional_special_tokens)
        self.init_inputs = ()
        self.init_kwargs = copy.deepcopy(dict(
            vocab_file=vocab_file, do_lower_case=do_lower_case, remove_space=remove_space,
            keep_accents=keep_accents, sp_model_kwargs=self.sp_model_kwargs, model_proto=None,
            model_max_length=model_max_length, padding_side=padding_side, truncation_side=truncation_side,
            clean_up_tokenization_spaces=clean_up_tokenization_spaces, split_special_tokens=split_special_tokens,
            verbose=verbose, added_tokens_decoder=None, **specials, **kwargs))
        self.name_or_path = kwargs.get("name_or_path", "")
        self._init_special_tokens(specials, added_tokens_decoder, verbose=verbose)

    def _load_sp_model(self, spm, proto: bytes, source):
        sp_model = spm.SentencePieceProcessor(**self.sp_model_kwargs)
        try:
            sp_model.LoadFromSerializedProto(proto)
        except Exception as err:  # sentencepiece raises bare RuntimeError/OSError on bad protos
            raise ValueError(f"not a SentencePiece model: {source or '<bytes>'} ({err})") from err
        return sp_model

    # The SentencePiece processor is rebuilt from the model bytes: it cannot be pickled itself.
    def __getstate__(self):
        state = self.__dict__.copy()
        state["sp_model"] = None
        return state

    def __setstate__(self, state):
        import sentencepiece as spm

        self.__dict__.update(state)
        self.sp_model = self._load_sp_model(spm, self._model_proto, self.vocab_file)

    # ---------------------------------------------------------------- loading / saving
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *init_inputs, **kwargs) -> "AlbertTokenizer":
        """Load from a directory saved by :meth:`save_pretrained` (or HF's), a ``.model`` file, or a hub
        id (needs ``huggingface_hub`` + network). Keyword arguments override the saved configuration."""
        for hub_only in ("cache_dir", "force_download", "local_files_only", "token", "revision", "subfolder",
                         "trust_remote_code", "from_slow", "_from_pipeline", "_commit_hash"):
            kwargs.pop(hub_only, None)
        path = os.fspath(pretrained_model_name_or_path)
        if os.path.isfile(path):
            return cls(path, *init_inputs, **kwargs)
        if not os.path.isdir(path):
            path = cls._download(path)
        model_file = os.path.join(path, constants.VOCAB_FILE_NAME)
        if not os.path.isfile(model_file):
            raise FileNotFoundError(f"{pretrained_model_name_or_path}: no {constants.VOCAB_FILE_NAME} in {path}")
        init = saving.load_init_kwargs(cls, path, kwargs)
        init.pop("vocab_file", None)
        init["name_or_path"] = os.fspath(pretrained_model_name_or_path)
        return cls(model_file, *init_inputs, **init)

    @staticmethod
    def _download(repo_id: str) -> str:
        from albert_tf.utils.hub import snapshot

        return snapshot(repo_id, [constants.VOCAB_FILE_NAME, constants.TOKENIZER_CONFIG_FILE,
                                  constants.SPECIAL_TOKENS_MAP_FILE, saving.ADDED_TOKENS_FILE],
                        f"pass a local directory holding {constants.VOCAB_FILE_NAME} instead")

    def save_vocabulary(self, save_directory: str, filename_prefix: str | None = None) -> tuple[str]:
        """Write the SentencePiece model; returns ``(path,)`` like HF."""
        if not os.path.isdir(save_directory):
            raise NotADirectoryError(f"save_vocabulary: {save_directory} is not a directory")
        name = (filename_prefix + "-" if filename_prefix else "") + constants.VOCAB_FILE_NAME
        out = os.path.join(save_directory, name)
        if not (self.vocab_file and os.path.abspath(self.vocab_file) == os.path.abspath(out)):
            from albert_tf.utils.io import atomic_write_bytes

            atomic_write_bytes(out, self._model_proto)
        return (out,)

    def save_pretrained(self, save_directory, legacy_format=None, filename_prefix=None, push_to_hub=False,
                        **kwargs) -> tuple[str, ...]:
        """Write ``tokenizer_config.json``, ``special_tokens_map.json``, ``added_tokens.json`` (when
        tokens were added) and ``spiece.model``, as HF does: readable by :meth:`from_pretrained` and by
        HF's ``AlbertTokenizer.from_pretrained``."""
        if push_to_hub:
            raise ValueError("push_to_hub is not supported; upload the saved directory with huggingface_hub")
        return saving.save_tokenizer(self, os.fspath(save_directory), filename_prefix)

    @property
    def serialized_model_proto(self) -> bytes:
        """The SentencePiece model bytes (what :class:`AlbertPreprocessor` embeds)."""
        return self._model_proto

    @property
    def is_fast(self) -> bool:
        return False

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(name_or_path={self.name_or_path!r}, vocab_size={self.vocab_size}, "
                f"padding_side={self.padding_side!r}, truncation_side={self.truncation_side!r}, "
                f"special_tokens={self.special_tokens_map})")

    # ---------------------------------------------------------------- vocabulary
    @property
    def vocab_size(self) -> int:
        return self.sp_model.get_piece_size()

    def get_vocab(self) -> dict[str, int]:
        vocab = {self.sp_model.id_to_piece(i): i for i in range(self.vocab_size)}
        vocab.update(self.added_tokens_encoder)
        return vocab

    @property
    def max_len_single_sentence(self) -> int:
        return self.model_max_length - self.num_special_tokens_to_add(pair=False)

    @property
    def max_len_sentences_pair(self) -> int:
        return self.model_max_length - self.num_special_tokens_to_add(pair=True)

    def _convert_token_to_id(self, token: str) -> int:
        return self.sp_model.piece_to_id(token)

    def _convert_id_to_token(self, index: int) -> str:
        if not 0 <= index < self.vocab_size:
            raise IndexError(f"token id {index} out of range [0, {len(self)})")
        return self.sp_model.id_to_piece(index)

    # ---------------------------------------------------------------- tokenization
    def preprocess_text(self, text: str) -> str:
        """HF's ``preprocess_text`` for one special-token-free segment."""
        return text_rules.preprocess_text(text, self.do_lower_case, self.remove_space, self.keep_accents)

    def _tokenize(self, text: str) -> list[str]:
        """One segment without added tokens -> SentencePiece pieces (``<digit>,`` re-split like HF)."""
        pieces = self.sp_model.encode(self.preprocess_text(text), out_type=str)
        out = []
        for piece in pieces:
            if text_rules.is_digit_comma_piece(piece):
                out.extend(text_rules.resplit_digit_comma(self.sp_model, piece))
            else:
                out.append(piece)
        return out

    def _ids_with_offsets(self, text, is_split_into_words):
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        if isinstance(text, str):
            pieces, spans = offsets.tokenize_with_offsets(self, text)
            return self.convert_tokens_to_ids(pieces), spans
        if is_split_into_words and isinstance(text, (list, tuple)):
            ids, spans = [], []  # like HF's fast tokenizers: offsets are relative to each word
            for word in text:
                word_ids, word_spans = self._ids_with_offsets(word, False)
                ids += word_ids
                spans += word_spans
            return ids, spans
        raise ValueError("return_offsets_mapping needs text input (str, or words with is_split_into_words=True)")

    # ---------------------------------------------------------------- special tokens
    def build_inputs_with_special_tokens(self, token_ids_0, token_ids_1=None) -> list:
        """``[CLS] A [SEP]`` or ``[CLS] A [SEP] B [SEP]``."""
        out = [self.cls_token_id] + list(token_ids_0) + [self.sep_token_id]
        if token_ids_1 is not None:
            out += list(token_ids_1) + [self.sep_token_id]
        return out

    def get_special_tokens_mask(self, token_ids_0, token_ids_1=None, already_has_special_tokens: bool = False):
        """1 for special tokens, 0 for sequence tokens."""
        if already_has_special_tokens:
            if token_ids_1 is not None:
                raise ValueError("You should not supply a second sequence if the provided sequence of ids is "
                                 "already formatted with special tokens for the model.")
            special = set(self.all_special_ids)
            return [1 if t in special else 0 for t in token_ids_0]
        mask = [1] + [0] * len(token_ids_0) + [1]
        if token_ids_1 is not None:
            mask += [0] * len(token_ids_1) + [1]
        return mask

    def create_token_type_ids_from_sequences(self, token_ids_0, token_ids_1=None) -> list[int]:
        """0 for ``[CLS] A [SEP]``, 1 for ``B [SEP]``."""
        types = [0] * (len(token_ids_0) + 2)
        if token_ids_1 is not None:
            types += [1] * (len(token_ids_1) + 1)
        return types

    def num_special_tokens_to_add(self, pair: bool = False) -> int:
        return 3 if pair else 2

    # ---------------------------------------------------------------- decoding
    def convert_tokens_to_string(self, tokens) -> str:
        """Pieces -> text; special tokens are kept verbatim (HF's rule)."""
        special = set(self.all_special_tokens)
        out, current, prev_special = "", [], False
        for token in tokens:
            if token in special:
                if not prev_special:
                    out += " "
                out += self.sp_model.decode(current) + token
                prev_special, current = True, []
            else:
                current.append(token)
                prev_special = False
        out += self.sp_model.decode(current)
        return out.strip()

