"""The vocabulary of exported signatures: named, typed tensors (``TensorDoc``), signatures
(``SignatureSpec``) and the inputs every head shares. The task modules describe their own outputs with
these; :mod:`albert_tf.export.signatures` assembles them into the table per task. No TensorFlow here:
the table is read by tools (``export/describe_signatures.py``) and other backends too.

Dimension letters: ``B`` batch, ``L`` sequence (the batch's longest, after truncation to ``max_length``),
``N`` choices, ``M`` ``[MASK]`` tokens (the most in any row), ``E`` entities (the most in any row), ``K``
``top_k``, ``C`` labels, ``H`` hidden size. ``B``, ``L``, ``N``, ``M`` and ``E`` are dynamic; ``C``, ``K``
and ``H`` are fixed by the exported model.

Example:
    >>> TEXT.tf_shape(), ids_inputs(rank3=True)[0].shape
    ([None], ('B', 'N', 'L'))
"""

from __future__ import annotations

import dataclasses

__all__ = ["CHOICES", "CONTEXT", "EXAMPLES", "QUESTION", "SignatureSpec", "TEXT", "TEXT_PAIR", "TensorDoc",
           "ids_inputs", "tensor"]


@dataclasses.dataclass(frozen=True)
class TensorDoc:
    """One named signature tensor: dtype name, shape as dimension letters or sizes, and meaning."""

    name: str
    dtype: str
    shape: tuple
    doc: str

    def tf_shape(self, sizes: dict[str, int] | None = None) -> list:
        """Shape for a ``tf.TensorSpec``: dynamic letters -> None, fixed letters -> their size."""
        sizes = sizes or {}
        return [int(d) if d.isdigit() else sizes.get(d) for d in self.shape]


@dataclasses.dataclass(frozen=True)
class SignatureSpec:
    name: str
    method_name: str
    inputs: tuple[TensorDoc, ...]
    outputs: tuple[TensorDoc, ...]
    doc: str

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.inputs)

    @property
    def output_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.outputs)


def tensor(name: str, dtype: str, shape, doc: str) -> TensorDoc:
    """A ``TensorDoc``; ``shape`` is a string of dimension letters (``"BL"``) or a sequence of them."""
    return TensorDoc(name, dtype, tuple(shape), doc)


TEXT = tensor("text", "string", "B", "raw UTF-8 text")
TEXT_PAIR = tensor("text_pair", "string", "B", "second segment, paired with `text` row by row")
QUESTION = tensor("question", "string", "B", "question text")
CONTEXT = tensor("context", "string", "B", "passage the answer is extracted from")
CHOICES = tensor("choices", "string", "BN", "candidate answers, one row of N per question")
EXAMPLES = tensor("inputs", "string", "B", "serialized tf.Example protos with bytes feature `text` (and `text_pair`)")


def ids_inputs(rank3: bool = False) -> tuple[TensorDoc, ...]:
    """The token-id inputs of ``predict_ids`` (``[B, N, L]`` for multiple choice)."""
    shape = "BNL" if rank3 else "BL"
    return (
        tensor("input_ids", "int32", shape, "token ids, `[CLS] ... [SEP] (...) [SEP]`, right-padded with `<pad>`"),
        tensor("attention_mask", "int32", shape, "1 for real tokens, 0 for padding"),
        tensor("token_type_ids", "int32", shape, "0 for the first segment, 1 for the second"),
    )
