"""The one table of exported signatures: per task, every signature's input and output names, dtypes, shapes.

The tensors of each head are described in its task module (:mod:`albert_tf.tasks`); this module assembles
them into signatures. Everything else reads it: the signature builders (which check their outputs against
it), the warmup writer, the recipes in ``export/`` and the tests. The dimension letters of the shapes are
listed in :mod:`albert_tf.tasks.spec`.

Example:
    >>> from albert_tf.export.signatures import signature_specs
    >>> specs = signature_specs("sequence_classification", num_labels=3)
    >>> sorted(specs), [t.name for t in specs["serving_default"].outputs]
    (['classify', 'predict_ids', 'serving_default'], ['logits', 'probabilities', 'label_id', 'label'])
"""

from __future__ import annotations

import dataclasses

from albert_tf.tasks import TASKS as _TASK_REGISTRY
from albert_tf.tasks import get_task
from albert_tf.tasks.sequence_classification import CLASSIFY, CLASSIFY_METHOD, REGRESS, REGRESS_METHOD
from albert_tf.tasks.spec import (CHOICES, CONTEXT, EXAMPLES, QUESTION, TEXT, TEXT_PAIR, SignatureSpec, TensorDoc,
                                  ids_inputs)

__all__ = ["CHOICES", "CLASSIFY", "CLASSIFY_METHOD", "CONTEXT", "EXAMPLES", "EXAMPLE_TEXT_FEATURE",
           "EXAMPLE_TEXT_PAIR_FEATURE", "PREDICT_IDS", "PREDICT_METHOD", "QUESTION", "REGRESS", "REGRESS_METHOD",
           "SERVING_DEFAULT", "SignatureSpec", "TASKS", "TASK_MODEL_CLASSES", "TEXT", "TEXT_PAIR", "TensorDoc",
           "signature_specs", "signatures_markdown", "task_text_inputs", "token_outputs"]

SERVING_DEFAULT = "serving_default"
PREDICT_IDS = "predict_ids"
PREDICT_METHOD = "tensorflow/serving/predict"

# Export task name -> albert_tf model class name (the CLI's --task values, in the order).
TASK_MODEL_CLASSES = {name: task.model_class for name, task in _TASK_REGISTRY.items()}
TASKS = tuple(TASK_MODEL_CLASSES)

# The serialized tf.Example features the classify/regress signatures read.
EXAMPLE_TEXT_FEATURE = "text"
EXAMPLE_TEXT_PAIR_FEATURE = "text_pair"


def task_text_inputs(task: str, text_pair: bool = False) -> tuple[TensorDoc, ...]:
    """The string inputs of ``serving_default`` for ``task``."""
    return get_task(task).text_inputs(text_pair)


def signature_specs(task: str, *, num_labels: int = 2, text_pair: bool = False,
                    ids_only: bool = False, options=None) -> dict[str, SignatureSpec]:
    """Every signature an export of ``task`` has, by signature name.

    Args:
        num_labels: the model's ``config.num_labels``; 1 makes a sequence classifier a regressor
            (``score`` output and a ``regress`` signature instead of ``classify``).
        text_pair: the classifier was trained on pairs (adds the ``text_pair`` input).
        ids_only: an export without tokenizer ops: ``serving_default`` is ``predict_ids``.
        options: the export's resolved :class:`~albert_tf.export.options.ExportOptions`, for heads whose
            outputs depend on them (None: the defaults).
    """
    head = get_task(task)
    regression = head.is_regression(num_labels)
    ids = SignatureSpec(PREDICT_IDS, PREDICT_METHOD, ids_inputs(head.rank3),
                        head.outputs(regression=regression, text=False, options=options),
                        "token ids in (already tokenized, e.g. by AlbertTokenizer)")
    if ids_only:
        return {SERVING_DEFAULT: dataclasses.replace(ids, name=SERVING_DEFAULT), PREDICT_IDS: ids}
    specs = {
        SERVING_DEFAULT: SignatureSpec(SERVING_DEFAULT, PREDICT_METHOD, head.text_inputs(text_pair),
                                       head.outputs(regression=regression, text=True, options=options),
                                       "raw strings in, tokenized in the graph"),
        PREDICT_IDS: ids,
    }
    specs.update(head.extra_signatures(regression))
    return specs


def token_outputs(task: str) -> frozenset[str]:
    """Outputs with a sequence (``L``) dimension: compared only where ``attention_mask`` is 1."""
    return frozenset(t.name for t in get_task(task).outputs(text=True) if "L" in t.shape)


def signatures_markdown() -> str:
    """Markdown description of every task's signatures (what ``export/SIGNATURES.md`` holds)."""
    lines = [
        "# Exported signatures, per task",
        "",
        "Generated from `albert_tf/export/signatures.py` by `python export/describe_signatures.py`; do not edit.",
        "",
        "Dimensions: `B` batch, `L` sequence (the batch's longest after truncation to max_length), `N` choices,",
        "`M` [MASK] tokens (most in any row), `E` entities (most in any row), `K` top_k, `C` labels, `H` hidden",
        "size. `B`, `L`, `N`, `M`, `E` are dynamic (-1 in `saved_model_cli show`); `C`, `K`, `H` are fixed by the",
        "exported model.",
        "",
    ]
    from albert_tf.export.options import ExportOptions

    def entities(strategy):
        return {"options": ExportOptions(task="token_classification", aggregation_strategy=strategy)}

    variants = [(task, "", {}) for task in TASKS]
    variants.insert(4, ("sequence_classification", " (pair)", {"text_pair": True}))
    variants.insert(5, ("sequence_classification", " (regression, num_labels=1)", {"num_labels": 1}))
    variants.insert(8, ("token_classification", " (aggregation_strategy simple, first, average or max)",
                        entities("simple")))
    variants.insert(9, ("token_classification", " (aggregation_strategy none)", entities("none")))
    for task, variant, kwargs in variants:
        lines += [f"## {task}{variant}", ""]
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
