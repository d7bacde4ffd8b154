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

import bisect
import json
import os
import shutil
import unicodedata
from typing import Iterable, Sequence

from albert_tf.tokenization import constants, text_rules
from albert_tf.tokenization.batch_encoding import BatchEncoding

_PADDING = {True: "longest", "longest": "longest", "max_length": "max_length", False: "do_not_pad",
            "do_not_pad": "do_not_pad", None: "do_not_pad"}
_TRUNCATION = {True: "longest_first", "longest_first": "longest_first", "only_first": "only_first",
               "only_second": "only_second", False: "do_not_truncate", "do_not_truncate": "do_not_truncate",
               None: "do_not_truncate"}


def _as_text(value, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ValueError(f"{what} is not valid UTF-8: {err}") from None
    raise TypeError(f"{what} must be str (or UTF-8 bytes), got {type(value).__name__}")


class AlbertTokenizer:
    """ALBERT SentencePiece tokenizer with Hugging Face's (slow ``AlbertTokenizer``) API and semantics.

    Args:
        vocab_file: path of a SentencePiece ``spiece.model`` (or pass ``model_proto`` bytes instead).
        do_lower_case, remove_space, keep_accents: HF's preprocessing options (defaults as HF).
        model_max_length: length used by ``truncation=True`` / ``padding="max_length"`` without
            ``max_length`` (HF semantics; unset means no limit).
        clean_up_tokenization_spaces: HF's decode clean-up default.
    """

    model_input_names = ["input_ids", "token_type_ids", "attention_mask"]
    padding_side = "right"
    truncation_side = "right"

    def __init__(
        self,
        vocab_file: str | None = None,
        *,
        model_proto: bytes | None = None,
        do_lower_case: bool = True,
        remove_space: bool = True,
        keep_accents: bool = False,
        model_max_length: int | None = None,
        clean_up_tokenization_spaces: bool = False,
        **_ignored_hf_config,
    ):
        import sentencepiece as spm

        if (vocab_file is None) == (model_proto is None):
            raise ValueError("pass exactly one of vocab_file or model_proto")
        if vocab_file is not None:
            if not os.path.isfile(vocab_file):
                raise FileNotFoundError(f"SentencePiece model not found: {vocab_file}")
            with open(vocab_file, "rb") as f:
                model_proto = f.read()
        self.vocab_file = vocab_file
        self.sp_model = spm.SentencePieceProcessor()
        try:
            self.sp_model.LoadFromSerializedProto(model_proto)
        except Exception as err:  # sentencepiece raises bare RuntimeError/OSError on bad protos
            raise ValueError(f"not a SentencePiece model: {vocab_file or '<bytes>'} ({err})") from err
        self._model_proto = bytes(model_proto)
        self.do_lower_case = bool(do_lower_case)
        self.remove_space = bool(remove_space)
        self.keep_accents = bool(keep_accents)
        self.model_max_length = constants.VERY_LARGE_INTEGER if model_max_length is None else int(model_max_length)
        self.clean_up_tokenization_spaces = bool(clean_up_tokenization_spaces)

        self.pad_token = constants.PAD_TOKEN
        self.unk_token = constants.UNK_TOKEN
        self.cls_token = constants.CLS_TOKEN
        self.sep_token = constants.SEP_TOKEN
        self.mask_token = constants.MASK_TOKEN
        self.bos_token = constants.BOS_TOKEN
        self.eos_token = constants.EOS_TOKEN
        self.all_special_tokens = list(text_rules.SPECIAL_TOKENS)
        self._special_to_id = {}
        for token in self.all_special_tokens:
            piece_id = self.sp_model.piece_to_id(token)
            if self.sp_model.id_to_piece(piece_id) != token:
                raise ValueError(f"SentencePiece model has no piece {token!r}; ALBERT models need all of "
                                 f"{self.all_special_tokens}")
            self._special_to_id[token] = piece_id
        self.all_special_ids = list(self._special_to_id.values())
        self._digit_comma = text_rules.digit_comma_table(self.sp_model)

    # ---------------------------------------------------------------- loading / saving
    @classmethod
    def from_pretrained(cls, name_or_path: str, **kwargs) -> "AlbertTokenizer":
        """Load from a directory with ``spiece.model`` (+ optional ``tokenizer_config.json``,
        ``special_tokens_map.json``), a ``.model`` file, or a hub id (needs ``huggingface_hub`` + network).

        Keyword arguments override ``tokenizer_config.json`` values.
        """
        path = os.fspath(name_or_path)
        if os.path.isfile(path):
            return cls(path, **kwargs)
        if not os.path.isdir(path):
            path = cls._download(path)
        model_file = os.path.join(path, constants.VOCAB_FILE_NAME)
        if not os.path.isfile(model_file):
            raise FileNotFoundError(f"{name_or_path}: no {constants.VOCAB_FILE_NAME} in {path}")
        config = {}
        config_file = os.path.join(path, constants.TOKENIZER_CONFIG_FILE)
        if os.path.isfile(config_file):
            with open(config_file, encoding="utf-8") as f:
                config = json.load(f)
        special_map_file = os.path.join(path, constants.SPECIAL_TOKENS_MAP_FILE)
        if os.path.isfile(special_map_file):
            with open(special_map_file, encoding="utf-8") as f:
                cls._check_special_tokens(json.load(f), special_map_file)
        cls._check_special_tokens(config, config_file)
        allowed = ("do_lower_case", "remove_space", "keep_accents", "model_max_length",
                   "clean_up_tokenization_spaces")
        init = {k: config[k] for k in allowed if k in config}
        init.update(kwargs)
        return cls(model_file, **init)

    @staticmethod
    def _check_special_tokens(mapping: dict, source: str) -> None:
        expected = {"pad_token": constants.PAD_TOKEN, "unk_token": constants.UNK_TOKEN,
                    "cls_token": constants.CLS_TOKEN, "sep_token": constants.SEP_TOKEN,
                    "mask_token": constants.MASK_TOKEN}
        for key, want in expected.items():
            value = mapping.get(key)
            if isinstance(value, dict):
                value = value.get("content")
            if value is not None and value != want:
                raise ValueError(f"{source}: {key}={value!r} is not supported (ALBERT uses {want!r})")

    @staticmethod
    def _download(repo_id: str) -> str:
        try:
            import huggingface_hub
        except ImportError:
            raise OSError(
                f"{repo_id!r} is not a local directory, and huggingface_hub is missing, so it cannot be "
                "downloaded from the Hugging Face Hub. Install albert-tf[hub] or pass a local directory "
                f"holding {constants.VOCAB_FILE_NAME}."
            ) from None
        try:
            return huggingface_hub.snapshot_download(
                repo_id, allow_patterns=[constants.VOCAB_FILE_NAME, constants.TOKENIZER_CONFIG_FILE,
                                         constants.SPECIAL_TOKENS_MAP_FILE])
        except Exception as err:
            raise OSError(
                f"could not download {repo_id!r} from the Hugging Face Hub (network unavailable or no such "
                f"repo): {err}. Pass a local directory holding {constants.VOCAB_FILE_NAME} instead."
            ) from err

    def save_vocabulary(self, save_directory: str, filename_prefix: str | None = None) -> tuple[str]:
        """Write the SentencePiece model; returns ``(path,)`` like HF."""
        if not os.path.isdir(save_directory):
            raise NotADirectoryError(f"save_vocabulary: {save_directory} is not a directory")
        name = (filename_prefix + "-" if filename_prefix else "") + constants.VOCAB_FILE_NAME
        out = os.path.join(save_directory, name)
        if not (self.vocab_file and os.path.abspath(self.vocab_file) == os.path.abspath(out)):
            from albert_tf.tokenization.training import _atomic_write

            _atomic_write(out, self._model_proto)
        return (out,)

    def save_pretrained(self, save_directory: str) -> tuple[str, ...]:
        """Write ``spiece.model``, ``tokenizer_config.json`` and ``special_tokens_map.json``: readable
        by :meth:`from_pretrained` and by HF's ``AlbertTokenizer.from_pretrained``."""
        from albert_tf.tokenization import training

        os.makedirs(save_directory, exist_ok=True)
        max_len = None if self.model_max_length > constants.LARGE_INTEGER else self.model_max_length
        config = training.tokenizer_config(self.do_lower_case, self.remove_space, self.keep_accents, max_len)
        config["clean_up_tokenization_spaces"] = self.clean_up_tokenization_spaces
        model_path = training.write_tokenizer_files(save_directory, self._model_proto, config)
        return (model_path, os.path.join(save_directory, constants.TOKENIZER_CONFIG_FILE),
                os.path.join(save_directory, constants.SPECIAL_TOKENS_MAP_FILE))

    @property
    def serialized_model_proto(self) -> bytes:
        """The SentencePiece model bytes (what :class:`AlbertPreprocessor` embeds)."""
        return self._model_proto

    # ---------------------------------------------------------------- vocabulary
    @property
    def vocab_size(self) -> int:
        return self.sp_model.get_piece_size()

    def __len__(self) -> int:
        return self.vocab_size

    def get_vocab(self) -> dict[str, int]:
        return {self.sp_model.id_to_piece(i): i for i in range(self.vocab_size)}

    pad_token_id = property(lambda self: self._special_to_id[self.pad_token])
    unk_token_id = property(lambda self: self._special_to_id[self.unk_token])
    cls_token_id = property(lambda self: self._special_to_id[self.cls_token])
    sep_token_id = property(lambda self: self._special_to_id[self.sep_token])
    mask_token_id = property(lambda self: self._special_to_id[self.mask_token])
    bos_token_id = cls_token_id
    eos_token_id = sep_token_id
    pad_token_type_id = 0

    def convert_tokens_to_ids(self, tokens):
        """Piece(s) -> id(s); unknown pieces give ``unk_token_id``."""
        if tokens is None:
            return None
        if isinstance(tokens, str):
            return self._special_to_id.get(tokens, self.sp_model.piece_to_id(tokens))
        return [self.convert_tokens_to_ids(t) for t in tokens]

    def convert_ids_to_tokens(self, ids, skip_special_tokens: bool = False):
        """Id(s) -> piece(s)."""
        if isinstance(ids, int) or hasattr(ids, "__index__") and not hasattr(ids, "__len__"):
            return self._id_to_piece(int(ids))
        special = set(self.all_special_ids)
        return [self._id_to_piece(int(i)) for i in ids if not (skip_special_tokens and int(i) in special)]

    def _id_to_piece(self, index: int) -> str:
        if not 0 <= index < self.vocab_size:
            raise IndexError(f"token id {index} out of range [0, {self.vocab_size})")
        return self.sp_model.id_to_piece(index)

    # ---------------------------------------------------------------- tokenization
    def preprocess_text(self, text: str) -> str:
        """HF's ``preprocess_text`` for one special-token-free segment."""
        return text_rules.preprocess_text(text, self.do_lower_case, self.remove_space, self.keep_accents)

    def _segments(self, text: str) -> list[str]:
        """Lowercase (per character, specials kept) and split out special tokens; applies [MASK]'s
        left strip. Special tokens are returned as themselves."""
        if self.do_lower_case:
            text = "".join(
                seg if seg in self._special_to_id else text_rules.lower_per_char(seg)
                for seg in text_rules.split_special(text)
            )
        segments = text_rules.split_special(text)
        for i, seg in enumerate(segments):
            if seg == self.mask_token and i > 0 and segments[i - 1] not in self._special_to_id:
                segments[i - 1] = segments[i - 1].rstrip()
        return [s for s in segments if s]

    def _tokenize_segment(self, segment: str) -> list[str]:
        pieces = self.sp_model.encode(self.preprocess_text(segment), out_type=str)
        out = []
        for piece in pieces:
            if text_rules.is_digit_comma_piece(piece):
                out.extend(text_rules.resplit_digit_comma(self.sp_model, piece))
            else:
                out.append(piece)
        return out

    def tokenize(self, text: str) -> list[str]:
        """Text -> pieces, special tokens in the text kept whole (HF's ``tokenize``)."""
        text = _as_text(text, "text")
        pieces = []
        for seg in self._segments(text):
            if seg in self._special_to_id:
                pieces.append(seg)
            else:
                pieces.extend(self._tokenize_segment(seg))
        return pieces

    def _text_to_ids(self, text) -> list[int]:
        return self.convert_tokens_to_ids(self.tokenize(text))

    def encode(self, text, text_pair=None, add_special_tokens: bool = True, **kwargs) -> list[int]:
        """Ids of one text (or pair), with ``[CLS]``/``[SEP]`` unless ``add_special_tokens=False``."""
        if not isinstance(text, (str, bytes)):
            raise TypeError("encode takes a single text; use __call__ for batches")
        return self(text, text_pair, add_special_tokens=add_special_tokens, **kwargs)["input_ids"]

    # ---------------------------------------------------------------- special tokens
    def build_inputs_with_special_tokens(self, token_ids_0: list[int], token_ids_1: list[int] | None = None):
        """``[CLS] A [SEP]`` or ``[CLS] A [SEP] B [SEP]``."""
        out = [self.cls_token_id] + list(token_ids_0) + [self.sep_token_id]
        if token_ids_1 is not None:
            out += list(token_ids_1) + [self.sep_token_id]
        return out

    def get_special_tokens_mask(self, token_ids_0, token_ids_1=None, already_has_special_tokens: bool = False):
        """1 for special tokens, 0 for sequence tokens."""
        if already_has_special_tokens:
            if token_ids_1 is not None:
                raise ValueError("token_ids_1 must be None when already_has_special_tokens=True")
            special = set(self.all_special_ids)
            return [1 if int(t) in special else 0 for t in token_ids_0]
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
    def convert_tokens_to_string(self, tokens: Sequence[str]) -> str:
        """Pieces -> text; special tokens are kept verbatim (HF's rule)."""
        out, current, prev_special = "", [], False
        for token in tokens:
            if token in self._special_to_id:
                if not prev_special:
                    out += " "
                out += self.sp_model.decode(current) + token
                prev_special, current = True, []
            else:
                current.append(token)
                prev_special = False
        out += self.sp_model.decode(current)
        return out.strip()

    def decode(self, token_ids, skip_special_tokens: bool = False,
               clean_up_tokenization_spaces: bool | None = None) -> str:
        """Ids -> text (HF's slow ``decode``)."""
        if hasattr(token_ids, "numpy"):
            token_ids = token_ids.numpy()
        if hasattr(token_ids, "tolist"):
            token_ids = token_ids.tolist()
        if isinstance(token_ids, int):
            token_ids = [token_ids]
        text = self.convert_tokens_to_string(self.convert_ids_to_tokens(token_ids, skip_special_tokens))
        clean = self.clean_up_tokenization_spaces if clean_up_tokenization_spaces is None else clean_up_tokenization_spaces
        if clean:
            for a, b in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                         (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
                text = text.replace(a, b)
        return text

    def batch_decode(self, sequences, skip_special_tokens: bool = False,
                     clean_up_tokenization_spaces: bool | None = None) -> list[str]:
        if hasattr(sequences, "numpy"):
            sequences = sequences.numpy()
        return [self.decode(s, skip_special_tokens, clean_up_tokenization_spaces) for s in sequences]

    # ---------------------------------------------------------------- offsets
    def _tokenize_with_offsets(self, text: str) -> tuple[list[str], list[tuple[int, int]]]:
        """Pieces plus (start, end) character offsets into ``text``.

        Each original character is pushed through the per-character form of HF's preprocessing to know
        which preprocessed characters it produced; SentencePiece reports byte spans into the
        preprocessed text, which are mapped back. A span covers the characters that produced the piece's
        visible text (not the space the ``▁`` stands for), plus trailing characters that preprocessing
        deleted (combining accents). Pieces of one character that expands (``ﬁ``, ``¼``) share its span.
        """
        pieces, spans = [], []
        # Per-character lowering keeps a 1:1 map from lowered characters back to the original ones.
        lowered, owner = [], []
        for seg_start, seg in _segments_with_starts(text):
            if self.do_lower_case and seg not in self._special_to_id:
                for k, ch in enumerate(seg):
                    low = ch.lower()
                    lowered.append(low)
                    owner.extend([seg_start + k] * len(low))
            else:
                lowered.append(seg)
                owner.extend(range(seg_start, seg_start + len(seg)))
        low_text = "".join(lowered)
        owner.append(len(text))
        segments = list(_segments_with_starts(low_text))
        for i, (start, seg) in enumerate(segments):
            if seg in self._special_to_id:
                pieces.append(seg)
                spans.append((owner[start], owner[start + len(seg) - 1] + 1))
                continue
            if i + 1 < len(segments) and segments[i + 1][1] == self.mask_token:
                seg = seg.rstrip()
            if not seg:
                continue
            seg_pieces, seg_spans = self._segment_offsets(seg)
            pieces.extend(seg_pieces)
            for s, e in seg_spans:
                if s == e:
                    pos = owner[start + s]
                    spans.append((pos, pos))
                else:
                    end = owner[start + e - 1] + 1
                    if not self.keep_accents:
                        end = _extend_over_deleted(text, end)
                    spans.append((owner[start + s], end))
        return pieces, spans

    def _segment_offsets(self, seg: str) -> tuple[list[str], list[tuple[int, int]]]:
        """Pieces of one segment and their character spans within the segment."""
        outs = _per_char_preprocess(seg, self.do_lower_case, self.remove_space, self.keep_accents)
        pre = self.preprocess_text(seg)
        # Byte start in the preprocessed text of each segment character's output.
        byte_starts, pos = [], 0
        for out in outs:
            byte_starts.append(pos)
            pos += len(out.encode("utf-8"))
        if pos != len(pre.encode("utf-8")):  # never seen; keeps ids exact even if the map were off
            byte_starts = [min(b, len(pre.encode("utf-8"))) for b in byte_starts]
        visible = [k for k, out in enumerate(outs) if out and not out.isspace()]
        vis_starts = [byte_starts[k] for k in visible]
        vis_ends = [byte_starts[k] + len(outs[k].encode("utf-8")) for k in visible]
        proto = self.sp_model.encode(pre, return_type="proto")
        pieces, spans = [], []
        for p in proto.pieces:
            for piece, (b, e) in _split_piece_span(self.sp_model, p):
                first = bisect.bisect_right(vis_ends, b)
                last = bisect.bisect_left(vis_starts, e) - 1
                pieces.append(piece)
                if first > last:
                    k = max(bisect.bisect_right(byte_starts, b) - 1, 0)
                    spans.append((k, k))
                else:
                    spans.append((visible[first], visible[last] + 1))
        return pieces, spans

    # ---------------------------------------------------------------- __call__
    def __call__(
        self,
        text,
        text_pair=None,
        add_special_tokens: bool = True,
        padding=False,
        truncation=None,
        max_length: int | None = None,
        pad_to_multiple_of: int | None = None,
        return_tensors: str | None = None,
        return_token_type_ids: bool | None = None,
        return_attention_mask: bool | None = None,
        return_special_tokens_mask: bool = False,
        return_offsets_mapping: bool = False,
        return_length: bool = False,
        **unsupported,
    ) -> BatchEncoding:
        """Tokenize one text, a pair, or batches of them; HF's ``__call__`` semantics.

        Returns a :class:`BatchEncoding` with ``input_ids``, ``token_type_ids``, ``attention_mask`` (and
        ``special_tokens_mask``, ``offset_mapping``, ``length`` on request); ``return_tensors="tf"`` gives
        int32 tensors, ``"np"`` int64 arrays, ``None`` lists.
        """
        if unsupported:
            raise TypeError(f"unsupported arguments: {sorted(unsupported)}")
        if padding not in _PADDING:
            raise ValueError(f"padding must be True, False, 'longest' or 'max_length', got {padding!r}")
        if truncation not in _TRUNCATION:
            raise ValueError("truncation must be True, False, 'longest_first', 'only_first' or "
                             f"'only_second', got {truncation!r}")
        if max_length is not None and padding is False and truncation is None:
            truncation = "longest_first"  # HF: max_length alone turns truncation on
        padding_strategy = _PADDING[padding]
        truncation_strategy = _TRUNCATION[truncation]
        if max_length is None:
            if padding_strategy == "max_length":
                if self.model_max_length > constants.LARGE_INTEGER:
                    padding_strategy = "do_not_pad"
                else:
                    max_length = self.model_max_length
            if truncation_strategy != "do_not_truncate":
                if self.model_max_length > constants.LARGE_INTEGER:
                    truncation_strategy = "do_not_truncate"
                else:
                    max_length = self.model_max_length
        if (truncation_strategy != "do_not_truncate" and padding_strategy != "do_not_pad"
                and pad_to_multiple_of is not None and max_length is not None
                and max_length % pad_to_multiple_of != 0):
            raise ValueError(f"truncation length ({max_length}) is not a multiple of "
                             f"pad_to_multiple_of ({pad_to_multiple_of})")
        if return_token_type_ids is None:
            return_token_type_ids = True
        if return_attention_mask is None:
            return_attention_mask = True

        batched = isinstance(text, (list, tuple))
        if batched:
            if text_pair is not None and not isinstance(text_pair, (list, tuple)):
                raise TypeError("text is a batch, so text_pair must be a batch (list) of the same length")
            if len(text) == 0:
                raise ValueError("empty batch: text is an empty list")
            if text_pair is not None and len(text_pair) != len(text):
                raise ValueError(f"text has {len(text)} items but text_pair has {len(text_pair)}")
            firsts = list(text)
            seconds = list(text_pair) if text_pair is not None else [None] * len(firsts)
        else:
            if isinstance(text_pair, (list, tuple)):
                raise TypeError("text is a single string, so text_pair must be a single string too")
            firsts, seconds = [text], [text_pair]

        rows = []
        for i, (a, b) in enumerate(zip(firsts, seconds)):
            a = _as_text(a, f"text[{i}]" if batched else "text")
            b = None if b is None else _as_text(b, f"text_pair[{i}]" if batched else "text_pair")
            rows.append(self._prepare(a, b, add_special_tokens, truncation_strategy, max_length,
                                      return_special_tokens_mask, return_offsets_mapping))

        if padding_strategy == "longest":
            target = max(len(r["input_ids"]) for r in rows)
        elif padding_strategy == "max_length":
            target = max_length
        else:
            target = None
        if target is not None and pad_to_multiple_of and target % pad_to_multiple_of:
            target = (target // pad_to_multiple_of + 1) * pad_to_multiple_of
        out = {}
        for r in rows:
            n = len(r["input_ids"])
            diff = 0 if target is None or n >= target else target - n
            fields = {"input_ids": r["input_ids"] + [self.pad_token_id] * diff}
            if return_token_type_ids:
                fields["token_type_ids"] = r["token_type_ids"] + [self.pad_token_type_id] * diff
            if return_attention_mask:
                fields["attention_mask"] = [1] * n + [0] * diff
            if return_special_tokens_mask:
                fields["special_tokens_mask"] = r["special_tokens_mask"] + [1] * diff
            if return_offsets_mapping:
                fields["offset_mapping"] = r["offset_mapping"] + [(0, 0)] * diff
            if return_length:
                fields["length"] = n  # HF reports the unpadded length
            for k, v in fields.items():
                out.setdefault(k, []).append(v)
        if not batched:
            out = {k: v[0] for k, v in out.items()}
        enc = BatchEncoding(out)
        if return_tensors is not None:
            if not batched:
                enc = BatchEncoding({k: [v] for k, v in enc.items()})
            enc.convert_to_tensors(return_tensors)
        return enc

    def _prepare(self, a, b, add_special_tokens, truncation_strategy, max_length, want_special, want_offsets):
        if want_offsets:
            a_pieces, a_spans = self._tokenize_with_offsets(a)
            ids_a = self.convert_tokens_to_ids(a_pieces)
            ids_b, b_spans = None, None
            if b is not None:
                b_pieces, b_spans = self._tokenize_with_offsets(b)
                ids_b = self.convert_tokens_to_ids(b_pieces)
        else:
            ids_a = self._text_to_ids(a)
            ids_b = None if b is None else self._text_to_ids(b)
        n_a, n_b = len(ids_a), (len(ids_b) if ids_b is not None else 0)
        total = n_a + n_b + (self.num_special_tokens_to_add(ids_b is not None) if add_special_tokens else 0)
        if truncation_strategy != "do_not_truncate" and max_length and total > max_length:
            keep_a, keep_b = _truncate(n_a, None if ids_b is None else n_b, total - max_length,
                                       truncation_strategy)
            ids_a = ids_a[:keep_a]
            if ids_b is not None:
                ids_b = ids_b[:keep_b]
        row = {}
        if add_special_tokens:
            row["input_ids"] = self.build_inputs_with_special_tokens(ids_a, ids_b)
            row["token_type_ids"] = self.create_token_type_ids_from_sequences(ids_a, ids_b)
            row["special_tokens_mask"] = self.get_special_tokens_mask(ids_a, ids_b)
        else:
            row["input_ids"] = ids_a + (ids_b or [])
            row["token_type_ids"] = [0] * len(row["input_ids"])
            row["special_tokens_mask"] = [0] * len(row["input_ids"])
        if want_offsets:
            spans_a = a_spans[:len(ids_a)]
            spans_b = b_spans[:len(ids_b)] if ids_b is not None else None
            if add_special_tokens:
                offsets = [(0, 0)] + spans_a + [(0, 0)]
                if spans_b is not None:
                    offsets += spans_b + [(0, 0)]
            else:
                offsets = spans_a + (spans_b or [])
            row["offset_mapping"] = offsets
        return row


def _truncate(n_a: int, n_b: int | None, remove: int, strategy: str) -> tuple[int, int | None]:
    """How many tokens of each sequence survive HF's ``truncate_sequences`` (right side)."""
    if strategy == "only_first" or (strategy == "longest_first" and n_b is None):
        return (n_a - remove, n_b) if n_a > remove else (n_a, n_b)  # HF only logs when it cannot
    if strategy == "longest_first":
        first = min(abs(n_b - n_a), remove)
        second = remove - first
        if n_a > n_b:
            cut_a, cut_b = first + second // 2, second - second // 2
        else:
            cut_a, cut_b = second // 2, first + second - second // 2
        return max(n_a - cut_a, 0), max(n_b - cut_b, 0)
    if strategy == "only_second" and n_b is not None:
        return (n_a, n_b - remove) if n_b > remove else (n_a, n_b)
    return n_a, n_b


def _split_piece_span(sp_model, p) -> list[tuple[str, tuple[int, int]]]:
    """A SentencePiece piece with its byte span; ``<digit>,`` pieces are re-split like HF, the comma
    getting the last character of the span and the rest shared by piece text length."""
    if not text_rules.is_digit_comma_piece(p.piece):
        return [(p.piece, (p.begin, p.end))]
    sub = text_rules.resplit_digit_comma(sp_model, p.piece)
    comma_start = p.end - len(p.surface[-1:].encode("utf-8"))
    out, cursor = [], p.begin
    for j, piece in enumerate(sub[:-1]):
        size = len(piece.replace(constants.SPIECE_UNDERLINE, "").encode("utf-8"))
        if j == 0 and piece.startswith(constants.SPIECE_UNDERLINE):
            size += len(p.surface.encode("utf-8")) - len(p.surface.lstrip().encode("utf-8"))
        end = comma_start if j == len(sub) - 2 else min(cursor + size, comma_start)
        out.append((piece, (cursor, end)))
        cursor = end
    out.append((sub[-1], (comma_start, p.end)))
    return out


def _segments_with_starts(text: str) -> Iterable[tuple[int, str]]:
    pos = 0
    for seg in text_rules.split_special(text):
        start = text.index(seg, pos)
        yield start, seg
        pos = start + len(seg)


def _extend_over_deleted(text: str, end: int) -> int:
    """Extend a span end over following combining characters (deleted by accent stripping)."""
    while end < len(text) and unicodedata.combining(text[end]):
        end += 1
    return end


def _per_char_preprocess(seg: str, do_lower_case: bool, remove_space: bool, keep_accents: bool) -> list[str]:
    """What each character of ``seg`` becomes in ``preprocess_text(seg)`` (concatenation equals it up to
    canonical reordering and final-sigma, which do not change lengths)."""
    n = len(seg)
    outs = list(seg)
    if remove_space:
        stripped = seg.strip()
        lead = len(seg) - len(seg.lstrip())
        tail = lead + len(stripped)
        for k in range(n):
            if outs[k].isspace():
                if k < lead or k >= tail or seg[k - 1].isspace():
                    outs[k] = ""
                else:
                    outs[k] = " "
    for quote in ("`", "'"):
        k = 0
        while k < n:
            if outs[k] == quote:
                j = k + 1
                while j < n and outs[j] == "":
                    j += 1  # deleted whitespace does not separate (never happens: it leaves one space)
                if j < n and outs[j] == quote:
                    outs[k], outs[j] = '"', ""
                    k = j + 1
                    continue
            k += 1
    if not keep_accents:
        outs = ["".join(c for c in unicodedata.normalize("NFKD", o) if not unicodedata.combining(c)) for o in outs]
    if do_lower_case:
        outs = [o.lower() for o in outs]
    return outs
