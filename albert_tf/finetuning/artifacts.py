"""What a fine-tuning run leaves in its output directory, and how it is written and read back.

The file names (settings, metrics, evaluation results, TensorBoard logs), the list `albert-tf finetune`
checks an output directory against, atomic JSON writing and reading a model's saved settings.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from albert_tf.checkpoints.resolve import SAFETENSORS_INDEX_NAME, SAFETENSORS_NAME, TF_H5_NAME
from albert_tf.modeling.config import CONFIG_NAME
from albert_tf.tokenization.constants import SPECIAL_TOKENS_MAP_FILE, TOKENIZER_CONFIG_FILE, VOCAB_FILE_NAME
from albert_tf.utils.io import atomic_write_text

SETTINGS_FILE = "finetune_settings.json"
METRICS_FILE = "metrics.json"
EVAL_RESULTS_FILE = "eval_results.json"  # what `albert-tf evaluate` writes beside the model by default
LOG_DIR = "logs"
# Everything a fine-tuning run leaves in output_dir (see albert_tf.utils.output_dir): the model directory
# (config, weights, tokenizer), metrics, settings, evaluation results and TensorBoard logs.
OUTPUT_ARTIFACTS = (CONFIG_NAME, SAFETENSORS_NAME, SAFETENSORS_INDEX_NAME, "model-*-of-*.safetensors", TF_H5_NAME,
                    VOCAB_FILE_NAME, TOKENIZER_CONFIG_FILE, SPECIAL_TOKENS_MAP_FILE, METRICS_FILE, SETTINGS_FILE,
                    EVAL_RESULTS_FILE, LOG_DIR)


def _json_default(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def write_json(path: str, value: Any) -> None:
    """Atomic, indented JSON."""
    atomic_write_text(path, json.dumps(value, indent=2, sort_keys=False, default=_json_default) + "\n")


def load_settings(model_dir: str) -> dict:
    """The ``finetune_settings.json`` a fine-tuned model directory carries ({} when absent)."""
    path = os.path.join(model_dir, SETTINGS_FILE)
    if not os.path.isfile(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)
