"""The one table of exported signatures: per task, every signature's input and output names, dtypes, shapes.

Everything else reads this module: the signature builders (which check their outputs against it), the
warmup writer, the recipes in ``export/`` and the tests. Dimension letters: ``B`` batch, ``L`` sequence
(the batch's longest, after truncation to ``max_length``), ``N`` choices, ``M`` ``[MASK]`` tokens (the
most in any row of the batch), ``K`` ``top_k``, ``C`` labels, ``H`` hidden size. ``B``, ``L``, ``N`` and
``M`` are dynamic in every signature; ``C``, ``K`` and ``H`` are fixed by the exported model.

Example:
    >>> from albert_tf.export.signatures import signature_specs
    >>> specs = signature_specs("sequence_classification", num_labels=3)
    >>> sorted(specs), [t.name for t in specs["serving_default"].outputs]
    (['classify', 'predict_ids', 'serving_default'], ['logits', 'probabilities', 'label_id', 'label'])
"""

from __future__ import annotations

import dataclasses

SERVING_DEFAULT = "serving_default"
PREDICT_IDS = "predict_ids"
CLASSIFY = "classify"
REGRESS = "regress"

PREDICT_METHOD = "tensorflow/serving/predict"
CLASSIFY_METHOD = "tensorflow/serving/classify"
REGRESS_METHOD = "tensorflow/serving/regress"

# Export task name -> albert_tf model class name (the CLI's --task values, in the order).
TASK_MODEL_CLASSES = {
    "base": "TFAlbertModel",
    "pretraining": "TFAlbertForPreTraining",
    "masked_lm": "TFAlbertForMaskedLM",
    "sequence_classification": "TFAlbertForSequenceClassification",
    "multiple_choice": "TFAlbertForMultipleChoice",
    "token_classification": "TFAlbertForTokenClassification",
    "question_answering": "TFAlbertForQuestionAnswering",
}
TASKS = tuple(TASK_MODEL_CLASSES)

# The serialized tf.Example features the classify/regress signatures read.
EXAMPLE_TEXT_FEATURE = "text"
EXAMPLE_TEXT_PAIR_FEATURE = "text_pair"


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


def _t(name, dtype, shape, doc):
    return TensorDoc(name, dtype, tuple(shape), doc)


# ------------------------------------------------------------------ inputs
TEXT = _t("text", "string", "B", "raw UTF-8 text")
TEXT_PAIR = _t("text_pair", "string", "B", "second segment, paired with `text` row by row")
QUESTION = _t("question", "string", "B", "question text")
CONTEXT = _t("context", "string", "B", "passage the answer is extracted from")
CHOICES = _t("choices", "string", "BN", "candidate answers, one row of N per question")
EXAMPLES = _t("inputs", "string", "B",
              "serialized tf.Example protos with bytes feature `text` (and `text_pair`)")


def _ids_inputs(rank3: bool) -> tuple[TensorDoc, ...]:
    shape = "BNL" if rank3 else "BL"
    return (
        _t("input_ids", "int32", shape, "token ids, `[CLS] ... [SEP] (...) [SEP]`, right-padded with `<pad>`"),
        _t("attention_mask", "int32", shape, "1 for real tokens, 0 for padding"),
        _t("token_type_ids", "int32", shape, "0 for the first segment, 1 for the second"),
    )


# ------------------------------------------------------------------ outputs
_LOGITS = _t("logits", "float32", "BC", "raw classifier scores")
_PROBS = _t("probabilities", "float32", "BC", "softmax of logits")
_LABEL_ID = _t("label_id", "int32", "B", "argmax class id")
_LABEL = _t("label", "string", "B", "config.id2label[label_id]")
_SCORE = _t("score", "float32", "B", "regression output (num_labels == 1)")

_FILL_MASK = (
    _t("top_k_tokens", "string", "BMK", "decoded token of each prediction per [MASK] (HF fill-mask's "
       "token_str); '' in padding slots"),
    _t("top_k_ids", "int32", "BMK", "token id of each prediction; -1 in padding slots"),
    _t("top_k_scores", "float32", "BMK", "softmax probability over the vocabulary; 0 in padding slots"),
    _t("mask_positions", "int32", "BM", "token index of each [MASK] in the row, in order; -1 pads rows "
       "with fewer masks"),
)
_SOP = _t("sop_probability", "float32", "B", "probability that text_pair follows text in the original "
          "order (sentence-order prediction, label 0)")

_QA_TOKENS = (
    _t("start_token", "int32", "B", "token index where the answer starts"),
    _t("end_token", "int32", "B", "token index where the answer ends (inclusive)"),
    _t("score", "float32", "B", "p(start) * p(end), softmax over the context tokens"),
)
_QA_TEXT = (
    _t("answer", "string", "B", "exact substring context[start:end] of the original context (HF's "
       "question-answering pipeline: the best span over the context's windows, widened to whole words); "
       "'' for the null answer or a context without tokens"),
    _t("start", "int32", "B", "answer start, in characters (Python str index) of context"),
    _t("end", "int32", "B", "answer end (exclusive), in characters of context"),
    _t("score", "float32", "B", "HF's score: p(start) * p(end) in the winning window, summed over the "
       "candidates with the same (lowercased) answer"),
    _t("start_token", "int32", "B", "token index where the answer starts, in the winning window"),
    _t("end_token", "int32", "B", "token index where the answer ends (inclusive), in the winning window"),
    _t("window", "int32", "B", "index of the winning window among the row's context windows (0 first)"),
)
_QA_IDS = (_t("answer", "string", "B", "the answer tokens decoded from the vocabulary (lowercased "
              "like the tokenizer)"),) + _QA_TOKENS

_TOKEN_IDS = (
    _t("labels", "string", "BL", "config.id2label of each token's argmax; '' at [CLS]/[SEP]/padding"),
    _t("label_ids", "int32", "BL", "argmax label id of each token; -1 at [CLS]/[SEP]/padding"),
    _t("scores", "float32", "BL", "softmax probability of the chosen label; 0 at [CLS]/[SEP]/padding"),
)
_TOKEN_TEXT = _TOKEN_IDS + (
    _t("offsets", "int32", "BL2", "(start, end) of each token in characters of text; (0, 0) at "
       "[CLS]/[SEP]/padding"),
)

_MULTIPLE_CHOICE = (
    _t("logits", "float32", "BN", "score per choice"),
    _t("probabilities", "float32", "BN", "softmax over the choices"),
    _t("choice", "int32", "B", "index of the best choice"),
)

_BASE = (
    _t("pooled_output", "float32", "BH", "tanh(dense([CLS] hidden state))"),
    _t("sequence_output", "float32", "BLH", "last hidden states; zeros at padding positions"),
    _t("attention_mask", "int32", "BL", "1 for real tokens, 0 for padding"),
)

_CLASSIFY = (
    _t("classes", "string", "BC", "config.id2label, in id order, for every example"),
    _t("scores", "float32", "BC", "probability of each class"),
)
_REGRESS = (_t("outputs", "float32", "B", "regression output"),)


def task_text_inputs(task: str, text_pair: bool = False) -> tuple[TensorDoc, ...]:
    """The string inputs of ``serving_default`` for ``task``."""
    _check_task(task)
    if task == "question_answering":
        return (QUESTION, CONTEXT)
    if task == "multiple_choice":
        return (QUESTION, CHOICES)
    if task == "pretraining":  # sentence-order prediction needs two segments
        return (TEXT, TEXT_PAIR)
    return (TEXT, TEXT_PAIR) if text_pair else (TEXT,)


def _outputs(task: str, regression: bool, text: bool) -> tuple[TensorDoc, ...]:
    if task == "sequence_classification":
        return (_SCORE,) if regression else (_LOGITS, _PROBS, _LABEL_ID, _LABEL)
    if task == "masked_lm":
        return _FILL_MASK
    if task == "pretraining":
        return _FILL_MASK + (_SOP,)
    if task == "question_answering":
        return _QA_TEXT if text else _QA_IDS
    if task == "token_classification":
        return _TOKEN_TEXT if text else _TOKEN_IDS
    if task == "multiple_choice":
        return _MULTIPLE_CHOICE
    return _BASE


def _check_task(task: str) -> None:
    if task not in TASK_MODEL_CLASSES:
        raise ValueError(f"unknown task {task!r}; tasks: {', '.join(TASKS)}")


def signature_specs(task: str, *, num_labels: int = 2, text_pair: bool = False,
                    ids_only: bool = False) -> dict[str, SignatureSpec]:
    """Every signature an export of ``task`` has, by signature name.

    Args:
        num_labels: the model's ``config.num_labels``; 1 makes a sequence classifier a regressor
            (``score`` output and a ``regress`` signature instead of ``classify``).
        text_pair: the classifier was trained on pairs (adds the ``text_pair`` input).
        ids_only: an export without tokenizer ops: ``serving_default`` is ``predict_ids``.
    """
    _check_task(task)
    regression = task == "sequence_classification" and num_labels == 1
    rank3 = task == "multiple_choice"
    ids = SignatureSpec(PREDICT_IDS, PREDICT_METHOD, _ids_inputs(rank3), _outputs(task, regression, False),
                        "token ids in (already tokenized, e.g. by AlbertTokenizer)")
    if ids_only:
        return {SERVING_DEFAULT: dataclasses.replace(ids, name=SERVING_DEFAULT), PREDICT_IDS: ids}
    specs = {
        SERVING_DEFAULT: SignatureSpec(SERVING_DEFAULT, PREDICT_METHOD, task_text_inputs(task, text_pair),
                                       _outputs(task, regression, True),
                                       "raw strings in, tokenized in the graph"),
        PREDICT_IDS: ids,
    }
    if task == "sequence_classification":
        if regression:
            specs[REGRESS] = SignatureSpec(REGRESS, REGRESS_METHOD, (EXAMPLES,), _REGRESS,
                                           "TF Serving Regress API")
        else:
            specs[CLASSIFY] = SignatureSpec(CLASSIFY, CLASSIFY_METHOD, (EXAMPLES,), _CLASSIFY,
                                            "TF Serving Classify API")
    return specs


def token_outputs(task: str) -> frozenset[str]:
    """Outputs with a sequence (``L``) dimension: compared only where ``attention_mask`` is 1."""
    return frozenset(t.name for t in _outputs(task, False, True) if "L" in t.shape)


def signatures_markdown() -> str:
    """Markdown description of every task's signatures (what ``export/SIGNATURES.md`` holds)."""
    lines = [
        "# Exported signatures, per task",
        "",
        "Generated from `albert_tf/export/signatures.py` by `python export/describe_signatures.py`; do not edit.",
        "",
        "Dimensions: `B` batch, `L` sequence (the batch's longest after truncation to max_length), `N` choices,",
        "`M` [MASK] tokens (most in any row), `K` top_k, `C` labels, `H` hidden size. `B`, `L`, `N`, `M` are",
        "dynamic (-1 in `saved_model_cli show`); `C`, `K`, `H` are fixed by the exported model.",
        "",
    ]
    variants = [(task, {}) for task in TASKS]
    variants.insert(4, ("sequence_classification", {"text_pair": True}))
    variants.insert(5, ("sequence_classification", {"num_labels": 1}))
    for task, kwargs in variants:
        title = task + "".join(f" ({'pair' if k == 'text_pair' else 'regression, num_labels=1'})" for k in kwargs)
        lines += [f"## {title}", ""]
        for spec in signature_specs(task, **kwargs).values():
            lines += [f"### `{spec.name}` ({spec.method_name}): {spec.doc}", "",
                      "| | name | dtype | shape | meaning |", "|---|---|---|---|---|"]
            for kind, tensors in (("in", spec.inputs), ("out", spec.outputs)):
                for t in tensors:
                    shape = "[" + ", ".join(t.shape) + "]"
                    lines.append(f"| {kind} | `{t.name}` | {t.dtype} | {shape} | {t.doc} |")
            lines.append("")
    lines += ["## ids_only exports", "",
              "`albert-tf export --ids_only` writes `serving_default` and `predict_ids`, both with the",
              "`predict_ids` inputs and outputs above, and no tokenizer ops.", ""]
    return "\n".join(lines)
