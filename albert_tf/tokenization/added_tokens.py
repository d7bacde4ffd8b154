"""Special and added tokens with Hugging Face's slow-tokenizer semantics (``SpecialTokensMixin`` and the
added-token half of ``PreTrainedTokenizer``).

``add_tokens`` / ``add_special_tokens`` append tokens after the SentencePiece vocabulary (``len(tokenizer)``
counts them), the ``*_token`` / ``*_token_id`` attributes are settable, and ``tokenize`` keeps added tokens
whole and applies their ``lstrip`` / ``rstrip`` / ``single_word`` rules, exactly like HF's slow tokenizer.

Example:
    >>> from albert_tf.tokenization import AlbertTokenizer
    >>> tok = AlbertTokenizer.from_pretrained("path/to/dir")  # doctest: +SKIP
    >>> tok.add_tokens(["<new>"]), len(tok) == tok.vocab_size + 1  # doctest: +SKIP
    (1, True)
"""

from __future__ import annotations

import logging
import re

# Warnings are logged under HF's logger name on purpose: code migrating from transformers silences or
# captures them through that name (``transformers.logging.set_verbosity_error()``, ``assertLogs``).
logger = logging.getLogger("transformers.tokenization_utils_base")

try:  # HF's own AddedToken is the tokenizers one; use it when present so both libraries share objects.
    from tokenizers import AddedToken
except ImportError:  # pragma: no cover - exercised where tokenizers is absent

    class AddedToken:
        """A token with matching rules: ``lstrip`` / ``rstrip`` eat neighbouring spaces, ``single_word``
        only matches whole words, ``normalized`` tokens are lowercased with the text."""

        def __init__(self, content: str, single_word=False, lstrip=False, rstrip=False, special=False,
                     normalized=None):
            self.content = content
            self.single_word, self.lstrip, self.rstrip, self.special = single_word, lstrip, rstrip, special
            self.normalized = normalized if normalized is not None else not special

        def __getstate__(self):
            return {"content": self.content, "single_word": self.single_word, "lstrip": self.lstrip,
                    "rstrip": self.rstrip, "normalized": self.normalized, "special": self.special}

        def __setstate__(self, state):
            self.__dict__.update(state)

        def __str__(self):
            return self.content

        def __repr__(self):
            flags = ", ".join(f"{k}={v}" for k, v in self.__getstate__().items() if k != "content")
            return f"AddedToken({self.content!r}, {flags})"

        def __eq__(self, other):
            return isinstance(other, AddedToken) and self.__getstate__() == other.__getstate__()

        def __hash__(self):
            return hash(self.content)


class SpecialTokenValueError(ValueError, AssertionError):
    """A bad ``add_special_tokens`` value. HF checks it with ``assert`` (AssertionError); this is also a
    ValueError, so code migrating from transformers and code expecting a ValueError both catch it."""


SPECIAL_TOKENS_ATTRIBUTES = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token",
                             "mask_token", "additional_special_tokens")


def _is_token(value) -> bool:
    return isinstance(value, (str, AddedToken))


def _token_property(name: str):
    def get(self):
        value = self._special_tokens_map.get(name)
        if value is None:
            if self.verbose:
                logger.error("Using %s, but it is not set yet.", name)
            return None
        return str(value)

    def set_(self, value):
        if value is not None and not _is_token(value):
            raise ValueError(f"Cannot set a non-string value as the {name}")
        self._special_tokens_map[name] = value

    def get_id(self):
        token = get(self)
        return None if token is None else self.convert_tokens_to_ids(token)

    def set_id(self, value):
        set_(self, None if value is None else self.convert_ids_to_tokens(value))

    return property(get, set_, doc=f"HF's ``{name}``."), property(get_id, set_id, doc=f"HF's ``{name}_id``.")


class SpecialTokensMixin:
    """Special-token attributes, added tokens and HF's slow ``tokenize``. Subclasses provide ``vocab_size``,
    ``get_vocab``, ``_tokenize``, ``_convert_token_to_id`` and ``_convert_id_to_token``."""

    SPECIAL_TOKENS_ATTRIBUTES = list(SPECIAL_TOKENS_ATTRIBUTES)
    split_special_tokens = False

    def _init_special_tokens(self, special_tokens: dict, added_tokens_decoder: dict | None, verbose=False):
        self.verbose = verbose
        self._special_tokens_map = dict.fromkeys(SPECIAL_TOKENS_ATTRIBUTES)
        self._special_tokens_map["additional_special_tokens"] = []
        for key, value in special_tokens.items():
            if value is None:
                continue
            if key == "additional_special_tokens":
                if not isinstance(value, (list, tuple)) or not all(_is_token(t) for t in value):
                    raise TypeError("additional_special_tokens must be a list of str or AddedToken")
                self._special_tokens_map[key] = list(value)
            elif _is_token(value):
                self._special_tokens_map[key] = value
            else:
                raise TypeError(f"Special token {key} has to be either str or AddedToken but got: {type(value)}")
        self._added_tokens_decoder = {}
        for index, token in (added_tokens_decoder or {}).items():
            self._added_tokens_decoder[int(index)] = token if isinstance(token, AddedToken) else AddedToken(
                token, special=True, normalized=False)
        self._added_tokens_encoder = {t.content: i for i, t in self._added_tokens_decoder.items()}
        self._patterns = {}
        # Special tokens not yet known become added tokens (in vocab ones are just marked), as HF does.
        self._add_tokens([t for t in self.all_special_tokens_extended if str(t) not in self._added_tokens_encoder],
                         special_tokens=True)

    bos_token, bos_token_id = _token_property("bos_token")
    eos_token, eos_token_id = _token_property("eos_token")
    unk_token, unk_token_id = _token_property("unk_token")
    sep_token, sep_token_id = _token_property("sep_token")
    pad_token, pad_token_id = _token_property("pad_token")
    cls_token, cls_token_id = _token_property("cls_token")
    mask_token, mask_token_id = _token_property("mask_token")

    @property
    def additional_special_tokens(self) -> list[str] | None:
        """The extra special tokens as strings; None once set to None (HF keeps the unset state too)."""
        value = self._special_tokens_map["additional_special_tokens"]
        if value is None:
            if self.verbose:
                logger.error("Using additional_special_tokens, but it is not set yet.")
            return None
        return [str(t) for t in value]

    @additional_special_tokens.setter
    def additional_special_tokens(self, value):
        self._special_tokens_map["additional_special_tokens"] = None if value is None else list(value)

    @property
    def additional_special_tokens_ids(self) -> list[int] | None:
        return self.convert_tokens_to_ids(self.additional_special_tokens)

    @additional_special_tokens_ids.setter
    def additional_special_tokens_ids(self, ids):
        self.additional_special_tokens = None if ids is None else [self.convert_ids_to_tokens(i) for i in ids]

    pad_token_type_id = 0

    @property
    def special_tokens_map(self) -> dict:
        """``{"unk_token": "<unk>", ...}``: the set special tokens as strings."""
        out = {}
        for attr in SPECIAL_TOKENS_ATTRIBUTES:
            value = getattr(self, attr)
            if value:
                out[attr] = value
        return out

    @property
    def special_tokens_map_extended(self) -> dict:
        """Like :attr:`special_tokens_map`, keeping ``AddedToken`` objects."""
        return {k: v for k, v in self._special_tokens_map.items() if v}

    @property
    def all_special_tokens_extended(self) -> list:
        out, seen = [], set()
        for value in self.special_tokens_map_extended.values():
            for token in value if isinstance(value, (list, tuple)) else [value]:
                if str(token) not in seen:
                    seen.add(str(token))
                    out.append(token)
        return out

    @property
    def all_special_tokens(self) -> list[str]:
        return [str(t) for t in self.all_special_tokens_extended]

    @property
    def all_special_ids(self) -> list[int]:
        return self.convert_tokens_to_ids(self.all_special_tokens)

    # ---------------------------------------------------------------- added tokens
    @property
    def added_tokens_encoder(self) -> dict[str, int]:
        return {t.content: i for i, t in sorted(self._added_tokens_decoder.items())}

    @property
    def added_tokens_decoder(self) -> dict:
        return dict(sorted(self._added_tokens_decoder.items()))

    def get_added_vocab(self) -> dict[str, int]:
        return self._added_tokens_encoder

    def __len__(self) -> int:
        return len(self.get_vocab())

    def add_special_tokens(self, special_tokens_dict: dict, replace_additional_special_tokens: bool = True) -> int:
        """Set special tokens (``{"pad_token": "[PAD]", "additional_special_tokens": [...]}``), adding those
        not in the vocabulary; returns how many were added."""
        if not special_tokens_dict:
            return 0
        to_add = []
        for key, value in special_tokens_dict.items():
            if key not in SPECIAL_TOKENS_ATTRIBUTES:
                raise ValueError(f"Key {key} is not a special token; use one of {list(SPECIAL_TOKENS_ATTRIBUTES)}")
            if key == "additional_special_tokens":
                if not isinstance(value, (list, tuple)) or not all(_is_token(t) for t in value):
                    raise SpecialTokenValueError(
                        f"Tokens {value} for key {key} should all be str or AddedToken instances")
                new = []
                for token in value:
                    if isinstance(token, str):
                        token = AddedToken(token, rstrip=False, lstrip=False, normalized=False, special=True)
                    if not replace_additional_special_tokens and str(token) in self.additional_special_tokens:
                        continue
                    new.append(token)
                if replace_additional_special_tokens and new:
                    self._special_tokens_map[key] = list(new)
                else:
                    self._special_tokens_map[key] = (self._special_tokens_map[key] or []) + new
                to_add += new
            else:
                if not _is_token(value):
                    raise ValueError(f"Token {value} for key {key} should be a str or an AddedToken instance")
                if isinstance(value, str):
                    value = AddedToken(value, rstrip=False, lstrip=False, normalized=False, special=True)
                self._special_tokens_map[key] = value
                if value not in to_add:
                    to_add.append(value)
        return self.add_tokens(to_add, special_tokens=True)

    def add_tokens(self, new_tokens, special_tokens: bool = False) -> int:
        """Add token(s) (str or ``AddedToken``) after the vocabulary; returns how many are new."""
        if not new_tokens:
            return 0
        if not isinstance(new_tokens, (list, tuple)):
            new_tokens = [new_tokens]
        return self._add_tokens(new_tokens, special_tokens=special_tokens)

    def _add_tokens(self, new_tokens, special_tokens: bool = False) -> int:
        added = 0
        vocab = dict(self.get_vocab())
        next_id = len(vocab)
        for token in new_tokens:
            if not _is_token(token):
                raise TypeError(f"Token {token} is not a string but a {type(token)}.")
            if str(token) == "":
                continue
            if isinstance(token, str):
                if token in self._added_tokens_encoder:
                    continue
                special = token in self.all_special_tokens or special_tokens
                token = AddedToken(token, rstrip=False, lstrip=False, normalized=not special, special=special)
            elif special_tokens:
                token.__setstate__({"special": True, "normalized": token.normalized})
            if token in self._added_tokens_decoder.values():
                continue
            if not token.special and token.normalized and getattr(self, "do_lower_case", False):
                token.content = token.content.lower()
            if token.content in vocab:
                index = vocab[token.content]
            else:
                index = next_id + added
                vocab[token.content] = index
                added += 1
            if token.special and str(token) not in self.all_special_tokens:
                self._special_tokens_map["additional_special_tokens"] = (
                    self._special_tokens_map["additional_special_tokens"] or []) + [token]
            self._added_tokens_decoder[index] = token
            self._added_tokens_encoder[token.content] = index
            if self.verbose:
                logger.info("Adding %s to the vocabulary", token)
        self._patterns = {}
        return added

    # ---------------------------------------------------------------- tokenize
    def _pattern(self, kind: str, tokens: list[str]):
        key = (kind, tuple(tokens))
        if key not in self._patterns:
            alternatives = "|".join(re.escape(t) for t in tokens)
            self._patterns = {k: v for k, v in self._patterns.items() if k[0] != kind}
            self._patterns[key] = re.compile(alternatives) if alternatives else None
        return self._patterns[key]

    def _kept_pattern(self):
        """What HF's lowercasing pass leaves alone: special tokens and normalized non-special added tokens
        (None when there are none)."""
        keep = self.all_special_tokens + [t.content for t in self._added_tokens_decoder.values()
                                          if not t.special and t.normalized]
        return self._pattern("lower", keep)

    def _lowercase_outside_tokens(self, text: str) -> str:
        """HF's lowercasing pass: character by character outside :meth:`_kept_pattern`."""
        pattern = self._kept_pattern()
        if pattern is None:
            return "".join(c.lower() for c in text)
        out, pos = [], 0
        for match in pattern.finditer(text):
            out.append("".join(c.lower() for c in text[pos:match.start()]))
            out.append(match.group())
            pos = match.end()
        out.append("".join(c.lower() for c in text[pos:]))
        return "".join(out)

    def _split_added(self, text: str, split_special_tokens: bool = False) -> list[tuple[int, int, bool]]:
        """``(start, end, is_added_token)`` spans of ``text`` after HF's added-token split and strip rules
        (longest match first; stripped whitespace is left out of the neighbouring spans)."""
        pattern = None if split_special_tokens else self._pattern(
            "split", sorted(self._added_tokens_encoder, key=len, reverse=True))
        spans, pos = [], 0
        for match in pattern.finditer(text) if pattern is not None else ():
            spans.append([pos, match.start(), False])
            spans.append([match.start(), match.end(), True])
            pos = match.end()
        spans.append([pos, len(text), False])
        spans = [s for s in spans if s[1] > s[0] or s[2]]
        for i, (start, end, added) in enumerate(spans):
            if not added:
                continue
            token = self._added_tokens_decoder[self._added_tokens_encoder[text[start:end]]]
            left = spans[i - 1] if i > 0 and not spans[i - 1][2] else None
            right = spans[i + 1] if i + 1 < len(spans) and not spans[i + 1][2] else None
            if token.rstrip and right and right[1] > right[0]:
                right[0] += len(text[right[0]:right[1]]) - len(text[right[0]:right[1]].lstrip())
            if token.lstrip and left and left[1] > left[0]:
                left[1] = left[0] + len(text[left[0]:left[1]].rstrip())
            if token.single_word and left and left[1] > left[0] and text[left[1] - 1] != " ":
                left[1], spans[i][1], spans[i][2] = end, end, False
                spans[i][0] = end
            elif token.single_word and right and right[1] > right[0] and text[right[0]] != " ":
                right[0], spans[i][2] = start, False
                spans[i][1] = start
        return [(s, e, a) for s, e, a in spans if e > s]

    def tokenize(self, text: str, **kwargs) -> list[str]:
        """Text -> tokens: added tokens kept whole, the rest through the model (HF's slow ``tokenize``)."""
        split_special_tokens = kwargs.pop("split_special_tokens", self.split_special_tokens)
        text, kwargs = self.prepare_for_tokenization(text, **kwargs)
        if kwargs:
            logger.warning("Keyword arguments %s not recognized.", kwargs)
        if getattr(self, "do_lower_case", False):
            text = self._lowercase_outside_tokens(text)
        tokens = []
        for start, end, added in self._split_added(text, split_special_tokens):
            if added:
                tokens.append(text[start:end])
            else:
                tokens.extend(self._tokenize(text[start:end]))
        return tokens

    def prepare_for_tokenization(self, text: str, is_split_into_words: bool = False, **kwargs):
        """HF's hook: returns ``(text, unused_kwargs)``."""
        return text, kwargs

    # ---------------------------------------------------------------- ids <-> tokens
    def convert_tokens_to_ids(self, tokens):
        """Token(s) -> id(s); unknown tokens give ``unk_token_id``."""
        if tokens is None:
            return None
        if isinstance(tokens, str):
            return self._token_to_id(tokens)
        return [self._token_to_id(t) for t in tokens]

    def _token_to_id(self, token):
        if token is None:
            return None
        index = self._added_tokens_encoder.get(token)
        return index if index is not None else self._convert_token_to_id(token)

    def convert_ids_to_tokens(self, ids, skip_special_tokens: bool = False):
        """Id(s) -> token(s), added tokens included."""
        if isinstance(ids, int) or hasattr(ids, "__index__") and not hasattr(ids, "__len__"):
            index = int(ids)
            token = self._added_tokens_decoder.get(index)
            return token.content if token is not None else self._convert_id_to_token(index)
        special = set(self.all_special_ids) if skip_special_tokens else ()
        out = []
        for index in ids:
            index = int(index)
            if index in special:
                continue
            token = self._added_tokens_decoder.get(index)
            out.append(token.content if token is not None else self._convert_id_to_token(index))
        return out
