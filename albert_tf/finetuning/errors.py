"""The one error type for unusable fine-tuning data; it lives with the readers in
:mod:`albert_tf.tasks.data_files` and is importable from here as before.

Example:
    >>> str(DataFormatError("train.csv", 7, "empty 'text'"))
    "train.csv:7: empty 'text'"
"""

from albert_tf.tasks.data_files import DataFormatError

__all__ = ["DataFormatError"]
