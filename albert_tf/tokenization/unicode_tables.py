"""Where TF's Unicode tables differ from Python's (HF's behaviour is Python's), and the graph lookup
tables :class:`~albert_tf.tokenization.AlbertPreprocessor` uses to apply Python's result there."""

from __future__ import annotations

import functools
import sys

import tensorflow as tf
import tensorflow_text as tf_text


@functools.lru_cache(maxsize=None)
def tf_python_mismatches() -> tuple[dict[str, str], dict[str, str]]:
    """Characters whose TF lowercasing / NFKD differs from Python's, with Python's result.

    TF's ``tf.strings.lower`` and tensorflow-text's ICU use other Unicode versions than Python (and
    ``lower`` stops at NUL); HF's behaviour is Python's. Found by comparing every code point once.
    """
    code_points = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    chars = [chr(c) for c in code_points]
    encoded = tf.constant([c.encode("utf-8") for c in chars])
    tf_lower = tf.strings.lower(encoded, encoding="utf-8").numpy()
    tf_nfkd = tf_text.normalize_utf8(encoded, "NFKD").numpy()
    import unicodedata

    lower, nfkd = {}, {}
    for c, lo, nf in zip(chars, tf_lower, tf_nfkd):
        if c.lower().encode("utf-8") != lo:
            lower[c] = c.lower()
        py_nf = unicodedata.normalize("NFKD", c)
        if py_nf.encode("utf-8") != nf:
            nfkd[c] = py_nf
    return lower, nfkd


def static_map(mapping: dict[str, str]):
    """A string -> string graph table of ``mapping`` (None when empty); missing keys give ``""``."""
    if not mapping:
        return None
    keys = tf.constant([k.encode("utf-8") for k in mapping])
    values = tf.constant([v.encode("utf-8") for v in mapping.values()])
    # Values are never empty, so "" marks "no exception".
    return tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(keys, values), default_value="")
