"""Loading any supported checkpoint into one of the seven models.

Example:
    >>> import tempfile
    >>> from albert_tf import AlbertConfig, TFAlbertModel, TFAlbertForSequenceClassification
    >>> base = TFAlbertModel(AlbertConfig(vocab_size=30, embedding_size=8, hidden_size=16,
    ...     num_attention_heads=2, intermediate_size=32, num_hidden_layers=1))
    >>> path = base.save_pretrained(tempfile.mkdtemp())
    >>> classifier = TFAlbertForSequenceClassification.from_pretrained(path, num_labels=3)  # warns: new head
    >>> classifier.config.num_labels
    3
"""

from __future__ import annotations

import logging

import numpy as np

from albert_tf.checkpoints import formats
from albert_tf.checkpoints.names import WeightEntry, entries_by_pt_name, weight_table
from albert_tf.checkpoints.resolve import resolve_checkpoint, with_subfolder
from albert_tf.modeling.config import AlbertConfig, read_tf1_config

logger = logging.getLogger("albert_tf")


class MissingWeightsError(ValueError):
    """The checkpoint lacks weights the model cannot do without; the message lists them."""


def read_pt_state(resolved) -> dict[str, np.ndarray]:
    readers = {
        "safetensors": formats.read_safetensors,
        "safetensors_index": formats.read_safetensors_index,
        "h5": formats.read_h5,
        "pytorch_bin": formats.read_pytorch_bin,
    }
    return readers[resolved.format](resolved.weights_path)


def assign_weights(model, state: dict[str, np.ndarray], *, source: str, ignore_mismatched_sizes: bool = False,
                   entries: list[WeightEntry] | None = None) -> dict[str, list[str]]:
    """Assigns PyTorch-named arrays to the model's variables.

    Backbone weights must all be present; head weights (and the pooler) that are absent keep their fresh
    initialisation, with a warning naming them. Shape mismatches are errors naming the weight and both
    shapes unless `ignore_mismatched_sizes`, which re-initialises those instead (HF's option).
    Returns the names that were newly initialised, unexpected and mismatched.
    """
    entries = weight_table(model) if entries is None else entries
    by_name = entries_by_pt_name(entries)
    missing_required = [e.pt_name for e in entries if e.pt_name not in state and not e.optional]
    if missing_required:
        raise MissingWeightsError(
            f"{source} lacks {len(missing_required)} weight(s) that {type(model).__name__} needs: "
            + ", ".join(missing_required[:10]) + (" ..." if len(missing_required) > 10 else "")
        )
    new = [e.pt_name for e in entries if e.pt_name not in state]
    mismatched: list[str] = []
    pending = []
    for name, array in state.items():
        entry = by_name.get(name)
        if entry is None:
            continue
        try:
            value = entry.to_keras(array)
        except ValueError as e:
            if not ignore_mismatched_sizes:
                raise ValueError(f"{source}: {e}") from None
            mismatched.append(f"{name}: checkpoint {tuple(np.shape(array))}, model {tuple(entry.variable.shape)}")
            continue
        pending.append((entry.variable, value))
    for variable, value in pending:
        variable.assign(value.astype(variable.dtype))
    unexpected = sorted(set(state) - set(by_name))
    if new:
        logger.warning(
            "Some weights of %s were not in %s and are newly initialized: %s. Train the model on a downstream task "
            "before using it for predictions.", type(model).__name__, source, ", ".join(new))
    if mismatched:
        logger.warning("Some weights of %s were newly initialized because the shapes did not match in %s: %s",
                       type(model).__name__, source, "; ".join(mismatched))
    if unexpected:
        logger.info("%s ignored weights of %s it does not use: %s", type(model).__name__, source,
                    ", ".join(unexpected))
    return {"new": new, "unexpected": unexpected, "mismatched": mismatched}


def load_pretrained(cls, name_or_path, *, config: AlbertConfig | None = None, ignore_mismatched_sizes: bool = False,
                    subfolder: str = "", **overrides):
    """Builds `cls` from the checkpoint's config (plus `overrides`) and loads its weights.

    Returns `(model, info)`, `info` as `assign_weights` returns it. `subfolder` is a directory inside
    `name_or_path` (local or a hub id).
    """
    resolved = resolve_checkpoint(with_subfolder(name_or_path, subfolder))
    if config is None:
        if resolved.format == "tf1" and resolved.config_path.endswith("albert_config.json"):
            config = read_tf1_config(resolved.config_path, **overrides)
        else:
            config = AlbertConfig.from_json_file(resolved.config_path, **overrides)
    elif overrides:
        config = AlbertConfig.from_dict(config.to_dict(), **overrides)
    model = cls(config)
    entries = weight_table(model)
    if resolved.format == "tf1":
        tensors = formats.read_tf1_tensors(resolved.weights_path, [e.tf1_name for e in entries if e.tf1_name])
        state = {}
        for e in entries:
            if e.tf1_name in tensors:
                value = tensors[e.tf1_name]
                # TF1 stores Dense kernels [in, out]; the interchange form is PyTorch's [out, in].
                pt_layout_in_tf1 = e.tf1_name.endswith("output_weights")
                state[e.pt_name] = value if pt_layout_in_tf1 or value.ndim != 2 or e.layout == "identity" else value.T
        source = f"TF1 checkpoint {resolved.weights_path}"
    else:
        state = read_pt_state(resolved)
        source = resolved.weights_path
    info = assign_weights(model, state, source=source, ignore_mismatched_sizes=ignore_mismatched_sizes,
                          entries=entries)
    return model, info
