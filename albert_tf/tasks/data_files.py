"""Reading fine-tuning data files: the one error type for unusable data (it names the file, the line and
the reason) and the helpers every reader shares.

Example:
    >>> str(DataFormatError("train.csv", 7, "empty 'text'"))
    "train.csv:7: empty 'text'"
"""

from __future__ import annotations

import os
from typing import Sequence

from albert_tf.utils.io import invalid_utf8


class DataFormatError(ValueError):
    """A data file cannot be used as is. ``path``, ``line`` (1-based, or None) and ``reason`` are kept."""

    def __init__(self, path: str | os.PathLike, line: int | None, reason: str):
        self.path = os.fspath(path)
        self.line = line
        self.reason = reason
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {reason}")


def check_readable(path: str | os.PathLike) -> str:
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"data file not found: {path}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"expected a data file, got a directory: {path}")
    return path


def open_text(path: str):
    """Opens UTF-8 text (a BOM is dropped); undecodable bytes become a DataFormatError naming the line."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataFormatError(path, *invalid_utf8(path)) from None


def require_examples(path: str, examples: Sequence) -> list:
    if not examples:
        raise DataFormatError(path, None, "the file holds no examples")
    return list(examples)
