"""Inference over encoded rows: length-sorted padded batches through a fine-tuned model, and scoring.

`predict_rows` runs the model (one traced function per layout on TensorFlow, the model itself on JAX and
torch); `_score` turns its outputs into the task's metrics and predictions, for `finetune`'s per-epoch
evaluation and for `evaluate`.
"""

from __future__ import annotations

import contextlib
import weakref
from typing import Any, Mapping, Sequence

import numpy as np

from albert_tf.finetuning.batching import pad_batch, sequence_length


def _pad_values(task, tokenizer) -> dict[str, int]:
    return {"input_ids": tokenizer.pad_token_id, **task.label_pad_values}


_PREDICT_STEPS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _predict_step(model, output_keys: tuple[str, ...], example: Mapping[str, np.ndarray]):
    """One traced inference function per model and feature layout; every dimension is left unknown so
    batches of any size and length reuse it. On the JAX and torch backends: the model itself, called on
    the numpy batch (no TensorFlow there)."""
    import keras

    backend = keras.backend.backend()
    if backend != "tensorflow":
        if backend == "torch":
            import torch

            no_grad = torch.no_grad  # no autograd graph for evaluation batches
        else:
            no_grad = contextlib.nullcontext  # JAX computes no gradients unless asked

        def call(batch):
            with no_grad():
                out = model(batch, training=False)
                return {k: keras.ops.convert_to_numpy(out[k]) for k in output_keys + ("loss",) if k in out}

        return call

    import tensorflow as tf

    signature = {k: tf.TensorSpec([None] * v.ndim, tf.as_dtype(v.dtype)) for k, v in example.items()}
    key = (output_keys, tuple(sorted((k, v.ndim, str(v.dtype)) for k, v in example.items())))
    cache = _PREDICT_STEPS.setdefault(model, {})
    if key not in cache:
        @tf.function(input_signature=[signature])
        def step(batch):
            out = model(batch, training=False)
            return {k: out[k] for k in output_keys + ("loss",) if k in out}

        cache[key] = step
    return cache[key]


def predict_rows(model, rows: Sequence[Mapping], pad_values: Mapping[str, int], output_keys: Sequence[str], *,
                 batch_size: int = 32, progress: bool = False) -> tuple[dict[str, list[np.ndarray]], float | None]:
    """Runs ``model`` over ``rows`` (length-sorted batches, original order restored).

    Returns each output in ``output_keys`` as a list with one array per row, cut to the row's own
    length along the sequence axis, and the mean loss when the rows carry labels (per-example losses
    averaged over examples; token classification's per-batch means weighted by batch size).
    """
    import keras

    step = _predict_step(model, tuple(output_keys), pad_batch(rows[:2], pad_values))
    order = sorted(range(len(rows)), key=lambda i: sequence_length(rows[i]))
    results: dict[str, list] = {k: [None] * len(rows) for k in output_keys}
    loss_sum, loss_count = 0.0, 0
    bar = keras.utils.Progbar(len(rows), unit_name="example") if progress else None
    for start in range(0, len(order), batch_size):
        indices = order[start:start + batch_size]
        batch = pad_batch([rows[i] for i in indices], pad_values)
        out = step(batch)
        if "loss" in out:
            loss = np.asarray(out["loss"], dtype=np.float64)
            weight = len(indices) if loss.shape == (1,) else 1
            loss_sum += float(loss.sum()) * weight
            loss_count += len(indices)
        for key in output_keys:
            values = np.asarray(out[key], dtype=np.float32)
            for k, i in enumerate(indices):
                value = values[k]
                ids = rows[i]["input_ids"]
                # Sequence outputs (token logits, start/end logits) drop the batch padding; class,
                # regression and choice logits have no sequence axis.
                if not (ids and isinstance(ids[0], list)) and value.ndim >= 1 and value.shape[0] == batch["input_ids"].shape[1]:
                    value = value[: len(ids)]
                results[key][i] = value
        if bar is not None:
            bar.add(len(indices))
    return results, (loss_sum / loss_count if loss_count else None)


def _score(task, model, examples, encoded, settings, tokenizer, batch_size, progress=False) -> tuple[dict, Any]:
    outputs, loss = predict_rows(model, encoded.rows, _pad_values(task, tokenizer), task.output_keys,
                                 batch_size=batch_size, progress=progress)
    metrics, predictions = task.decode(examples, encoded, outputs, settings, model.config)
    if loss is not None:
        metrics["eval_loss"] = loss
    return metrics, predictions
