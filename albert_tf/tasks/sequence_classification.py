"""Sequence classification (and regression, ``num_labels == 1``): ``TFAlbertForSequenceClassification``.

Export: the logits, softmax probabilities, argmax id and its ``id2label`` name per row, or the regression
score; besides ``serving_default`` the export has TF Serving's Classify (or Regress) signature over
serialized ``tf.Example`` protos.

Fine-tuning reads CSV, TSV or JSON-lines files. Columns / keys: ``text`` (required), ``text_pair``
(optional second segment), ``label``. String labels become the model's ``id2label`` (sorted; numerically
when they are all integers). With ``num_labels=1`` labels are numbers and the model regresses them (MSE
loss). ``.tsv`` files are split on tabs without quote handling, as GLUE's TSVs are.

Example:
    >>> import tempfile, os
    >>> from albert_tf.tasks import get_task
    >>> task = get_task("sequence_classification")
    >>> [t.name for t in task.outputs(regression=True)], sorted(task.extra_signatures(regression=False))
    (['score'], ['classify'])
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.csv")
    >>> _ = open(path, "w").write('label,text\\nfresh,"A fine, warm film."\\nrotten,Dull.\\n')
    >>> [(e.label, e.text, e.line) for e in task.read(path)]
    [('fresh', 'A fine, warm film.', 2), ('rotten', 'Dull.', 3)]
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import re
from typing import Sequence

import numpy as np

from albert_tf.tasks.base import Encoded, ServingGraph, Settings, Task
from albert_tf.tasks.data_files import DataFormatError, check_readable, open_text, require_examples
from albert_tf.tasks.spec import EXAMPLES, SignatureSpec, tensor

CLASSIFY = "classify"
REGRESS = "regress"
CLASSIFY_METHOD = "tensorflow/serving/classify"
REGRESS_METHOD = "tensorflow/serving/regress"

_CLASSIFIER = (
    tensor("logits", "float32", "BC", "raw classifier scores"),
    tensor("probabilities", "float32", "BC", "softmax of logits"),
    tensor("label_id", "int32", "B", "argmax class id"),
    tensor("label", "string", "B", "config.id2label[label_id]"),
)
_REGRESSOR = (tensor("score", "float32", "B", "regression output (num_labels == 1)"),)
_CLASSIFY = (
    tensor("classes", "string", "BC", "config.id2label, in id order, for every example"),
    tensor("scores", "float32", "BC", "probability of each class"),
)
_REGRESS = (tensor("outputs", "float32", "B", "regression output"),)

FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".json": "jsonl"}
_DEFAULT_LABEL = re.compile(r"^LABEL_(\d+)$")


@dataclasses.dataclass
class TextExample:
    text: str
    text_pair: str | None
    label: str | float | None
    line: int
    path: str = ""


def file_format(path: str) -> str:
    for suffix, kind in FORMATS.items():
        if path.lower().endswith(suffix):
            return kind
    raise DataFormatError(path, None, f"unknown file type; use one of {', '.join(FORMATS)} "
                                      "(CSV/TSV with a header row, or one JSON object per line)")


def _label_value(raw, path: str, line: int, regression: bool):
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise DataFormatError(path, line, "missing 'label'")
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise DataFormatError(path, line, f"'label' must be a string or a number, got {json.dumps(raw)}")
    if regression:
        try:
            value = float(raw)
        except ValueError:
            raise DataFormatError(path, line, f"label {raw!r} is not a number (num_labels=1 means regression)") from None
        if not math.isfinite(value):
            raise DataFormatError(path, line, f"label {raw!r} is not a finite number")
        return value
    if isinstance(raw, float):
        if not raw.is_integer():
            raise DataFormatError(path, line, f"label {raw!r} is a fraction; classes are strings or integers "
                                              "(for regression pass num_labels=1)")
        raw = int(raw)
    return str(raw).strip()


def _text_value(raw, key: str, path: str, line: int, required: bool) -> str | None:
    if raw is None or raw == "":
        if required:
            raise DataFormatError(path, line, f"empty or missing {key!r}")
        return None
    if not isinstance(raw, str):
        raise DataFormatError(path, line, f"{key!r} must be a string, got {json.dumps(raw)}")
    if required and not raw.strip():
        raise DataFormatError(path, line, f"{key!r} is only whitespace")
    return raw


def _delimited_rows(path: str, text: str, delimiter: str, required: Sequence[str]):
    """(line, {column: value}) for each record; the header must name the columns."""
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting, strict=True)
    header, last_line = None, 0
    try:
        for record in reader:
            line, last_line = last_line + 1, reader.line_num
            if not record or all(not field.strip() for field in record):
                continue
            if header is None:
                header = [h.strip() for h in record]
                header_line = line
                missing = [c for c in required if c not in header]
                if missing:
                    raise DataFormatError(path, line, f"the header has no {' / '.join(repr(m) for m in missing)} "
                                                      f"column; found {header}")
                continue
            if len(record) != len(header):
                raise DataFormatError(path, line, f"{len(record)} fields, but the header (line {header_line}) "
                                                  f"has {len(header)}: {header}")
            yield line, dict(zip(header, record))
    except csv.Error as err:
        raise DataFormatError(path, reader.line_num, f"malformed {'TSV' if delimiter == chr(9) else 'CSV'}: {err}") from None


class SequenceClassificationTask(Task):
    name = "sequence_classification"
    model_class = "TFAlbertForSequenceClassification"
    accepts_text_pair = True
    aliases = ("classification", "text_classification", "regression")
    has_labels_in_config = True

    def outputs(self, *, regression=False, text=True, options=None):
        return _REGRESSOR if regression else _CLASSIFIER

    def extra_signatures(self, regression):
        if regression:
            return {REGRESS: SignatureSpec(REGRESS, REGRESS_METHOD, (EXAMPLES,), _REGRESS, "TF Serving Regress API")}
        return {CLASSIFY: SignatureSpec(CLASSIFY, CLASSIFY_METHOD, (EXAMPLES,), _CLASSIFY, "TF Serving Classify API")}

    def is_regression(self, num_labels):
        return num_labels == 1

    def serving_graph(self, model, tokenizer, options):
        return _ClassifierGraph(self, model, tokenizer, options)

    # ------------------------------------------------------------------ fine-tuning
    def read(self, path: str, *, require_labels: bool = True, regression: bool = False) -> list[TextExample]:
        """Examples of a CSV / TSV / JSONL file; raises :class:`DataFormatError` on the first bad row."""
        path = check_readable(path)
        kind = file_format(path)
        text = open_text(path)
        examples = []
        if kind == "jsonl":
            for line, raw in enumerate(text.splitlines(), start=1):
                if not raw.strip():
                    continue
                try:
                    row = json.loads(raw)
                except json.JSONDecodeError as err:
                    hint = " (one JSON object per line is expected, not a JSON array)" if raw.lstrip().startswith("[") else ""
                    raise DataFormatError(path, line, f"invalid JSON: {err.msg}{hint}") from None
                if not isinstance(row, dict):
                    hint = " (one JSON object per line is expected, not a JSON array)" if isinstance(row, list) else ""
                    raise DataFormatError(path, line, f"expected a JSON object, got {type(row).__name__}{hint}")
                examples.append(self._example(row, path, line, require_labels, regression))
        else:
            required = ("text", "label") if require_labels else ("text",)
            for line, row in _delimited_rows(path, text, "\t" if kind == "tsv" else ",", required):
                examples.append(self._example(row, path, line, require_labels, regression))
        return require_examples(path, examples)

    @staticmethod
    def _example(row: dict, path: str, line: int, require_labels: bool, regression: bool) -> TextExample:
        text = _text_value(row.get("text"), "text", path, line, required=True)
        pair = _text_value(row.get("text_pair"), "text_pair", path, line, required=False)
        label = None
        if require_labels or row.get("label") not in (None, ""):
            label = _label_value(row.get("label"), path, line, regression)
        return TextExample(text, pair, label, line, path)

    # -- labels ------------------------------------------------------------------------------------
    def label_config(self, train_examples: Sequence[TextExample], base_config, num_labels: int | None) -> dict:
        if num_labels == 1:
            return {"id2label": {0: "LABEL_0"}, "problem_type": "regression"}
        names = sorted({e.label for e in train_examples})
        if all(re.fullmatch(r"-?\d+", n) for n in names):
            names = sorted(names, key=int)
        if base_config is not None and not _has_default_labels(base_config) and set(names) <= set(
                base_config.id2label.values()):
            id2label = dict(base_config.id2label)  # continue training a fine-tuned model: keep its ids
        else:
            id2label = dict(enumerate(names))
        if num_labels is not None and num_labels != len(id2label):
            if num_labels < len(id2label):
                raise ValueError(f"num_labels={num_labels}, but the training data has {len(id2label)} labels: {names}")
            # More outputs than seen labels (e.g. a class missing from a small training file).
            id2label.update({i: f"LABEL_{i}" for i in range(len(id2label), num_labels)})
        if len(id2label) < 2:
            raise ValueError(f"classification needs at least two labels; the training data only has {names} "
                             "(for regression pass num_labels=1)")
        return {"id2label": id2label, "problem_type": "single_label_classification"}

    def label_ids(self, examples: Sequence[TextExample], config) -> list:
        if is_regression(config):
            return [e.label for e in examples]
        label2id = {v: k for k, v in config.id2label.items()}
        default = _has_default_labels(config)
        ids = []
        for e in examples:
            if e.label in label2id:
                ids.append(label2id[e.label])
            elif default and re.fullmatch(r"\d+", e.label) and int(e.label) < config.num_labels:
                ids.append(int(e.label))  # HF-style models label their classes LABEL_<i>
            else:
                raise DataFormatError(e.path, e.line, f"label {e.label!r} is not one of the model's labels "
                                                    f"{sorted(label2id)}")
        return ids

    def check_labels(self, examples, config) -> None:
        self.label_ids(examples, config)

    # -- features ----------------------------------------------------------------------------------
    def encode(self, examples: Sequence[TextExample], tokenizer, settings: Settings, config) -> Encoded:
        pairs = [e.text_pair for e in examples]
        enc = tokenizer([e.text for e in examples], pairs if any(p is not None for p in pairs) else None,
                        truncation="longest_first", max_length=settings.max_seq_length)
        labels = self.label_ids(examples, config) if examples[0].label is not None else None
        rows = []
        for i in range(len(examples)):
            row = {"input_ids": enc["input_ids"][i], "attention_mask": enc["attention_mask"][i],
                   "token_type_ids": enc["token_type_ids"][i]}
            if labels is not None:
                row["labels"] = float(labels[i]) if is_regression(config) else int(labels[i])
            rows.append(row)
        return Encoded(rows, list(range(len(examples))))

    def decode(self, examples, encoded, outputs, settings, config):
        from albert_tf.finetuning import metrics
        from albert_tf.tasks.base import softmax

        logits = np.stack(outputs["logits"])
        if is_regression(config):
            values = [float(v) for v in logits[:, 0]]
            result = metrics.regression_metrics([e.label for e in examples], values)
            predictions = [{"prediction": v, "score": v} for v in values]
        else:
            predicted = [int(i) for i in np.argmax(logits, axis=-1)]
            result = metrics.classification_metrics(self.label_ids(examples, config), predicted)
            # The text-classification pipeline's score: the softmax probability of the predicted label.
            probabilities = softmax(logits)
            predictions = [{"prediction": config.id2label[i], "score": float(probabilities[k, i])}
                           for k, i in enumerate(predicted)]
        result["num_examples"] = len(examples)
        return result, predictions

    def primary_metric(self, config, examples):
        return ("mse", False) if is_regression(config) else ("accuracy", True)


class _ClassifierGraph(ServingGraph):
    def __init__(self, task, model, tokenizer, options):
        super().__init__(task, model, tokenizer, options)
        self.regression = task.is_regression(self.config.num_labels)
        self.labels = self.label_table()

    def forward(self, features, run):
        import tensorflow as tf

        return run(lambda f: {"logits": self.call(f).logits}, features, {}, {"logits": (tf.float32, False)})

    def outputs(self, raw, features, strings):
        import tensorflow as tf

        if self.regression:
            return {"score": raw["logits"][:, 0]}
        label_id = tf.argmax(raw["logits"], axis=-1, output_type=tf.int32)
        return {"logits": raw["logits"], "probabilities": tf.nn.softmax(raw["logits"], axis=-1),
                "label_id": label_id, "label": tf.gather(self.labels, label_id)}

def is_regression(config) -> bool:
    return config.num_labels == 1 or getattr(config, "problem_type", None) == "regression"


def _has_default_labels(config) -> bool:
    return all(_DEFAULT_LABEL.match(str(v)) for v in config.id2label.values())
