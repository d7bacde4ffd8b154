"""The one error type for unusable fine-tuning data: it names the file, the line and the reason.

Example:
    >>> str(DataFormatError("train.csv", 7, "empty 'text'"))
    "train.csv:7: empty 'text'"
"""

from __future__ import annotations

import os


class DataFormatError(ValueError):
    """A data file cannot be used as is. ``path``, ``line`` (1-based, or None) and ``reason`` are kept."""

    def __init__(self, path: str | os.PathLike, line: int | None, reason: str):
        self.path = os.fspath(path)
        self.line = line
        self.reason = reason
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {reason}")
