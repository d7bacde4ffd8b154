"""``AutoTokenizer``: transformers' entry point, for ALBERT checkpoints only.

It reads ``tokenizer_config.json`` (``tokenizer_class``) or ``config.json`` (``model_type``) and loads
:class:`AlbertTokenizerFast` (or :class:`AlbertTokenizer` with ``use_fast=False``); anything else fails with
a one-line error naming the model type, so code written against ``transformers.AutoTokenizer`` migrates.

Example:
    >>> from albert_tf import AutoTokenizer
    >>> tok = AutoTokenizer.from_pretrained("path/to/albert")  # doctest: +SKIP
    >>> type(tok).__name__  # doctest: +SKIP
    'AlbertTokenizerFast'
"""

from __future__ import annotations

import json
import os

from albert_tf.tokenization import constants
from albert_tf.tokenization.fast import AlbertTokenizerFast
from albert_tf.tokenization.tokenizer import AlbertTokenizer

_ALBERT_CLASSES = ("AlbertTokenizer", "AlbertTokenizerFast")


def _json_field(path: str, field: str):
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            value = json.load(f)
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON (line {err.lineno}: {err.msg})") from None
    return value.get(field) if isinstance(value, dict) else None


class AutoTokenizer:
    """Loads the ALBERT tokenizer of a checkpoint directory (or hub id); see the module docstring."""

    def __init__(self):
        raise EnvironmentError("AutoTokenizer is instantiated with AutoTokenizer.from_pretrained(path)")

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *inputs, use_fast: bool = True, **kwargs):
        """The tokenizer saved at ``pretrained_model_name_or_path``; ``kwargs`` as for
        :meth:`AlbertTokenizer.from_pretrained`."""
        path = os.fspath(pretrained_model_name_or_path)
        if not os.path.exists(path):
            path = AlbertTokenizer._download(path)
        target = AlbertTokenizerFast if use_fast else AlbertTokenizer
        if os.path.isfile(path):
            return target.from_pretrained(path, *inputs, **kwargs)
        tokenizer_class = _json_field(os.path.join(path, constants.TOKENIZER_CONFIG_FILE), "tokenizer_class")
        model_type = _json_field(os.path.join(path, "config.json"), "model_type")
        if tokenizer_class in _ALBERT_CLASSES or model_type == "albert" or (
                tokenizer_class is None and model_type is None
                and os.path.isfile(os.path.join(path, constants.VOCAB_FILE_NAME))):
            return target.from_pretrained(path, *inputs, **kwargs)
        raise ValueError(
            f"{pretrained_model_name_or_path}: model_type {model_type!r} (tokenizer_class {tokenizer_class!r}) is "
            "not supported: albert-tf's AutoTokenizer only loads ALBERT tokenizers (model_type 'albert')")
