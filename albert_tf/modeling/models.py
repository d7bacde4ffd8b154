"""The seven HF-named ALBERT models: HF call arguments in, HF output objects out, `model.fit` ready.

Migrating from transformers 4.x means changing one import line:

    >>> import numpy as np
    >>> from albert_tf import AlbertConfig, TFAlbertForSequenceClassification
    >>> config = AlbertConfig(vocab_size=60, embedding_size=8, hidden_size=16, num_attention_heads=2,
    ...                       intermediate_size=32, num_hidden_layers=2, num_labels=3)
    >>> model = TFAlbertForSequenceClassification(config)
    >>> encoded = {"input_ids": np.array([[2, 15, 9, 3]]), "attention_mask": np.array([[1, 1, 1, 1]])}
    >>> out = model(encoded)                      # a dict or BatchEncoding as first argument
    >>> tuple(out.logits.shape), out.loss is None
    ((1, 3), True)
    >>> out = model(**encoded, labels=np.array([1]))
    >>> tuple(out.loss.shape)
    (1,)

Each model is a Keras 3 `keras.Model`: `compile(optimizer=...)` + `fit(ds)` trains on HF-style label
keys in the features (`labels`, `start_positions`/`end_positions`, `sentence_order_label`) or on `y`;
`compile(loss=...)` applies a Keras loss to the primary output (logits) instead.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from typing import Any

import keras
import numpy as np
from keras import ops

from albert_tf.modeling import losses
from albert_tf.modeling.backbone import AlbertMainLayer
from albert_tf.modeling.config import AlbertConfig
from albert_tf.modeling.layers._base import initializer
from albert_tf.modeling.layers.heads import AlbertMLMHead, AlbertSOPHead
from albert_tf.modeling.outputs import (
    AlbertForPreTrainingOutput,
    BaseModelOutputWithPooling,
    MaskedLMOutput,
    ModelOutput,
    MultipleChoiceModelOutput,
    QuestionAnsweringModelOutput,
    SequenceClassifierOutput,
    TokenClassifierOutput,
)

logger = logging.getLogger(__name__)

# Positional order of HF's TF `call` arguments, used when inputs come as a list or tuple.
_MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids", "position_ids", "head_mask", "inputs_embeds")
_FLAGS = ("output_attentions", "output_hidden_states", "return_dict")


def _to_tensor(value):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)) or isinstance(value, (int, np.integer)):
        value = np.asarray(value)
    if isinstance(value, np.ndarray) and value.dtype == np.int64:
        value = value.astype(np.int32)
    return ops.convert_to_tensor(value)


class AlbertPreTrainedModel(keras.Model):
    """Shared input handling, losses, Keras training hooks and weight I/O for the ALBERT models."""

    # Label argument names this head accepts, in HF's naming.
    label_names: tuple[str, ...] = ("labels",)
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
    def from_config(cls, config):
        config = dict(config)
        dtype = config.pop("dtype", None)
        if isinstance(dtype, dict):
            dtype = keras.saving.deserialize_keras_object(dtype)
        return cls(AlbertConfig.from_dict(config.pop("config")), dtype=dtype, **config)

    # -- inputs -------------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        # Keras accepts only plain dicts positionally; HF users pass BatchEncoding (a UserDict) there.
        if args and isinstance(args[0], Mapping) and not isinstance(args[0], dict):
            args = (dict(args[0]),) + args[1:]
        return super().__call__(*args, **kwargs)

    def _parse_inputs(self, input_ids, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Accepts HF's input forms: keywords, a dict/BatchEncoding first, a list/tuple in HF's order."""
        values: dict[str, Any] = {}
        if isinstance(input_ids, Mapping):
            values.update(input_ids)
        elif isinstance(input_ids, (list, tuple)) and input_ids and all(
            v is None or hasattr(v, "shape") for v in input_ids
        ):
            if len(input_ids) > len(_MODEL_INPUTS):
                raise ValueError(f"At most {len(_MODEL_INPUTS)} positional inputs ({_MODEL_INPUTS}); got {len(input_ids)}")
            values.update(zip(_MODEL_INPUTS, input_ids))
        else:
            values["input_ids"] = input_ids
        for key, value in kwargs.items():
            if value is not None:
                values[key] = value
        accepted = set(_MODEL_INPUTS) | set(_FLAGS) | set(self.label_names)
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
        for key in _MODEL_INPUTS + self.label_names:
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
    def hf_compute_loss(self, labels: dict[str, Any], output: Mapping):
        """HF's loss for this head, from label tensors keyed by HF's argument names."""
        raise NotImplementedError(f"{type(self).__name__} has no built-in loss; use compile(loss=...)")

    def _labels_from_y(self, y) -> dict[str, Any]:
        if isinstance(y, Mapping):
            return {k: y[k] for k in self.label_names if k in y}
        if isinstance(y, (list, tuple)):
            return dict(zip(self.label_names, y))
        return {self.label_names[0]: y}

    def _primary(self, y_pred):
        keys = [k for k in self.primary_outputs if k in y_pred]
        return y_pred[keys[0]] if len(keys) == 1 else tuple(y_pred[k] for k in keys)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if self._compile_loss is not None:
            return super().compute_loss(x, y, self._primary(y_pred), sample_weight, training=training)
        if sample_weight is not None:
            raise ValueError(
                "sample_weight/class_weight need a Keras loss: compile(loss=...). The built-in HF loss has no weights."
            )
        if y is not None:
            loss = self.hf_compute_loss(self._labels_from_y(y), y_pred)
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
        if y is None and isinstance(x, Mapping):
            present = [x[k] for k in self.label_names if k in x]
            y = present[0] if len(present) == 1 else (tuple(present) if present else None)
        return super().compute_metrics(x, y, self._primary(y_pred), sample_weight)

    # -- weights I/O --------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: str | os.PathLike, *, config: AlbertConfig | None = None,
                        **kwargs):
        """Loads HF (model.safetensors, tf_model.h5, pytorch_model.bin) or google-research TF1 weights.

        `kwargs` override config fields (e.g. `num_labels=3`, `output_hidden_states=True`).
        See `albert_tf.checkpoints.load_pretrained` for the resolution rules.
        """
        from albert_tf.checkpoints.loading import load_pretrained

        return load_pretrained(cls, pretrained_model_name_or_path, config=config, **kwargs)

    def save_pretrained(self, save_directory: str | os.PathLike, weights_format: str = "safetensors") -> str:
        """Writes config.json + model.safetensors (HF PyTorch names) — or `tf_model.h5` (HF TF names) with
        `weights_format="h5"`, or both with `"both"`. Files are written atomically."""
        from albert_tf.checkpoints.saving import save_pretrained

        return save_pretrained(self, save_directory, weights_format=weights_format)


def _scale_for_replicas(loss):
    """Divides by the replica count under tf.distribute, as Keras does inside compiled losses.

    Keras sums replica gradients; without this, a built-in HF loss under MirroredStrategy would be
    reported and optimised N times too large.
    """
    import tensorflow as tf

    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss if replicas == 1 else loss * ops.cast(1.0 / replicas, loss.dtype)


def _snake_case(name: str) -> str:
    """HF's Keras model names: TFAlbertForPreTraining -> tf_albert_for_pre_training."""
    return re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", name).lower()


def _register(cls):
    return keras.saving.register_keras_serializable(package="albert_tf")(cls)


@_register
class TFAlbertModel(AlbertPreTrainedModel):
    """The bare ALBERT encoder: `last_hidden_state`, `pooler_output` (+ `hidden_states`, `attentions`)."""

    label_names = ()
    primary_outputs = ("last_hidden_state",)

    def call(self, input_ids=None, attention_mask=None, token_type_ids=None, position_ids=None, head_mask=None,
             inputs_embeds=None, output_attentions=None, output_hidden_states=None, return_dict=None,
             training=None, **kwargs):
        v = self._parse_inputs(input_ids, dict(
            attention_mask=attention_mask, token_type_ids=token_type_ids, position_ids=position_ids,
            head_mask=head_mask, inputs_embeds=inputs_embeds, output_attentions=output_attentions,
            output_hidden_states=output_hidden_states, return_dict=return_dict, **kwargs))
        out = self._backbone(v, training)
        return self._finish(BaseModelOutputWithPooling(**out), v["return_dict"])

    def _labels_from_y(self, y):
        raise ValueError("TFAlbertModel has no labels; train it with compile(loss=...) on its outputs")


@_register
class TFAlbertForPreTraining(AlbertPreTrainedModel):
    """Masked-LM + sentence-order heads; the loss needs both `labels` and `sentence_order_label`."""

    label_names = ("labels", "sentence_order_label")
    primary_outputs = ("prediction_logits", "sop_logits")

    def _make_head(self):
        self.predictions = AlbertMLMHead(self.config, name="predictions", dtype=self.dtype_policy)
        self.sop_classifier = AlbertSOPHead(self.config, name="sop_classifier", dtype=self.dtype_policy)

    def _build_head(self):
        self.predictions.build()
        self.sop_classifier.build()

    def call(self, input_ids=None, attention_mask=None, token_type_ids=None, position_ids=None, head_mask=None,
             inputs_embeds=None, output_attentions=None, output_hidden_states=None, return_dict=None,
             labels=None, sentence_order_label=None, training=None, **kwargs):
        v = self._parse_inputs(input_ids, dict(
            attention_mask=attention_mask, token_type_ids=token_type_ids, position_ids=position_ids,
            head_mask=head_mask, inputs_embeds=inputs_embeds, output_attentions=output_attentions,
            output_hidden_states=output_hidden_states, return_dict=return_dict, labels=labels,
            sentence_order_label=sentence_order_label, **kwargs))
        out = self._backbone(v, training)
        prediction_logits = self.predictions(
            out["last_hidden_state"], self.albert.embeddings.word_embeddings.embeddings
        )
        sop_logits = self.sop_classifier(out["pooler_output"], training=training)
        result = AlbertForPreTrainingOutput(
            prediction_logits=prediction_logits, sop_logits=sop_logits,
            hidden_states=out["hidden_states"], attentions=out["attentions"],
        )
        if v["labels"] is not None and v["sentence_order_label"] is not None:
            result["loss"] = self.hf_compute_loss(v, result)
            result = AlbertForPreTrainingOutput(**result)  # restore field order: loss first
        return self._finish(result, v["return_dict"])

    def hf_compute_loss(self, labels, output):
        missing = [k for k in self.label_names if labels.get(k) is None]
        if missing:
            raise ValueError(f"TFAlbertForPreTraining's loss needs both labels; missing: {missing}")
        return losses.pretraining_loss(
            labels["labels"], labels["sentence_order_label"], output["prediction_logits"], output["sop_logits"]
        )


@_register
class TFAlbertForMaskedLM(AlbertPreTrainedModel):
    """Masked-LM head tied to the word embeddings. `labels` of -100 are ignored."""

    add_pooling_layer = False

    def _make_head(self):
        self.predictions = AlbertMLMHead(self.config, name="predictions", dtype=self.dtype_policy)

    def _build_head(self):
        self.predictions.build()

    def call(self, input_ids=None, attention_mask=None, token_type_ids=None, position_ids=None, head_mask=None,
             inputs_embeds=None, output_attentions=None, output_hidden_states=None, return_dict=None,
             labels=None, training=None, **kwargs):
        v = self._parse_inputs(input_ids, dict(
            attention_mask=attention_mask, token_type_ids=token_type_ids, position_ids=position_ids,
            head_mask=head_mask, inputs_embeds=inputs_embeds, output_attentions=output_attentions,
            output_hidden_states=output_hidden_states, return_dict=return_dict, labels=labels, **kwargs))
        out = self._backbone(v, training)
        logits = self.predictions(out["last_hidden_state"], self.albert.embeddings.word_embeddings.embeddings)
        loss = None if v["labels"] is None else losses.masked_lm_loss(v["labels"], logits)
        return self._finish(MaskedLMOutput(
            loss=loss, logits=logits, hidden_states=out["hidden_states"], attentions=out["attentions"]
        ), v["return_dict"])

    def hf_compute_loss(self, labels, output):
        return losses.masked_lm_loss(labels["labels"], output["logits"])


class _ClassifierHead(AlbertPreTrainedModel):
    """dropout -> dense(units) on top of the backbone."""

    def _dropout_rate(self) -> float:
        return self.config.classifier_dropout_prob

    def _units(self) -> int:
        return self.config.num_labels

    def _classifier_input_size(self) -> tuple:
        return (None, self.config.hidden_size)

    def _make_head(self):
        self.dropout = keras.layers.Dropout(self._dropout_rate(), dtype=self.dtype_policy)
        self.classifier = keras.layers.Dense(
            self._units(), kernel_initializer=initializer(self.config), name="classifier", dtype=self.dtype_policy
        )

    def _build_head(self):
        self.classifier.build(self._classifier_input_size())

    def _classify(self, features, training):
        return ops.cast(self.classifier(self.dropout(features, training=training)), "float32")


@_register
class TFAlbertForSequenceClassification(_ClassifierHead):
    """Pooled output -> dropout(classifier_dropout_prob) -> dense(num_labels). MSE loss when num_labels == 1."""

    def call(self, input_ids=None, attention_mask=None, token_type_ids=None, position_ids=None, head_mask=None,
             inputs_embeds=None, output_attentions=None, output_hidden_states=None, return_dict=None,
             labels=None, training=None, **kwargs):
        v = self._parse_inputs(input_ids, dict(
            attention_mask=attention_mask, token_type_ids=token_type_ids, position_ids=position_ids,
            head_mask=head_mask, inputs_embeds=inputs_embeds, output_attentions=output_attentions,
            output_hidden_states=output_hidden_states, return_dict=return_dict, labels=labels, **kwargs))
        out = self._backbone(v, training)
        logits = self._classify(out["pooler_output"], training)
        loss = None if v["labels"] is None else losses.sequence_classification_loss(v["labels"], logits)
        return self._finish(SequenceClassifierOutput(
            loss=loss, logits=logits, hidden_states=out["hidden_states"], attentions=out["attentions"]
        ), v["return_dict"])

    def hf_compute_loss(self, labels, output):
        return losses.sequence_classification_loss(labels["labels"], output["logits"])


@_register
class TFAlbertForTokenClassification(_ClassifierHead):
    """Sequence output -> dropout -> dense(num_labels) per token. Labels < 0 (e.g. -100) are ignored."""

    add_pooling_layer = False

    def _dropout_rate(self):
        rate = self.config.classifier_dropout_prob
        return self.config.hidden_dropout_prob if rate is None else rate

    def _classifier_input_size(self):
        return (None, None, self.config.hidden_size)

    def call(self, input_ids=None, attention_mask=None, token_type_ids=None, position_ids=None, head_mask=None,
             inputs_embeds=None, output_attentions=None, output_hidden_states=None, return_dict=None,
             labels=None, training=None, **kwargs):
        v = self._parse_inputs(input_ids, dict(
            attention_mask=attention_mask, token_type_ids=token_type_ids, position_ids=position_ids,
            head_mask=head_mask, inputs_embeds=inputs_embeds, output_attentions=output_attentions,
            output_hidden_states=output_hidden_states, return_dict=return_dict, labels=labels, **kwargs))
        out = self._backbone(v, training)
        logits = self._classify(out["last_hidden_state"], training)
        loss = None if v["labels"] is None else losses.token_classification_loss(v["labels"], logits)
        return self._finish(TokenClassifierOutput(
            loss=loss, logits=logits, hidden_states=out["hidden_states"], attentions=out["attentions"]
        ), v["return_dict"])

    def hf_compute_loss(self, labels, output):
        return losses.token_classification_loss(labels["labels"], output["logits"])


@_register
class TFAlbertForMultipleChoice(_ClassifierHead):
    """Inputs [batch, num_choices, seq]; pooled output -> dropout(hidden_dropout_prob) -> dense(1) per choice.

    As in HF, `hidden_states` and `attentions` are those of the flattened [batch * num_choices, ...] batch.
    """

    rank_of_inputs = 3

    def _dropout_rate(self):
        return self.config.hidden_dropout_prob

    def _units(self):
        return 1

    def call(self, input_ids=None, attention_mask=None, token_type_ids=None, position_ids=None, head_mask=None,
             inputs_embeds=None, output_attentions=None, output_hidden_states=None, return_dict=None,
             labels=None, training=None, **kwargs):
        v = self._parse_inputs(input_ids, dict(
            attention_mask=attention_mask, token_type_ids=token_type_ids, position_ids=position_ids,
            head_mask=head_mask, inputs_embeds=inputs_embeds, output_attentions=output_attentions,
            output_hidden_states=output_hidden_states, return_dict=return_dict, labels=labels, **kwargs))
        reference = v["input_ids"] if v["input_ids"] is not None else v["inputs_embeds"]
        num_choices = ops.shape(reference)[1]
        sequence_length = ops.shape(reference)[2]
        flat = dict(v)
        for key in ("input_ids", "attention_mask", "token_type_ids", "position_ids"):
            if v[key] is not None:
                flat[key] = ops.reshape(v[key], (-1, sequence_length))
        if v["inputs_embeds"] is not None:
            flat["inputs_embeds"] = ops.reshape(v["inputs_embeds"], (-1, sequence_length, ops.shape(reference)[3]))
        out = self._backbone(flat, training)
        logits = ops.reshape(self._classify(out["pooler_output"], training), (-1, num_choices))
        loss = None if v["labels"] is None else losses.multiple_choice_loss(v["labels"], logits)
        return self._finish(MultipleChoiceModelOutput(
            loss=loss, logits=logits, hidden_states=out["hidden_states"], attentions=out["attentions"]
        ), v["return_dict"])

    def hf_compute_loss(self, labels, output):
        return losses.multiple_choice_loss(labels["labels"], output["logits"])


@_register
class TFAlbertForQuestionAnswering(AlbertPreTrainedModel):
    """Span extraction: dense(num_labels=2) per token split into `start_logits` and `end_logits`."""

    label_names = ("start_positions", "end_positions")
    primary_outputs = ("start_logits", "end_logits")
    add_pooling_layer = False

    def _make_head(self):
        if self.config.num_labels != 2:
            raise ValueError(
                f"TFAlbertForQuestionAnswering needs config.num_labels == 2 (start and end), got {self.config.num_labels}"
            )
        self.qa_outputs = keras.layers.Dense(
            self.config.num_labels, kernel_initializer=initializer(self.config), name="qa_outputs",
            dtype=self.dtype_policy,
        )

    def _build_head(self):
        self.qa_outputs.build((None, None, self.config.hidden_size))

    def call(self, input_ids=None, attention_mask=None, token_type_ids=None, position_ids=None, head_mask=None,
             inputs_embeds=None, output_attentions=None, output_hidden_states=None, return_dict=None,
             start_positions=None, end_positions=None, training=None, **kwargs):
        v = self._parse_inputs(input_ids, dict(
            attention_mask=attention_mask, token_type_ids=token_type_ids, position_ids=position_ids,
            head_mask=head_mask, inputs_embeds=inputs_embeds, output_attentions=output_attentions,
            output_hidden_states=output_hidden_states, return_dict=return_dict,
            start_positions=start_positions, end_positions=end_positions, **kwargs))
        out = self._backbone(v, training)
        logits = ops.cast(self.qa_outputs(out["last_hidden_state"]), "float32")
        start_logits, end_logits = logits[..., 0], logits[..., 1]
        result = QuestionAnsweringModelOutput(
            start_logits=start_logits, end_logits=end_logits,
            hidden_states=out["hidden_states"], attentions=out["attentions"],
        )
        if v["start_positions"] is not None and v["end_positions"] is not None:
            result = QuestionAnsweringModelOutput(loss=self.hf_compute_loss(v, result), **result)
        return self._finish(result, v["return_dict"])

    def hf_compute_loss(self, labels, output):
        missing = [k for k in self.label_names if labels.get(k) is None]
        if missing:
            raise ValueError(f"TFAlbertForQuestionAnswering's loss needs both positions; missing: {missing}")
        return losses.question_answering_loss(
            labels["start_positions"], labels["end_positions"], output["start_logits"], output["end_logits"]
        )


ALL_MODELS = (
    TFAlbertModel,
    TFAlbertForPreTraining,
    TFAlbertForMaskedLM,
    TFAlbertForSequenceClassification,
    TFAlbertForMultipleChoice,
    TFAlbertForTokenClassification,
    TFAlbertForQuestionAnswering,
)
