"""What every fine-tuning task provides, and helpers shared by the readers.

A task reads its file format into examples, turns examples into model features (Python lists, one
dict per model row, labels under HF's keys), and turns the model's outputs back into predictions and
metrics. :mod:`albert_tf.finetuning.trainer` drives the rest.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Mapping, Sequence

from albert_tf.finetuning.errors import DataFormatError
from albert_tf.utils.io import invalid_utf8


@dataclasses.dataclass
class Settings:
    """Tokenization and decoding settings; saved next to a fine-tuned model so ``evaluate`` reuses them."""

    max_seq_length: int
    doc_stride: int = 128
    max_query_length: int = 64
    max_answer_length: int = 30
    n_best_size: int = 20
    null_score_diff_threshold: float = 0.0

    def validate(self, max_position_embeddings: int | None = None) -> None:
        for name in ("max_seq_length", "max_query_length", "max_answer_length", "n_best_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.max_seq_length < 8:
            raise ValueError(f"max_seq_length must be at least 8, got {self.max_seq_length}")
        if max_position_embeddings is not None and self.max_seq_length > max_position_embeddings:
            raise ValueError(f"max_seq_length={self.max_seq_length} exceeds the model's max_position_embeddings="
                             f"{max_position_embeddings}")
        if not isinstance(self.doc_stride, int) or self.doc_stride < 0:
            raise ValueError(f"doc_stride must be a non-negative integer, got {self.doc_stride!r}")


@dataclasses.dataclass
class Encoded:
    """Model rows for a list of examples. ``meta[i]`` is what decoding needs about ``rows[i]``."""

    rows: list[dict[str, Any]]
    meta: list[Any]


class Task:
    """Base class; see the subclasses in this package."""

    name: str = ""
    aliases: tuple[str, ...] = ()
    model_class_name: str = ""
    default_max_seq_length = 128
    # Output keys the decoder needs from the model (besides "loss").
    output_keys: tuple[str, ...] = ("logits",)
    # Pad values of sequence keys other than input_ids / attention_mask / token_type_ids (padded with 0).
    label_pad_values: Mapping[str, int] = {}
    has_labels_in_config = False

    @property
    def model_class(self):
        import albert_tf.modeling as modeling

        return getattr(modeling, self.model_class_name)

    def read(self, path: str, *, require_labels: bool = True) -> list:
        raise NotImplementedError

    def label_config(self, train_examples: Sequence, base_config, num_labels: int | None) -> dict:
        """Config overrides (``id2label``) implied by the training labels; none for tasks without labels."""
        return {}

    def check_labels(self, examples: Sequence, config) -> None:
        """Raises :class:`DataFormatError` for an example label the model does not know."""

    def encode(self, examples: Sequence, tokenizer, settings: Settings, config) -> Encoded:
        raise NotImplementedError

    def decode(self, examples: Sequence, encoded: Encoded, outputs: Mapping[str, list], settings: Settings,
               config) -> tuple[dict, Any]:
        """``(metrics, predictions)`` from per-row model outputs (each trimmed to the row's length)."""
        raise NotImplementedError

    def primary_metric(self, config, examples: Sequence) -> tuple[str, bool]:
        """``(metric name, greater is better)`` used to keep the best checkpoint."""
        raise NotImplementedError


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
