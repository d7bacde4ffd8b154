"""`AlbertPreTrainedModel`: what the seven HF-named heads share, and nothing head-specific.

HF's call conventions (a dict or BatchEncoding as first argument, positional inputs, rank checks), Keras'
training hooks (`compute_loss` from HF label keys or `y`, per-output metrics, replica scaling under
tf.distribute) and weight I/O (`from_pretrained` / `save_pretrained`). The heads live in
`albert_tf.modeling.head_models`.
"""

from __future__ import annotations

import inspect
import logging
import os
import re
from collections.abc import Mapping
from typing import Any

import keras
import numpy as np
from keras import ops

from albert_tf.modeling.backbone import AlbertMainLayer
from albert_tf.modeling.config import AlbertConfig
from albert_tf.modeling.hf_api import HFModelAPI
from albert_tf.modeling.outputs import ModelOutput

logger = logging.getLogger(__name__)

# HF's TF `call` arguments (the head's label arguments follow them).
_MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids", "position_ids", "head_mask", "inputs_embeds")
_FLAGS = ("output_attentions", "output_hidden_states", "return_dict")
# from_pretrained keywords of HF that concern finding files, not the config: accepted, and what they ask
# for is done by albert_tf's loader anyway (formats are detected, nothing is cached beyond the hub's own).
_LOADING_KWARGS_DONE_ANYWAY = ("from_pt", "from_tf", "use_safetensors", "cache_dir", "local_files_only",
                               "revision", "token", "force_download", "trust_remote_code", "_from_auto")


def _to_tensor(value):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)) or isinstance(value, (int, np.integer)):
        value = np.asarray(value)
    if isinstance(value, np.ndarray) and value.dtype == np.int64:
        value = value.astype(np.int32)
    return ops.convert_to_tensor(value)


class AlbertPreTrainedModel(HFModelAPI, keras.Model):
    """Shared input handling, losses, Keras training hooks and weight I/O for the ALBERT models.

    HF's TFPreTrainedModel API (embeddings, resizing, signatures, serving, datasets) comes from HFModelAPI.
    """

    # Label argument names this head accepts, in HF's naming.
    label_names: tuple[str, ...] = ("labels",)
    # Inputs a head takes beyond HF's (the masked-LM heads' mask_positions).
    extra_inputs: tuple[str, ...] = ()
    # Output keys given to a loss or metrics set with `compile(loss=..., metrics=...)`.
    primary_outputs: tuple[str, ...] = ("logits",)
    add_pooling_layer = True
    rank_of_inputs = 2

    def __init__(self, config: AlbertConfig | dict, **kwargs):
        name = kwargs.pop("name", None) or _snake_case(type(self).__name__)
        super().__init__(name=name, **kwargs)
        self.config = config if isinstance(config, AlbertConfig) else AlbertConfig.from_dict(config)
        self.albert = AlbertMainLayer(
            self.config, add_pooling_layer=self.add_pooling_layer, name="albert", dtype=self.dtype_policy
        )
        self._make_head()
        self.build()

    def _make_head(self) -> None:
        """Creates the head layers (none for the bare model)."""

    def _build_head(self) -> None:
        """Builds the head layers' weights."""

    def build(self, input_shape=None):
        if self.built:
            return
        self.albert.build()
        self._build_head()
        self.built = True

    # -- Keras serialization ------------------------------------------------------------------------
    def get_config(self):
        return {"config": self.config.to_dict(), "name": self.name, "trainable": self.trainable,
                "dtype": keras.saving.serialize_keras_object(self.dtype_policy)}

    @classmethod
    def from_config(cls, config, **kwargs):
        """A fresh model from an AlbertConfig or an HF config dict (HF), or from `get_config()` (Keras)."""
        if isinstance(config, AlbertConfig):
            return cls(config, **kwargs)
        config = dict(config)
        if not isinstance(config.get("config"), (dict, AlbertConfig)):
            return cls(AlbertConfig.from_dict(config), **kwargs)
        dtype = config.pop("dtype", None)
        if isinstance(dtype, dict):
            dtype = keras.saving.deserialize_keras_object(dtype)
        inner = config.pop("config")
        inner = inner if isinstance(inner, AlbertConfig) else AlbertConfig.from_dict(inner)
        return cls(inner, dtype=dtype, **config, **kwargs)

    # -- inputs -------------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        # Keras accepts only plain dicts of tensors positionally; HF users pass BatchEncoding (a UserDict)
        # there, with flags such as output_attentions=True inside (HF's input processing honours them).
        if args and isinstance(args[0], Mapping):
            inputs = dict(args[0])
            for key in _FLAGS + ("training",):
                if key in inputs and (inputs[key] is None or isinstance(inputs[key], (bool, np.bool_))):
                    kwargs.setdefault(key, inputs.pop(key))
            args = (inputs,) + args[1:]
        return super().__call__(*args, **kwargs)

    def _parse_inputs(self, input_ids, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Accepts HF's input forms: keywords, a dict/BatchEncoding first, a list/tuple in HF's order."""
        values: dict[str, Any] = {}
        if isinstance(input_ids, Mapping):
            values.update(input_ids)
        elif isinstance(input_ids, (list, tuple)) and input_ids and all(
            v is None or hasattr(v, "shape") or isinstance(v, bool) for v in input_ids
        ):
            # HF's rule: a list/tuple holds the call's arguments in the order of its signature.
            order = [n for n in inspect.signature(self.call).parameters if n not in ("training", "kwargs")]
            if len(input_ids) > len(order):
                raise ValueError(f"At most {len(order)} positional inputs ({', '.join(order)}); got {len(input_ids)}")
            values.update((k, v) for k, v in zip(order, input_ids) if v is not None)
        else:
            values["input_ids"] = input_ids
        for key, value in kwargs.items():
            if value is not None:
                values[key] = value
        accepted = set(_MODEL_INPUTS) | set(_FLAGS) | set(self.label_names) | set(self.extra_inputs)
        ignored = sorted(k for k in values if k not in accepted)
        if ignored:
            logger.warning("%s ignores input(s) it does not take: %s", type(self).__name__, ", ".join(ignored))
            for key in ignored:
                values.pop(key)
        if values.get("head_mask") is not None:
            raise ValueError(
                "head_mask is not supported by albert_tf (HF's TF ALBERT does not implement it either); pass None."
            )
        if values.get("input_ids") is not None and values.get("inputs_embeds") is not None:
            raise ValueError("You cannot specify both input_ids and inputs_embeds at the same time")
        if values.get("input_ids") is None and values.get("inputs_embeds") is None:
            raise ValueError("You have to specify either input_ids or inputs_embeds")
        for key in _MODEL_INPUTS + self.label_names + self.extra_inputs:
            values[key] = _to_tensor(values.get(key))
        self._check_ranks(values)
        for flag, default in (
            ("output_attentions", self.config.output_attentions),
            ("output_hidden_states", self.config.output_hidden_states),
            ("return_dict", self.config.use_return_dict),
        ):
            value = values.get(flag)
            values[flag] = default if value is None else bool(value)
        return values

    def _check_ranks(self, values: dict[str, Any]) -> None:
        rank = self.rank_of_inputs
        expected = {"input_ids": rank, "attention_mask": rank, "token_type_ids": rank, "position_ids": rank,
                    "inputs_embeds": rank + 1}
        for key, want in expected.items():
            value = values.get(key)
            if value is None or key == "position_ids" and len(value.shape) == rank - 1:
                continue
            if len(value.shape) != want:
                layout = "[batch, num_choices, sequence]" if rank == 3 else "[batch, sequence]"
                raise ValueError(
                    f"{type(self).__name__}: `{key}` must have rank {want} ({layout}"
                    f"{', embedding' if key == 'inputs_embeds' else ''}), got shape {tuple(value.shape)}"
                )
        reference = values.get("input_ids")
        if reference is None:
            reference = values["inputs_embeds"]
        for key in ("attention_mask", "token_type_ids"):
            value = values.get(key)
            if value is not None and None not in value.shape and None not in reference.shape[:rank]:
                if tuple(value.shape) != tuple(reference.shape[:rank]):
                    raise ValueError(
                        f"`{key}` shape {tuple(value.shape)} does not match the inputs' shape "
                        f"{tuple(reference.shape[:rank])}"
                    )

    def _backbone(self, v: dict[str, Any], training):
        return self.albert(
            input_ids=v["input_ids"], attention_mask=v["attention_mask"], token_type_ids=v["token_type_ids"],
            position_ids=v["position_ids"], inputs_embeds=v["inputs_embeds"],
            output_attentions=v["output_attentions"], output_hidden_states=v["output_hidden_states"],
            training=training,
        )

    @staticmethod
    def _finish(output: ModelOutput, return_dict: bool):
        return output if return_dict else output.to_tuple()

    # -- losses and Keras training hooks -----------------------------------------------------------
    def hf_compute_loss(self, labels: dict[str, Any], output: Mapping, sample_weight=None):
        """HF's loss for this head, from label tensors keyed by HF's argument names.

        `sample_weight` ([batch]) multiplies each example's loss (each of its tokens' losses for the
        token-averaged heads); the average is then taken over the same examples or tokens as without it.
        """
        raise NotImplementedError(f"{type(self).__name__} has no built-in loss; use compile(loss=...)")

    def _labels_from_y(self, y) -> dict[str, Any]:
        if isinstance(y, Mapping):
            return {k: y[k] for k in self.label_names if k in y}
        if isinstance(y, (list, tuple)):
            return dict(zip(self.label_names, y))
        return {self.label_names[0]: y}

    def _gather_labels(self, x, y) -> dict[str, Any]:
        """Labels from y, plus those of this head's labels that ride in the features x (y wins)."""
        labels = {k: x[k] for k in self.label_names if isinstance(x, Mapping) and k in x}
        labels.update(self._labels_from_y(y))
        return labels

    def _primary(self, y_pred):
        keys = [k for k in self.primary_outputs if k in y_pred]
        return y_pred[keys[0]] if len(keys) == 1 else tuple(y_pred[k] for k in keys)

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, **kwargs):
        """Keras `compile`. As with HF's models under Keras 2, a flat `metrics` list on a two-output head
        (pre-training, question answering) is applied to each output, reported as `<output>_<metric>`."""
        flat = isinstance(metrics, (list, tuple)) and not any(isinstance(m, (list, tuple, dict)) for m in metrics)
        if metrics and flat and len(self.primary_outputs) > 1:
            metrics = {name: [_fresh_metric(m) for m in metrics] for name in self.primary_outputs}
        self._metrics_by_output = isinstance(metrics, dict)
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The Keras loss if compiled with one, else HF's loss of this head (see `hf_compute_loss`).

        With the HF loss, `sample_weight` (and Keras' `class_weight`, which arrives as one) is applied per
        example: `fit(x, y, sample_weight=w)` weights example i's loss by w[i]. (HF's TF models under Keras 2
        passed it to a dummy Keras loss over the already-reduced loss; per example is what the name says.)
        Keras delivers weights only with labels as `y` (or a dataset of (x, y, w)); with the labels inside
        `x` and no `y`, Keras itself drops `sample_weight` before the loss sees it.
        """
        if self._compile_loss is not None:
            return super().compute_loss(x, y, self._primary(y_pred), sample_weight, training=training)
        sample_weight = _per_example(sample_weight)
        if y is None and sample_weight is not None and isinstance(x, Mapping):
            y = {k: x[k] for k in self.label_names if k in x} or None
        if y is not None:
            loss = self.hf_compute_loss(self._gather_labels(x, y), y_pred, sample_weight=sample_weight)
        elif "loss" in y_pred:
            loss = y_pred["loss"]
        else:
            raise ValueError(
                f"No loss to compute for {type(self).__name__}: put the labels in the features under "
                f"{'/'.join(self.label_names)}, pass them as y, or compile(loss=...)."
            )
        total = ops.mean(loss)
        for extra in self.losses:
            total = total + ops.cast(extra, total.dtype)
        return _scale_for_replicas(total)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        sample_weight = _per_example(sample_weight)
        if y is None and isinstance(x, Mapping):
            y = {k: x[k] for k in self.label_names if k in x} or None
        if y is None or not self.label_names:
            return super().compute_metrics(x, y, self._primary(y_pred), sample_weight)
        labels = self._gather_labels(x, y)
        if len(self.primary_outputs) == 1:
            return super().compute_metrics(x, labels.get(self.label_names[0]), self._primary(y_pred), sample_weight)
        # Two outputs: labels pair with outputs by position (labels -> prediction_logits, ...).
        by_output = {out: labels[lab] for lab, out in zip(self.label_names, self.primary_outputs) if lab in labels}
        if getattr(self, "_metrics_by_output", False):
            weights = None if sample_weight is None else {k: sample_weight for k in by_output}
            return super().compute_metrics(x, by_output, {k: y_pred[k] for k in by_output}, weights)
        return super().compute_metrics(x, tuple(by_output.values()), self._primary(y_pred), sample_weight)

    # -- weights I/O --------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: str | os.PathLike, *model_args,
                        config: AlbertConfig | None = None, subfolder: str = "", output_loading_info: bool = False,
                        ignore_mismatched_sizes: bool = False, **kwargs):
        """Loads HF (model.safetensors(.index.json), tf_model.h5, pytorch_model.bin) or google-research TF1 weights.

        `kwargs` override config fields (e.g. `num_labels=3`, `output_hidden_states=True`); `subfolder` is a
        directory inside the model directory or hub repository; `output_loading_info=True` also returns
        `{"missing_keys", "unexpected_keys", "mismatched_keys"}`. Formats are detected, so HF's `from_pt`,
        `use_safetensors`, `cache_dir`, ... are accepted and need nothing more.
        See `albert_tf.checkpoints.load_pretrained` for the resolution rules.

        Example:
            >>> model = TFAlbertModel.from_pretrained("path/to/repo", subfolder="albert")  # doctest: +SKIP
        """
        from albert_tf.checkpoints.loading import load_pretrained

        if model_args:
            raise TypeError(f"{cls.__name__}.from_pretrained takes no positional model arguments after the path")
        for key in _LOADING_KWARGS_DONE_ANYWAY:
            kwargs.pop(key, None)
        model, info = load_pretrained(cls, pretrained_model_name_or_path, config=config, subfolder=subfolder,
                                      ignore_mismatched_sizes=ignore_mismatched_sizes, **kwargs)
        if output_loading_info:
            return model, {"missing_keys": info["new"], "unexpected_keys": info["unexpected"],
                           "mismatched_keys": info["mismatched"], "error_msgs": []}
        return model

    def save_pretrained(self, save_directory: str | os.PathLike, saved_model: bool = False, version: int = 1,
                        push_to_hub: bool = False, signatures=None, max_shard_size: int | str = "10GB",
                        create_pr: bool = False, safe_serialization: bool | None = None, token=None,
                        weights_format: str | None = None, **kwargs) -> str:
        """HF's `save_pretrained`: config.json + weights, written atomically; returns the directory.

        - weights: `model.safetensors` in HF PyTorch naming by default (HF's TF and PyTorch classes both read
          it); `safe_serialization=False` (HF TF's default) or `weights_format="h5"` writes HF's
          `tf_model.h5`, `weights_format="both"` both.
        - `max_shard_size` (bytes or "200MB"): larger safetensors weights are split into
          `model-0000i-of-0000n.safetensors` + `model.safetensors.index.json`, as HF does.
        - `saved_model=True` also exports a TF SavedModel of `serving` to `saved_model/<version>`; an existing
          version is never overwritten (pass another `version`).
        - `push_to_hub=True` then uploads the directory with huggingface_hub (`repo_id=`, `commit_message=`,
          `private=`, `token=`, `create_pr=`).
        """
        from albert_tf.checkpoints.saving import save_pretrained

        if weights_format is None:
            weights_format = "h5" if safe_serialization is False else "safetensors"
        return save_pretrained(
            self, save_directory, weights_format=weights_format, max_shard_size=max_shard_size,
            saved_model=saved_model, version=version, signatures=signatures, push_to_hub=push_to_hub,
            hub_options=dict(kwargs, create_pr=create_pr, token=token),
        )


def _per_example(sample_weight):
    """Keras copies `fit(sample_weight=w)` into y's structure ({"labels": w}, (w, w)); the weights are one."""
    if isinstance(sample_weight, Mapping):
        return next(iter(sample_weight.values()), None)
    if isinstance(sample_weight, (list, tuple)):
        return sample_weight[0] if sample_weight else None
    return sample_weight


def _fresh_metric(metric):
    """A new metric object like `metric` (one per output; Keras metrics hold state)."""
    if isinstance(metric, keras.metrics.Metric):
        return type(metric).from_config(metric.get_config())
    return metric


def _scale_for_replicas(loss):
    """Divides by the replica count under tf.distribute, as Keras does inside compiled losses.

    Keras sums replica gradients; without this, a built-in HF loss under MirroredStrategy would be
    reported and optimised N times too large.
    """
    if keras.backend.backend() != "tensorflow":
        # JAX and torch trainers reduce per device themselves (keras.distribution); tf.distribute is TF's.
        return loss
    import tensorflow as tf

    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss if replicas == 1 else loss * ops.cast(1.0 / replicas, loss.dtype)


def _snake_case(name: str) -> str:
    """HF's Keras model names: TFAlbertForPreTraining -> tf_albert_for_pre_training."""
    return re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", name).lower()


def _register(cls):
    return keras.saving.register_keras_serializable(package="albert_tf")(cls)
