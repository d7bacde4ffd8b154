"""The state of one fine-tuning run during `fit`: per-epoch evaluation, best-model saving, TensorBoard logs.

`_Run` holds what the epochs share (eval data, the best epoch so far, the history); `_callbacks` gives
`fit` the Keras callback that drives it.
"""

from __future__ import annotations

import dataclasses
import math
import os
from typing import Any, Mapping

import numpy as np

from albert_tf.finetuning.artifacts import SETTINGS_FILE, write_json
from albert_tf.finetuning.prediction import _score
from albert_tf.tasks import Settings
from albert_tf.training.summaries import write_scalars


def _scalars(metrics: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """The numeric entries of a (nested) metrics dict, flattened with '/' for TensorBoard."""
    out = {}
    for key, value in metrics.items():
        if isinstance(value, Mapping):
            out.update(_scalars(value, f"{prefix}{key}/"))
        elif isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
            out[prefix + key] = float(value)
    return out


def _callbacks(run: "_Run", train_writer, log_every: int) -> list:
    import keras

    class EvalAndLog(keras.callbacks.Callback):
        """Training loss and learning rate every ``log_every`` steps; eval, best-model saving per epoch."""

        def __init__(self):
            super().__init__()
            self.step = 0

        def on_train_batch_end(self, batch, logs=None):
            self.step += 1
            if train_writer is not None and self.step % log_every == 0 and logs and "loss" in logs:
                if hasattr(self.model, "jax_state_sync"):
                    # JAX's fit keeps the step's state outside the variables until the epoch ends; the
                    # learning rate below reads the optimizer's step count.
                    self.model.jax_state_sync()
                optimizer = self.model.optimizer
                rate = optimizer.learning_rate
                write_scalars(train_writer, self.step, {"loss": float(logs["loss"]), "learning_rate": float(rate)})

        def on_epoch_end(self, epoch, logs=None):
            write_scalars(train_writer, self.step, {"epoch_loss": float((logs or {}).get("loss", float("nan")))})
            run.end_of_epoch(epoch + 1, dict(logs or {}))

    if not run.verbose:
        return [EvalAndLog()]
    # Keras appends its own progress bar after the given callbacks, so the epoch's evaluation line would be
    # printed before the bar ends its line ("loss: 0.6927epoch 1: eval ..."); given first, the bar
    # finishes the epoch before the evaluation reports.
    return [keras.callbacks.ProgbarLogger(), EvalAndLog()]


@dataclasses.dataclass
class _Run:
    task: Any
    model: Any
    tokenizer: Any
    settings: Settings
    output_dir: str
    eval_examples: list | None
    eval_encoded: Any
    eval_batch_size: int
    metric: str
    greater_is_better: bool
    chief: bool
    verbose: bool
    writer: Any = None
    history: list = dataclasses.field(default_factory=list)
    best: dict | None = None

    def is_better(self, value) -> bool:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return False
        if self.best is None or self.best["value"] is None:
            return True
        return value > self.best["value"] if self.greater_is_better else value < self.best["value"]

    def evaluate(self) -> dict:
        metrics, _ = _score(self.task, self.model, self.eval_examples, self.eval_encoded, self.settings,
                            self.tokenizer, self.eval_batch_size)
        return metrics

    def log(self, step: int, metrics: Mapping) -> None:
        write_scalars(self.writer, step, _scalars(metrics))

    def end_of_epoch(self, epoch: int, logs: dict) -> None:
        entry = {"epoch": epoch, "train_loss": float(logs["loss"]) if "loss" in logs else None}
        if self.eval_examples is not None:
            metrics = self.evaluate()
            entry["eval"] = metrics
            self.log(epoch, metrics)
            value = metrics.get(self.metric)
            improved = self.is_better(value)
            if improved:
                self.best = {"epoch": epoch, "value": value, "metrics": metrics}
                self.save()
            if self.verbose:
                shown = ", ".join(f"{k}={v:.4f}" for k, v in _scalars(metrics).items()
                                  if "/" not in k and not k.startswith("num_"))
                print(f"epoch {epoch}: eval {shown}{'  (best so far, saved)' if improved else ''}", flush=True)
        self.history.append(entry)

    def save(self) -> None:
        if not self.chief:
            return
        self.model.save_pretrained(self.output_dir)
        self.tokenizer.save_pretrained(self.output_dir)
        write_json(os.path.join(self.output_dir, SETTINGS_FILE),
                   {"task": self.task.name, **dataclasses.asdict(self.settings)})
