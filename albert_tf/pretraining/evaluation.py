"""Held-out evaluation of pretraining: MLM/SOP loss and accuracy over records, and constant-guess baselines.

`metrics_from_sums` turns a step's accumulated sums into losses and accuracies (training logs use it too);
`evaluate_pretraining` runs one ordered pass under a strategy, `evaluate_pretrained` on a saved model.
"""

from __future__ import annotations

import os
from typing import Mapping, Sequence

import numpy as np
import tensorflow as tf

from albert_tf.modeling import TFAlbertForPreTraining
from albert_tf.pretraining import input as pretraining_input
from albert_tf.pretraining.step import PretrainingStep


def metrics_from_sums(sums: Mapping[str, float]) -> dict[str, float]:
    """Loss = MLM mean + SOP mean, and the accuracies, from accumulated sums."""
    weight = max(float(sums["mlm_weight"]), 1e-9)
    examples = max(float(sums["examples"]), 1e-9)
    mlm_loss = float(sums["mlm_loss_sum"]) / weight
    sop_loss = float(sums["sop_loss_sum"]) / examples
    return {
        "loss": mlm_loss + sop_loss,
        "mlm_loss": mlm_loss,
        "mlm_accuracy": float(sums["mlm_correct"]) / weight,
        "sop_loss": sop_loss,
        "sop_accuracy": float(sums["sop_correct"]) / examples,
    }


def majority_baselines(file_patterns, max_records: int | None = None) -> dict[str, float]:
    """Accuracy of the best constant guesses on these records: always the most frequent masked token
    (the unigram baseline), and always the more frequent SOP label (chance)."""
    files = pretraining_input.resolve_files(file_patterns)
    token_counts: dict[int, int] = {}
    sop = [0, 0]
    dataset = tf.data.TFRecordDataset(files)
    if max_records:
        dataset = dataset.take(max_records)
    seq, preds = pretraining_input.record_shapes(files)
    spec = pretraining_input._feature_spec(seq, preds, with_boundary=False)
    for batch in dataset.batch(1024).map(lambda s: pretraining_input._parse_batch(s, spec)).as_numpy_iterator():
        ids = batch["masked_lm_ids"][batch["masked_lm_weights"] > 0]
        values, counts = np.unique(ids, return_counts=True)
        for v, c in zip(values.tolist(), counts.tolist()):
            token_counts[v] = token_counts.get(v, 0) + c
        labels = batch["sentence_order_label"]
        sop[1] += int(labels.sum())
        sop[0] += int(labels.size - labels.sum())
    total = max(1, sum(token_counts.values()))
    return {"unigram_mlm_accuracy": max(token_counts.values(), default=0) / total,
            "majority_sop_accuracy": max(sop) / max(1, sum(sop))}


def _make_eval_dataset_fn(files, global_batch_size, seq, preds):
    def dataset_fn(context: tf.distribute.InputContext):
        return pretraining_input.pretraining_dataset(
            files, context.get_per_replica_batch_size(global_batch_size), input_context=context, is_training=False,
            max_seq_length=seq, max_predictions_per_seq=preds)
    return dataset_fn


def count_records(files: Sequence[str]) -> int:
    return int(sum(1 for _ in tf.data.TFRecordDataset(list(files))))


def _num_input_pipelines(strategy: tf.distribute.Strategy) -> int:
    """Input pipelines the strategy creates (one per worker host), asked from the strategy itself."""
    seen: list[int] = []

    def probe(context: tf.distribute.InputContext):
        seen.append(context.num_input_pipelines)
        return tf.data.Dataset.range(1)

    strategy.distribute_datasets_from_function(probe)
    return seen[0]


def _records_per_pipeline(files: Sequence[str], num_pipelines: int) -> list[int]:
    """How many records each pipeline of :func:`pretraining_dataset` sees in one ordered pass."""
    if num_pipelines == 1:
        return [count_records(files)]
    if len(files) >= num_pipelines:
        return [count_records(files[i::num_pipelines]) for i in range(num_pipelines)]
    total = count_records(files)
    return [len(range(i, total, num_pipelines)) for i in range(num_pipelines)]


def evaluate_pretraining(step_fn: PretrainingStep, files, global_batch_size: int,
                         max_steps: int | None = None) -> dict:
    """Held-out MLM/SOP loss and accuracy over ``files`` (one ordered pass, full global batches only)."""
    strategy = step_fn.strategy
    files = pretraining_input.resolve_files(files)
    seq, preds = pretraining_input.record_shapes(files)
    num_pipelines = _num_input_pipelines(strategy)
    per_pipeline = pretraining_input.examples_per_pipeline(global_batch_size, num_pipelines)
    # Each pipeline reads its own shard; the pass ends when the smallest shard runs out of full batches.
    steps = min(count // per_pipeline for count in _records_per_pipeline(files, num_pipelines))
    if max_steps:
        steps = min(steps, max_steps)
    if steps < 1:
        raise ValueError(f"the evaluation records hold less than one global batch ({global_batch_size}) "
                         f"per input pipeline ({num_pipelines})")
    dataset = strategy.distribute_datasets_from_function(
        _make_eval_dataset_fn(files, global_batch_size, seq, preds))
    totals = step_fn.evaluate(iter(dataset), tf.constant(steps))
    metrics = metrics_from_sums({k: float(v) for k, v in totals.items()})
    metrics["examples"] = float(totals["examples"])
    return metrics


def evaluate_pretrained(model_or_dir, eval_files, batch_size: int = 32, max_steps: int | None = None) -> dict:
    """MLM/SOP loss and accuracy of a pretrained model on records, with the constant-guess baselines.

    Example:
        >>> evaluate_pretrained("/tmp/run/pretrained", "/tmp/heldout-*.tfrecord")   # doctest: +SKIP
        {'loss': 5.93, 'mlm_accuracy': 0.16, 'sop_accuracy': 0.61, 'unigram_mlm_accuracy': 0.06, ...}
    """
    model = model_or_dir if isinstance(model_or_dir, TFAlbertForPreTraining) else \
        TFAlbertForPreTraining.from_pretrained(os.fspath(model_or_dir))
    step_fn = PretrainingStep(model, None, tf.distribute.get_strategy(), batch_size, None)
    metrics = evaluate_pretraining(step_fn, eval_files, batch_size, max_steps)
    metrics.update(majority_baselines(eval_files))
    return metrics
