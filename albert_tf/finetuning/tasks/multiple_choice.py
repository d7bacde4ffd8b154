"""Multiple choice from JSON-lines files.

Each line: ``{"question": str, "choices": [str, ...], "label": index or choice text}`` and optionally
``"context": str``. Every choice becomes one ``[CLS] first [SEP] second [SEP]`` row: without a context
``first`` is the question and ``second`` the choice; with one, ``first`` is the context and ``second``
the question followed by the choice (HF's ``run_swag`` layout). The model scores the rows of an example
against each other, so all examples of a file need the same number of choices.

Example:
    >>> import json, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.jsonl")
    >>> row = {"question": "Capital of France?", "choices": ["Lyon", "Paris"], "label": "Paris"}
    >>> _ = open(path, "w").write(json.dumps(row) + "\\n")
    >>> [(e.choices, e.label) for e in MultipleChoiceTask().read(path)]
    [(['Lyon', 'Paris'], 1)]
"""

from __future__ import annotations

import dataclasses
import json
from typing import Sequence

import numpy as np

from albert_tf.finetuning import metrics
from albert_tf.finetuning.errors import DataFormatError
from albert_tf.finetuning.tasks.base import Encoded, Settings, Task, check_readable, open_text, require_examples


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
    aliases = ("mc", "choice")
    model_class_name = "TFAlbertForMultipleChoice"

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
        predicted = [int(np.argmax(logits)) for logits in outputs["logits"]]
        result = {"accuracy": metrics.accuracy([e.label for e in examples], predicted), "num_examples": len(examples)}
        return result, [e.choices[p] for e, p in zip(examples, predicted)]

    def primary_metric(self, config, examples):
        return "accuracy", True
