"""HF's padding and truncation strategy names and padding/truncation sides, and their validation.

``_PADDING`` and ``_TRUNCATION`` map what HF's ``padding=`` / ``truncation=`` arguments accept (booleans,
strategy names, HF's ``PaddingStrategy`` / ``TruncationStrategy`` enums) to the strategy names the encoders
use; ``_strategy`` looks a value up with HF's error for anything else. Shared by
:mod:`albert_tf.tokenization.encoding` and :mod:`albert_tf.tokenization.padding`.
"""

from __future__ import annotations

_PADDING = {True: "longest", "longest": "longest", "max_length": "max_length", False: "do_not_pad",
            "do_not_pad": "do_not_pad", None: "do_not_pad"}
_TRUNCATION = {True: "longest_first", "longest_first": "longest_first", "only_first": "only_first",
               "only_second": "only_second", False: "do_not_truncate", "do_not_truncate": "do_not_truncate",
               None: "do_not_truncate"}
_SIDES = ("left", "right")


def _strategy(value, table: dict, what: str) -> str:
    value = getattr(value, "value", value)  # HF's PaddingStrategy / TruncationStrategy enums
    try:
        return table[value]
    except (KeyError, TypeError):
        choices = ", ".join(repr(k) for k in table if isinstance(k, str))
        raise ValueError(f"{what} must be True, False or one of {choices}; got {value!r}") from None
