"""The model directory of a pretraining run: resume, refuse or overwrite it, its metrics log, the export.

What a run leaves there (`RUN_OUTPUTS`), the `run_config.json` check that a resumed run continues the same
data stream and model, atomic writes that also work on object stores (gs://...), and `export_pretrained`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from typing import Any, Mapping

import tensorflow as tf

from albert_tf.utils.io import atomic_write_text
from albert_tf.utils.output_dir import OVERWRITE_FLAG, earlier_outputs, remove_outputs

RUN_CONFIG_NAME = "run_config.json"
METRICS_NAME = "metrics.jsonl"
CHECKPOINT_SUBDIR = "checkpoints"
TRAIN_LOG_SUBDIR, EVAL_LOG_SUBDIR = "train", "eval"
DEFAULT_EXPORT_SUBDIR = "pretrained"
WORKER_TMP = ".worker_tmp"  # non-chief workers' throwaway checkpoints
# What a run leaves in model_dir: removed by overwrite_output_dir, and the sign of an earlier run.
RUN_OUTPUTS = (CHECKPOINT_SUBDIR, TRAIN_LOG_SUBDIR, EVAL_LOG_SUBDIR, METRICS_NAME, RUN_CONFIG_NAME,
               DEFAULT_EXPORT_SUBDIR, WORKER_TMP)
# Settings that define the data stream; a resumed run must use the same ones to continue it exactly.
_STREAM_SETTINGS = ("train_files", "global_batch_size", "seed", "dynamic_masking", "shuffle_buffer_size",
                    "num_input_pipelines", "max_seq_length", "max_predictions_per_seq")


def _is_remote(path: str) -> bool:
    """gs://, s3://, ram://...: written through tf.io.gfile, whose objects appear whole when closed."""
    return "://" in path


def _remove_tree(path: str) -> None:
    if tf.io.gfile.exists(path):
        tf.io.gfile.rmtree(path)


def _write_text(path: str, text: str) -> None:
    """Atomic replace: locally via rename; remotely by writing a sibling and renaming it over ``path``."""
    if not _is_remote(path):
        atomic_write_text(path, text)
        return
    staging = f"{path}.tmp-{os.getpid()}"
    if tf.io.gfile.exists(staging):
        tf.io.gfile.remove(staging)
    with tf.io.gfile.GFile(staging, "w") as f:
        f.write(text)
    tf.io.gfile.rename(staging, path, overwrite=True)


class _MetricsLog:
    """JSON lines in model_dir/metrics.jsonl (chief only), one per log step and per event.

    Local files are appended and fsync'ed line by line; remote ones (no append on object stores) are
    rewritten whole, which an object store makes visible atomically.
    """

    def __init__(self, path: str | None):
        self.path = path
        self._text = None
        if path is not None and _is_remote(path):
            self._text = tf.io.gfile.GFile(path).read() if tf.io.gfile.exists(path) else ""

    def write(self, **row) -> None:
        if self.path is None:
            return
        row.setdefault("time", time.time())
        line = json.dumps(row, sort_keys=True) + "\n"
        if self._text is not None:
            self._text += line
            _write_text(self.path, self._text)
            return
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())


def _run_config_changes(previous: Mapping[str, Any], settings: Mapping[str, Any]) -> list[str]:
    """``"field: old -> new"`` for each data-stream setting and model config field that differs."""
    current = json.loads(json.dumps(settings, default=str))  # compare as run_config.json stores it
    changes = [f"{k}: {previous[k]!r} -> {current.get(k)!r}" for k in _STREAM_SETTINGS
               if k in previous and previous[k] != current.get(k)]
    old_model, new_model = previous.get("model_config") or {}, current.get("model_config") or {}
    changes += [f"model_config.{k}: {old_model.get(k)!r} -> {new_model.get(k)!r}"
                for k in sorted(set(old_model) | set(new_model)) if old_model.get(k) != new_model.get(k)]
    return changes


def prepare_model_dir(model_dir: str, settings: Mapping[str, Any], overwrite: bool, chief: bool) -> None:
    """Resume the same run, refuse another one, or (``overwrite``) remove the earlier run's outputs.

    A directory is the same run when its ``run_config.json`` records the same data stream and model
    config: restoring another shape would fail inside TensorFlow, and other data settings would silently
    continue a different stream, so the changed fields are named instead.
    """
    found = earlier_outputs(model_dir, RUN_OUTPUTS)
    if overwrite:
        if chief:
            remove_outputs(model_dir, found)
        return
    run_config_path = os.path.join(model_dir, RUN_CONFIG_NAME)
    if RUN_CONFIG_NAME in found:
        changes = _run_config_changes(json.loads(tf.io.gfile.GFile(run_config_path).read()), settings)
        if changes:
            raise ValueError(
                f"{run_config_path} records a different run ({'; '.join(changes)}). Resuming with them changed "
                f"would not continue it: pass the original values, choose a new model_dir, or pass "
                f"{OVERWRITE_FLAG} to start over")
    elif chief and [name for name in found if name != WORKER_TMP]:
        raise FileExistsError(f"model_dir {model_dir} holds {', '.join(found)} but no {RUN_CONFIG_NAME} (not a "
                              f"resumable albert-tf pretraining run); choose a new model_dir or pass {OVERWRITE_FLAG}")


def export_pretrained(model, export_dir: str, tokenizer=None) -> str:
    """``model.save_pretrained`` (+ the tokenizer files) into a local or remote (gs://...) directory."""
    if not _is_remote(export_dir):
        model.save_pretrained(export_dir)
        if tokenizer is not None:
            tokenizer.save_pretrained(export_dir)
        return export_dir
    staging = tempfile.mkdtemp(prefix="albert_tf_export_")
    try:
        model.save_pretrained(staging)
        if tokenizer is not None:
            tokenizer.save_pretrained(staging)
        tf.io.gfile.makedirs(export_dir)
        for name in sorted(os.listdir(staging)):
            tf.io.gfile.copy(os.path.join(staging, name), export_dir.rstrip("/") + "/" + name, overwrite=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return export_dir
