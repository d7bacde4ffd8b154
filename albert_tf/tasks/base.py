"""What every task module provides: a :class:`Task` (the head's static description: model class, signature
tensors, request encoding, export options) and a :class:`ServingGraph` (one export's in-graph forward and
post-processing, built by :meth:`Task.serving_graph`).

The export module (:mod:`albert_tf.export.module`) is generic over these: it checks requests, tokenizes,
sorts rows into sub-batches and hands the model call and the outputs to the task. A head needs nothing
outside its own module and one line in :data:`albert_tf.tasks.TASKS`.

Example:
    >>> from albert_tf.tasks import get_task
    >>> task = get_task("sequence_classification")
    >>> task.model_class, [t.name for t in task.text_inputs(text_pair=True)]
    ('TFAlbertForSequenceClassification', ['text', 'text_pair'])
"""

from __future__ import annotations

import numpy as np

from albert_tf.tasks.spec import TEXT, TEXT_PAIR, SignatureSpec, TensorDoc

IDS_KEYS = ("input_ids", "attention_mask", "token_type_ids")


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
