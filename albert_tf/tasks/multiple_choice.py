"""Multiple choice: ``TFAlbertForMultipleChoice`` scores each (question, choice) pair; ``[B, N, L]`` inputs.

The export flattens the ``B * N`` pairs into rows, so that the length-sorted sub-batches pad each pair only
to its own chunk's longest, and reshapes the scores back to ``[B, N]``.

Fine-tuning reads JSON-lines files. Each line: ``{"question": str, "choices": [str, ...], "label": index
or choice text}`` and optionally ``"context": str``. Every choice becomes one ``[CLS] first [SEP] second
[SEP]`` row: without a context ``first`` is the question and ``second`` the choice; with one, ``first`` is
the context and ``second`` the question followed by the choice (HF's ``run_swag`` layout). The model scores
the rows of an example against each other, so all examples of a file need the same number of choices.

Example:
    >>> import json, os, tempfile
    >>> from albert_tf.tasks import get_task
    >>> task = get_task("multiple_choice")
    >>> [t.name for t in task.text_inputs()], task.rank3
    (['question', 'choices'], True)
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.jsonl")
    >>> row = {"question": "Capital of France?", "choices": ["Lyon", "Paris"], "label": "Paris"}
    >>> _ = open(path, "w").write(json.dumps(row) + "\\n")
    >>> [(e.choices, e.label) for e in task.read(path)]
    [(['Lyon', 'Paris'], 1)]
"""

from __future__ import annotations

import dataclasses
import json
from typing import Sequence

import numpy as np

from albert_tf.tasks.base import IDS_KEYS, Encoded, ServingGraph, Settings, Task, as_str_list
from albert_tf.tasks.data_files import DataFormatError, check_readable, open_text, require_examples
from albert_tf.tasks.spec import CHOICES, QUESTION, tensor

_OUTPUTS = (
    tensor("logits", "float32", "BN", "score per choice"),
    tensor("probabilities", "float32", "BN", "softmax over the choices"),
    tensor("choice", "int32", "B", "index of the best choice"),
)


@dataclasses.dataclass
class ChoiceExample:
    question: str
    choices: list[str]
    label: int | None
    context: str | None
    line: int
    path: str = ""


class MultipleChoiceTask(Task):
    name = "multiple_choice"
    model_class = "TFAlbertForMultipleChoice"
    rank3 = True
    aliases = ("mc", "choice")

    def text_inputs(self, text_pair=False):
        return (QUESTION, CHOICES)

    def outputs(self, *, regression=False, text=True, options=None):
        return _OUTPUTS

    def encode_texts(self, tokenizer, text_inputs, max_length):
        """Question and each of its choices, flattened to ``B * N`` pairs, then ``[B, N, L]``."""
        choices = np.asarray(text_inputs["choices"], dtype=object)
        batch, num_choices = choices.shape
        questions = np.repeat(np.asarray(as_str_list(text_inputs["question"]), dtype=object), num_choices)
        enc = tokenizer(list(questions), as_str_list(choices), padding=True, truncation=True,
                        max_length=max_length, return_tensors="np")
        return {k: np.asarray(enc[k], np.int32).reshape(batch, num_choices, -1) for k in IDS_KEYS}

    def serving_graph(self, model, tokenizer, options):
        return _MultipleChoiceGraph(self, model, tokenizer, options)

    # ------------------------------------------------------------------ fine-tuning
    def read(self, path: str, *, require_labels: bool = True, regression: bool = False) -> list[ChoiceExample]:
        path = check_readable(path)
        examples: list[ChoiceExample] = []
        for line, raw in enumerate(open_text(path).splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except json.JSONDecodeError as err:
                raise DataFormatError(path, line, f"invalid JSON: {err.msg}") from None
            if not isinstance(row, dict):
                raise DataFormatError(path, line, f"expected a JSON object, got {type(row).__name__}")
            example = self._example(row, path, line, require_labels)
            if examples and len(example.choices) != len(examples[0].choices):
                raise DataFormatError(path, line, f"{len(example.choices)} choices, but line {examples[0].line} has "
                                                  f"{len(examples[0].choices)}; every example needs the same number")
            examples.append(example)
        return require_examples(path, examples)

    @staticmethod
    def _example(row: dict, path: str, line: int, require_labels: bool) -> ChoiceExample:
        question = row.get("question")
        if not isinstance(question, str) or not question.strip():
            raise DataFormatError(path, line, "missing or empty 'question'")
        choices = row.get("choices")
        if not isinstance(choices, list) or len(choices) < 2:
            raise DataFormatError(path, line, "'choices' must be a list of at least two strings")
        for k, choice in enumerate(choices):
            if not isinstance(choice, str) or not choice.strip():
                raise DataFormatError(path, line, f"choices[{k}] must be a non-empty string, got {json.dumps(choice)}")
        context = row.get("context")
        if context is not None and (not isinstance(context, str) or not context.strip()):
            raise DataFormatError(path, line, "'context', when present, must be a non-empty string")
        label = row.get("label")
        if label is None:
            if require_labels:
                raise DataFormatError(path, line, "missing 'label' (a choice index or the text of a choice)")
        elif isinstance(label, bool):
            raise DataFormatError(path, line, f"'label' must be a choice index or choice text, got {json.dumps(label)}")
        elif isinstance(label, int):
            if not 0 <= label < len(choices):
                raise DataFormatError(path, line, f"label index {label} is out of range for {len(choices)} choices")
        elif isinstance(label, str):
            matches = [k for k, c in enumerate(choices) if c == label]
            if not matches:
                raise DataFormatError(path, line, f"label {label!r} is not one of the choices {choices}")
            if len(matches) > 1:
                raise DataFormatError(path, line, f"label {label!r} matches several choices; give its index")
            label = matches[0]
        else:
            raise DataFormatError(path, line, f"'label' must be a choice index or choice text, got {json.dumps(label)}")
        return ChoiceExample(question, list(choices), label, context, line, path)

    def encode(self, examples: Sequence[ChoiceExample], tokenizer, settings: Settings, config) -> Encoded:
        firsts, seconds = [], []
        for e in examples:
            for choice in e.choices:
                firsts.append(e.context if e.context is not None else e.question)
                seconds.append(f"{e.question} {choice}" if e.context is not None else choice)
        enc = tokenizer(firsts, seconds, truncation="longest_first", max_length=settings.max_seq_length)
        rows, k = [], 0
        for e in examples:
            n = len(e.choices)
            row = {key: enc[key][k:k + n] for key in ("input_ids", "attention_mask", "token_type_ids")}
            if e.label is not None:
                row["labels"] = e.label
            rows.append(row)
            k += n
        return Encoded(rows, list(range(len(examples))))

    def decode(self, examples, encoded, outputs, settings, config):
        from albert_tf.finetuning import metrics
        from albert_tf.tasks.base import softmax

        predicted = [int(np.argmax(logits)) for logits in outputs["logits"]]
        result = {"accuracy": metrics.accuracy([e.label for e in examples], predicted), "num_examples": len(examples)}
        predictions = []
        for e, p, logits in zip(examples, predicted, outputs["logits"]):
            predictions.append({"prediction": e.choices[p], "choice": p, "score": float(softmax(logits)[p])})
        return result, predictions

    def primary_metric(self, config, examples):
        return "accuracy", True


class _MultipleChoiceGraph(ServingGraph):
    def forward(self, features, run):
        import tensorflow as tf

        shape = tf.shape(features["input_ids"])
        flat = {k: tf.reshape(v, [-1, shape[2]]) for k, v in features.items()}

        def choice_logits(f):  # each flattened row is one (question, choice) of a 1-choice batch
            return {"logits": self.call({k: v[:, tf.newaxis, :] for k, v in f.items()}).logits[:, 0]}

        raw = run(choice_logits, flat, {}, {"logits": (tf.float32, False)})
        return {"logits": tf.reshape(raw["logits"], shape[:2])}

    def outputs(self, raw, features, strings):
        import tensorflow as tf

        return {"logits": raw["logits"], "probabilities": tf.nn.softmax(raw["logits"], axis=-1),
                "choice": tf.argmax(raw["logits"], axis=-1, output_type=tf.int32)}
