"""What every task module provides: a :class:`Task` (the head's static description: model class, signature
tensors, request encoding, export options, and for the fine-tunable heads the data file reader, the
training rows and the decoding that ``evaluate`` scores) and a :class:`ServingGraph` (one export's in-graph
forward and post-processing, built by :meth:`Task.serving_graph`).

The export module (:mod:`albert_tf.export.module`) is generic over these: it checks requests, tokenizes,
sorts rows into sub-batches and hands the model call and the outputs to the task. Fine-tuning
(:mod:`albert_tf.finetuning.trainer`) reads, encodes and decodes through the same object. A head needs
nothing outside its own module and one line in :data:`albert_tf.tasks.TASKS`.

Example:
    >>> from albert_tf.tasks import get_task
    >>> task = get_task("sequence_classification")
    >>> task.model_class, [t.name for t in task.text_inputs(text_pair=True)]
    ('TFAlbertForSequenceClassification', ['text', 'text_pair'])
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Sequence

import numpy as np

from albert_tf.tasks.spec import TEXT, TEXT_PAIR, SignatureSpec, TensorDoc

IDS_KEYS = ("input_ids", "attention_mask", "token_type_ids")
# Label of a token the loss ignores (HF's -100: special tokens, non-first pieces of a word).
IGNORE_LABEL = -100


@dataclasses.dataclass
class Settings:
    """Fine-tuning tokenization and decoding settings; saved next to a fine-tuned model so ``evaluate``
    reuses them.

    ``qa_decoding`` picks how ``evaluate`` turns question-answering logits into answers: ``"pipeline"``
    (the default) uses HF's ``pipeline("question-answering")`` rules, so evaluation, the pipeline and the
    exported SavedModel give the same answers; ``"squad_nbest"`` is HF ``run_qa``'s n-best search over
    summed logits (``n_best_size``, ``null_score_diff_threshold``).

    ``token_decoding`` does the same for token classification: ``"first_piece"`` (the default, HF
    ``run_ner``) reads each word's tag at its first piece and predicts ``O`` past ``max_seq_length``;
    ``"pipeline"`` runs HF's ``pipeline("token-classification", stride=..., aggregation_strategy=...)`` on the
    sentence's words joined by single spaces (the text a served model receives): windows of ``max_seq_length`` overlapping by
    ``min(doc_stride, (max_seq_length - 2) // 2)`` tokens, words labelled by ``aggregation_strategy``
    (``first``, ``average`` or ``max``), and each predicted entity tags its words ``B-``/``I-``.
    """

    max_seq_length: int
    doc_stride: int = 128
    max_query_length: int = 64
    max_answer_length: int = 30
    n_best_size: int = 20
    null_score_diff_threshold: float = 0.0
    qa_decoding: str = "pipeline"
    token_decoding: str = "first_piece"
    aggregation_strategy: str = "first"

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
        if self.qa_decoding not in QA_DECODINGS:
            raise ValueError(f"qa_decoding must be one of {', '.join(QA_DECODINGS)}, got {self.qa_decoding!r}")
        if self.token_decoding not in TOKEN_DECODINGS:
            raise ValueError(f"token_decoding must be one of {', '.join(TOKEN_DECODINGS)}, got "
                             f"{self.token_decoding!r}")
        if self.aggregation_strategy not in WORD_AGGREGATIONS:
            raise ValueError(f"aggregation_strategy must be one of {', '.join(WORD_AGGREGATIONS)} (one label per "
                             f"word), got {self.aggregation_strategy!r}")

    @property
    def token_stride(self) -> int:
        """The overlap of token classification's windows under ``token_decoding="pipeline"``."""
        return min(self.doc_stride, (self.max_seq_length - 2) // 2)


QA_DECODINGS = ("pipeline", "squad_nbest")
TOKEN_DECODINGS = ("first_piece", "pipeline")
# The aggregation strategies that give every word one label (HF's "none" and "simple" label tokens).
WORD_AGGREGATIONS = ("first", "average", "max")


@dataclasses.dataclass
class Encoded:
    """Model rows for a list of examples. ``meta[i]`` is what decoding needs about ``rows[i]``; ``context``
    what it needs about all of them (token classification's pipeline decoding: its entity rules)."""

    rows: list[dict[str, Any]]
    meta: list[Any]
    context: Any = None


def softmax(logits: np.ndarray) -> np.ndarray:
    """HF's pipeline softmax: float32 in, float32 out, max-shifted."""
    maxes = np.max(logits, axis=-1, keepdims=True)
    shifted_exp = np.exp(logits - maxes)
    return shifted_exp / shifted_exp.sum(axis=-1, keepdims=True)


def as_str_list(values) -> list[str]:
    """Request strings (numpy object/bytes arrays or lists) as Python ``str``, flattened."""
    values = np.asarray(values, dtype=object).ravel()
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values]


class Task:
    """One head, as export sees it. Subclasses set the class attributes and override what differs.

    Attributes:
        name: the export/CLI task name (``--task``).
        model_class: the albert_tf model class name.
        rank3: token inputs are ``[B, N, L]`` (multiple choice).
        masked: requests carry ``[MASK]`` tokens whose positions the graph finds (fill-mask heads).
        truncation: the in-graph tokenizer's truncation strategy for two inputs.
        offsets: the text path needs character offsets per token.
        special_tokens_mask: the text path needs HF's special-tokens mask per token.
        accepts_text_pair: ``text_pair`` is an export option (the classifier trained on pairs).
        accepts_entities: ``aggregation_strategy`` and ``stride`` are export options (token classification).

    Fine-tuning (heads that override :meth:`read`):
        aliases: other names ``albert-tf finetune --task`` accepts (``ner``, ``squad``, ...).
        default_max_seq_length: ``max_seq_length`` when neither the user nor a saved run sets one.
        output_keys: model outputs the decoder needs (besides ``loss``).
        label_pad_values: pad values of label sequences in a batch (others pad with 0).
        has_labels_in_config: the model's ``id2label`` comes from the training labels.
    """

    name: str = ""
    model_class: str = ""
    rank3 = False
    masked = False
    truncation = "longest_first"
    offsets = False
    special_tokens_mask = False
    accepts_text_pair = False
    accepts_entities = False
    aliases: tuple[str, ...] = ()
    default_max_seq_length = 128
    output_keys: tuple[str, ...] = ("logits",)
    label_pad_values: Mapping[str, int] = {}
    has_labels_in_config = False

    def load_model_class(self):
        """The albert_tf model class (``model_class`` is its name)."""
        from albert_tf import modeling

        return getattr(modeling, self.model_class)

    # ------------------------------------------------------------------ signature table
    def text_inputs(self, text_pair: bool = False) -> tuple[TensorDoc, ...]:
        """The string inputs of ``serving_default``."""
        return (TEXT, TEXT_PAIR) if text_pair else (TEXT,)

    def outputs(self, *, regression: bool = False, text: bool = True, options=None) -> tuple[TensorDoc, ...]:
        """The outputs of ``serving_default`` (``text``) or ``predict_ids``; ``options``, when given, are
        the export's (some heads' outputs depend on them)."""
        raise NotImplementedError

    def extra_signatures(self, regression: bool) -> dict[str, SignatureSpec]:
        """Signatures beyond ``serving_default`` and ``predict_ids`` (TF Serving's Classify/Regress)."""
        return {}

    def is_regression(self, num_labels: int) -> bool:
        return False

    # ------------------------------------------------------------------ options
    def resolve_options(self, options):
        """``options`` (an :class:`~albert_tf.export.options.ExportOptions` with ``max_length`` resolved)
        with this head's defaults filled in."""
        return options

    def validate_options(self, options, config) -> None:
        """One-line errors for options this head cannot use."""
        if options.text_pair and not self.accepts_text_pair:
            raise ValueError("text_pair applies to sequence_classification only (pretraining, question "
                             "answering and multiple choice always take two inputs)")
        if not self.accepts_entities and (options.aggregation_strategy is not None or options.stride is not None):
            raise ValueError("aggregation_strategy and stride apply to token_classification only")

    # ------------------------------------------------------------------ Python-side encoding
    def encode_texts(self, tokenizer, text_inputs: dict, max_length: int) -> dict[str, np.ndarray]:
        """The ``predict_ids`` inputs (int32, padded to the batch's longest) for ``serving_default`` string
        inputs, with the pairing and truncation the exported graph uses."""
        kwargs = dict(padding=True, truncation=self.truncation if len(text_inputs) > 1 else True,
                      max_length=max_length, return_tensors="np")
        names = [t.name for t in self.text_inputs("text_pair" in text_inputs)]
        enc = tokenizer(*[as_str_list(text_inputs[name]) for name in names], **kwargs)
        return {k: np.asarray(enc[k], np.int32) for k in IDS_KEYS}

    # ------------------------------------------------------------------ fine-tuning
    @property
    def fine_tunable(self) -> bool:
        return type(self).read is not Task.read

    def read(self, path: str, *, require_labels: bool = True, regression: bool = False) -> list:
        """Examples of a data file; :class:`~albert_tf.tasks.data_files.DataFormatError` names a bad line."""
        raise NotImplementedError(f"{self.name} is not fine-tuned from data files")

    def label_config(self, train_examples: Sequence, base_config, num_labels: int | None) -> dict:
        """Config overrides (``id2label``) implied by the training labels; none for tasks without labels."""
        return {}

    def check_labels(self, examples: Sequence, config) -> None:
        """Raises :class:`DataFormatError` for an example label the model does not know."""

    def encode(self, examples: Sequence, tokenizer, settings: Settings, config) -> Encoded:
        """Model rows (Python lists, labels under HF's keys) for ``examples``."""
        raise NotImplementedError

    def decode(self, examples: Sequence, encoded: Encoded, outputs: Mapping[str, list], settings: Settings,
               config) -> tuple[dict, Any]:
        """``(metrics, predictions)`` from per-row model outputs (each trimmed to the row's length)."""
        raise NotImplementedError

    def primary_metric(self, config, examples: Sequence) -> tuple[str, bool]:
        """``(metric name, greater is better)`` used to keep the best checkpoint."""
        raise NotImplementedError

    # ------------------------------------------------------------------ in-graph
    def serving_graph(self, model, tokenizer, options) -> "ServingGraph":
        """This head's forward and post-processing for one export."""
        raise NotImplementedError


class ServingGraph:
    """One export's model call and post-processing; TensorFlow only.

    ``prepare(features)`` adds what the model needs beyond token ids (fill-mask heads: ``mask_positions``);
    ``forward(features, run)`` returns the raw outputs of the model on those features, through
    ``run(fn, token_inputs, row_inputs, outputs)``, the export's length-sorted sub-batch runner
    (:func:`albert_tf.export.graph_ops.run_in_sorted_chunks`).
    ``outputs(raw, features, strings)`` turns them into the signature's outputs (``strings`` is None on
    ``predict_ids``). A head whose text path is not one row per request row (windows over long inputs)
    sets ``windowed`` and implements ``text_outputs``.
    """

    windowed = False

    def __init__(self, task: Task, model, tokenizer, options):
        self.task, self.model, self.options = task, model, options
        self.config = model.config

    def call(self, features: dict, **kwargs):
        """The model on token features, in inference mode."""
        return self.model(input_ids=features["input_ids"], attention_mask=features["attention_mask"],
                          token_type_ids=features["token_type_ids"], training=False, **kwargs)

    def prepare(self, features: dict) -> dict:
        """Token features -> the model's inputs (fill-mask heads add their ``mask_positions``)."""
        return features

    def forward(self, features: dict, run) -> dict:
        raise NotImplementedError

    def outputs(self, raw: dict, features: dict, strings: dict | None) -> dict:
        raise NotImplementedError

    def text_outputs(self, preprocessor, strings: dict, run_model) -> dict:
        """Windowed heads: the signature outputs for checked request strings; ``run_model(features)`` is
        the export's shared forward function."""
        raise NotImplementedError

    def label_table(self):
        """``config.id2label`` in id order, as a string constant."""
        import tensorflow as tf

        return tf.constant([self.config.id2label[i] for i in range(self.config.num_labels)])
