"""``BatchEncoding``: the dict returned by :class:`~albert_tf.tokenization.AlbertTokenizer`.

A plain ``dict`` subclass (so ``model(**enc)``, ``model(enc)``, ``tf.nest`` and ``keras.tree`` all see a
dict) that also allows attribute access, like HF's class. From
:class:`~albert_tf.tokenization.AlbertTokenizerFast` it also has HF's fast-tokenizer alignment API
(``word_ids``, ``sequence_ids``, ``char_to_token``, ...) over one :class:`Encoding` per row; from the slow
tokenizer those methods raise HF's errors.

Example:
    >>> enc = BatchEncoding({"input_ids": [[2, 10, 3]]})
    >>> enc.input_ids == enc["input_ids"]
    True
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np


def to_py_obj(obj):
    """Tensors / arrays (TF, NumPy, PyTorch, JAX) -> nested Python lists and ints, anything else unchanged."""
    if isinstance(obj, Mapping):
        return {k: to_py_obj(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_py_obj(o) for o in obj]
    if hasattr(obj, "numpy") and not isinstance(obj, np.ndarray):  # tf / torch tensors
        obj = obj.detach().cpu().numpy() if hasattr(obj, "detach") else obj.numpy()
    if isinstance(obj, (np.ndarray, np.number)) or type(obj).__module__.startswith("jax"):
        return np.asarray(obj).tolist()
    return obj


_TENSOR_TYPES = ("tf", "np", "pt", "jax")


class TokenSpan(NamedTuple):
    """Tokens ``[start, end)`` of one encoding (HF's ``TokenSpan``)."""

    start: int
    end: int


class CharSpan(NamedTuple):
    """Characters ``[start, end)`` of the original text (HF's ``CharSpan``)."""

    start: int
    end: int


@dataclass
class Encoding:
    """One row of a fast tokenizer's output with its alignment: the attributes and lookups of
    ``tokenizers.Encoding`` that HF's ``BatchEncoding`` reads. Special and padding tokens have ``None`` as
    word and sequence, and ``(0, 0)`` as offsets."""

    ids: list
    type_ids: list
    tokens: list
    offsets: list
    word_ids: list
    sequence_ids: list
    attention_mask: list
    special_tokens_mask: list
    overflowing: list = field(default_factory=list)

    @property
    def words(self) -> list:
        return self.word_ids

    @property
    def n_sequences(self) -> int:
        return len({s for s in self.sequence_ids if s is not None}) or 1

    def __len__(self) -> int:
        return len(self.ids)

    def _sequence_range(self, sequence_index: int) -> range:
        # tokenizers: the tokens of that sequence, or every token when the encoding has no such sequence.
        where = [i for i, s in enumerate(self.sequence_ids) if s == sequence_index]
        return range(where[0], where[-1] + 1) if where else range(len(self.ids))

    def token_to_sequence(self, token_index: int):
        return self.sequence_ids[token_index] if 0 <= token_index < len(self.ids) else None

    def token_to_word(self, token_index: int):
        return self.word_ids[token_index] if 0 <= token_index < len(self.ids) else None

    def token_to_chars(self, token_index: int):
        return tuple(self.offsets[token_index]) if 0 <= token_index < len(self.ids) else None

    def word_to_tokens(self, word_index: int, sequence_index: int = 0):
        hits = [i for i in self._sequence_range(sequence_index) if self.word_ids[i] == word_index]
        return (hits[0], hits[-1] + 1) if hits else None

    def word_to_chars(self, word_index: int, sequence_index: int = 0):
        span = self.word_to_tokens(word_index, sequence_index)
        return None if span is None else (self.offsets[span[0]][0], self.offsets[span[1] - 1][1])

    def char_to_token(self, char_pos: int, sequence_index: int = 0):
        return next((i for i in self._sequence_range(sequence_index)
                     if self.offsets[i][0] <= char_pos < self.offsets[i][1]), None)

    def char_to_word(self, char_pos: int, sequence_index: int = 0):
        token = self.char_to_token(char_pos, sequence_index)
        return None if token is None else self.word_ids[token]


def _fast_only(method: str, python_based: bool = False) -> str:
    if python_based:
        return f"{method}() is not available when using Python based tokenizers"
    return f"{method}() is not available when using non-fast tokenizers (e.g. instance of a `XxxTokenizerFast` class)."


class BatchEncoding(dict):
    """Dict of model inputs with attribute access (``enc.input_ids``); HF's ``BatchEncoding``.

    ``tensor_type`` converts on construction, ``prepend_batch_axis`` wraps a single encoding in a batch of
    one first.
    """

    def __init__(self, data=None, encoding=None, tensor_type=None, prepend_batch_axis: bool = False,
                 n_sequences=None):
        super().__init__(data or {})
        # A list of Encoding, or a function that makes it (a fast tokenizer defers the work to first use).
        self._encodings = encoding
        self._n_sequences = n_sequences
        self.convert_to_tensors(tensor_type, prepend_batch_axis=prepend_batch_axis)

    def __getattr__(self, name):
        if name.startswith("__") or name in ("_n_sequences", "_encodings"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"BatchEncoding has no field {name!r}; fields: {sorted(self)}") from None

    def __getitem__(self, item):
        """A field by name; with an int, that row's :class:`Encoding` (HF's ``BatchEncoding[i]``)."""
        if isinstance(item, int) and not isinstance(item, bool):
            if self._encodings_or_none() is None:
                raise KeyError("indexing a BatchEncoding with an int needs a fast tokenizer's encoding; "
                               f"fields: {sorted(self)}")
            return self._encodings[item]
        return super().__getitem__(item)

    def __getstate__(self):
        return {"data": dict(self), "n_sequences": self.__dict__.get("_n_sequences"),
                "encodings": self._encodings_or_none()}

    def __setstate__(self, state):
        if "data" in state and set(state) <= {"data", "n_sequences", "encodings"}:
            self.update(state["data"])
            self._n_sequences = state.get("n_sequences")
            self._encodings = state.get("encodings")
        else:  # pickles from before n_sequences was kept
            self.update(state)

    def __reduce__(self):
        return (BatchEncoding, (), self.__getstate__())

    @property
    def data(self) -> dict:
        """The fields as a plain dict (HF's ``BatchEncoding.data``)."""
        return dict(self)

    def _encodings_or_none(self):
        encodings = self.__dict__.get("_encodings")
        if callable(encodings):  # deferred by the tokenizer until first asked for
            encodings = self._encodings = encodings()
        return encodings

    @property
    def is_fast(self) -> bool:
        """True when a fast tokenizer made this encoding (it then has :attr:`encodings`)."""
        return self.__dict__.get("_encodings") is not None

    @property
    def encodings(self):
        """One :class:`Encoding` per row (fast tokenizer), else ``None``."""
        return self._encodings_or_none()

    # ---------------------------------------------------------------- alignment (HF's fast-tokenizer API)
    def _row(self, method: str, batch_index: int, python_based: bool = False) -> Encoding:
        encodings = self._encodings_or_none()
        if encodings is None:
            raise ValueError(_fast_only(method, python_based))
        return encodings[batch_index]

    def _indices(self, method: str, batch_or_index: int, index):
        """HF's convention: ``f(i)`` means row 0, position ``i``; ``f(b, i)`` row ``b``; negatives count
        from the end."""
        encodings = self._encodings_or_none()
        if encodings is None:
            raise ValueError(_fast_only(method, python_based=True))
        batch, index = (0, batch_or_index) if index is None else (batch_or_index, index)
        if batch < 0:
            batch += len(encodings)
        return encodings[batch], index

    def tokens(self, batch_index: int = 0) -> list:
        """The token strings of row ``batch_index``."""
        return self._row("tokens", batch_index).tokens

    def sequence_ids(self, batch_index: int = 0) -> list:
        """Per token: 0 (first sequence), 1 (second) or ``None`` (special and padding tokens)."""
        return self._row("sequence_ids", batch_index).sequence_ids

    def word_ids(self, batch_index: int = 0) -> list:
        """Per token: the index of its word in its sequence, ``None`` for special and padding tokens."""
        return self._row("word_ids", batch_index).word_ids

    def words(self, batch_index: int = 0) -> list:
        """Deprecated name of :meth:`word_ids`."""
        encoding = self._row("words", batch_index)
        warnings.warn("`BatchEncoding.words()` property is deprecated and should be replaced with the identical, "
                      "but more self-explanatory `BatchEncoding.word_ids()` property.", FutureWarning)
        return encoding.word_ids

    def token_to_sequence(self, batch_or_token_index: int, token_index: int | None = None):
        encoding, token_index = self._indices("token_to_sequence", batch_or_token_index, token_index)
        return encoding.token_to_sequence(token_index + len(encoding) if token_index < 0 else token_index)

    def token_to_word(self, batch_or_token_index: int, token_index: int | None = None):
        encoding, token_index = self._indices("token_to_word", batch_or_token_index, token_index)
        return encoding.token_to_word(token_index + len(encoding) if token_index < 0 else token_index)

    def word_to_tokens(self, batch_or_word_index: int, word_index: int | None = None, sequence_index: int = 0):
        encoding, word_index = self._indices("word_to_tokens", batch_or_word_index, word_index)
        span = encoding.word_to_tokens(word_index, sequence_index)
        return None if span is None else TokenSpan(*span)

    def token_to_chars(self, batch_or_token_index: int, token_index: int | None = None):
        encoding, token_index = self._indices("token_to_chars", batch_or_token_index, token_index)
        span = encoding.token_to_chars(token_index + len(encoding) if token_index < 0 else token_index)
        return None if span is None else CharSpan(*span)

    def char_to_token(self, batch_or_char_index: int, char_index: int | None = None, sequence_index: int = 0):
        encoding, char_index = self._indices("char_to_token", batch_or_char_index, char_index)
        return encoding.char_to_token(char_index, sequence_index)

    def word_to_chars(self, batch_or_word_index: int, word_index: int | None = None, sequence_index: int = 0):
        encoding, word_index = self._indices("word_to_chars", batch_or_word_index, word_index)
        span = encoding.word_to_chars(word_index, sequence_index)
        return None if span is None else CharSpan(*span)

    def char_to_word(self, batch_or_char_index: int, char_index: int | None = None, sequence_index: int = 0):
        encoding, char_index = self._indices("char_to_word", batch_or_char_index, char_index)
        return encoding.char_to_word(char_index, sequence_index)

    @property
    def n_sequences(self):
        if self.__dict__.get("_n_sequences") is None and self.__dict__.get("_encodings") is not None:
            encodings = self._encodings_or_none()
            return encodings[0].n_sequences if encodings else None
        return self.__dict__.get("_n_sequences")

    def to(self, device) -> "BatchEncoding":
        """Move PyTorch tensors to ``device`` (HF's ``BatchEncoding.to``); other values are left as they are."""
        for key, value in self.items():
            if hasattr(value, "to") and callable(value.to):
                self[key] = value.to(device)
        return self

    def convert_to_tensors(self, tensor_type: str | None = None, prepend_batch_axis: bool = False) -> "BatchEncoding":
        """Convert every field in place, with HF's dtypes: ``"tf"`` (int32 ids), ``"np"`` (int64 arrays),
        ``"pt"`` (torch int64), ``"jax"`` (int32 unless JAX's x64 mode is on), or leave Python lists
        (``None``); see :func:`_converter`. Fields already of the requested type are kept. Ragged (unpadded)
        batches cannot become tensors. Only ``"tf"`` needs TensorFlow."""
        if tensor_type is None:
            return self
        tensor_type = getattr(tensor_type, "value", tensor_type)  # HF's TensorType enum
        if tensor_type not in _TENSOR_TYPES:
            raise ValueError(f"return_tensors must be one of {_TENSOR_TYPES} or None, got {tensor_type!r}")
        convert, is_tensor = _converter(tensor_type)
        for key, value in list(self.items()):
            if prepend_batch_axis:
                value = [value]
            if is_tensor(value):
                continue
            from_python = not isinstance(value, np.ndarray)  # HF keeps an array's dtype
            self[key] = convert(_rectangular(key, value) if from_python else value, from_python)
        return self


def _rectangular(key, value) -> np.ndarray:
    """Nested lists (possibly holding tensors) as one numpy array; ragged nesting is an error."""
    try:
        array = np.asarray(value)  # fast for the tokenizers' lists of ints
        if array.dtype != object:
            return array
    except (ValueError, TypeError):  # ragged, or tensors numpy cannot read (e.g. on a GPU)
        pass
    try:
        return np.asarray(to_py_obj(value))
    except ValueError as err:
        raise ValueError(
            f"cannot make a tensor of {key!r}: sequences have different lengths; "
            "use padding=True (or 'max_length') and/or truncation=True"
        ) from err


def _python_dtype(array: np.ndarray, ints, floats):
    """The dtype a framework gives Python values (HF converts the Python lists): ``ints`` / ``floats``.
    Numpy reads Python ints as int64 and floats as float64; other dtypes came from numpy values inside the
    lists, which HF keeps (None: as it is). Converting from the array is much faster than from the lists,
    with the same result."""
    if array.size == 0:
        return ints
    return {np.dtype(np.int64): ints, np.dtype(np.float64): floats}.get(array.dtype)


def _converter(tensor_type: str):
    """(convert(numpy array, came from Python lists) -> tensor, is-already-that-tensor) for ``tensor_type``,
    with the dtypes of HF's ``convert_to_tensors``: Python ints become int64 for numpy and torch, int32
    for TF (int64 when a value needs it) and JAX (int64 in x64 mode), Python floats float32 (numpy:
    float64); an array keeps its dtype (JAX: as far as its mode allows); empty fields are integers."""
    if tensor_type == "np":
        return (lambda a, py: a.astype(np.int64) if py and a.size == 0 else a), (lambda v: isinstance(v, np.ndarray))
    need = {"tf": "tensorflow", "pt": "torch", "jax": "jax"}[tensor_type]
    try:
        if tensor_type == "tf":
            import tensorflow as tf

            def to_tf(array, from_python):
                dtype = _python_dtype(array, np.int32, np.float32) if from_python else None
                if dtype is np.int32 and array.size and (array.min() < -2**31 or array.max() >= 2**31):
                    dtype = np.int64  # as tf.constant does with Python ints beyond int32
                return tf.constant(array if dtype is None else array.astype(dtype))

            return to_tf, tf.is_tensor
        if tensor_type == "pt":
            import torch

            def to_torch(array, from_python):
                if not from_python:
                    return torch.tensor(array)  # a copy, as HF's
                dtype = _python_dtype(array, np.int64, np.float32)
                return torch.from_numpy(np.ascontiguousarray(array if dtype is None else array.astype(dtype)))

            return to_torch, torch.is_tensor
        import jax
        import jax.numpy as jnp

        # jnp.array gives an int64/float64 array and the Python values the same dtype (x64 mode or not).
        return ((lambda a, py: jnp.array(a.astype(np.int64) if py and a.size == 0 else a)),
                (lambda v: isinstance(v, jax.Array)))
    except ImportError:
        raise ImportError(f"return_tensors={tensor_type!r} needs {need}, which is not installed") from None


def _register_with_keras_tree() -> None:
    # Keras 3 flattens inputs with optree in its own namespace; an unregistered dict subclass would be a
    # leaf there, so `model(enc)` would not see the fields.
    try:
        import optree
    except ImportError:
        return
    try:
        optree.register_pytree_node(
            BatchEncoding,
            lambda enc: (tuple(enc[k] for k in sorted(enc)), tuple(sorted(enc)), tuple(sorted(enc))),
            lambda keys, values: BatchEncoding(zip(keys, values)),
            namespace="keras",
        )
    except ValueError:
        pass  # already registered (module reloaded)


_register_with_keras_tree()
