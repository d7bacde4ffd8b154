"""The seven HF-named ALBERT heads, each a thin `call` over `AlbertPreTrainedModel` plus its loss.

The encoder (`TFAlbertModel`), the language-model heads (`TFAlbertForPreTraining`, `TFAlbertForMaskedLM`),
the three classifiers sharing `_ClassifierHead` (dropout -> dense) and the span head. What they share
(input parsing, Keras training hooks, weight I/O) is albert_tf.modeling.pretrained.
"""

from __future__ import annotations

import keras
from keras import ops

from albert_tf.modeling import losses
from albert_tf.modeling.backbone import AlbertMainLayer
from albert_tf.modeling.layers._base import initializer
from albert_tf.modeling.layers.heads import AlbertMLMHead, AlbertSOPHead
from albert_tf.modeling.outputs import (
    AlbertForPreTrainingOutput,
    BaseModelOutputWithPooling,
    MaskedLMOutput,
    MultipleChoiceModelOutput,
    QuestionAnsweringModelOutput,
    SequenceClassifierOutput,
    TokenClassifierOutput,
)
from albert_tf.modeling.pretrained import AlbertPreTrainedModel, _register

# HF's name for the main layer class. HF's TF test suite (test_keras_save_load) looks it up by this name in
# the module of TFAlbertModel, so the alias lives here; user code finds it in albert_tf.modeling.models too.
TFAlbertMainLayer = AlbertMainLayer


def _at_mask_positions(hidden, mask_positions):
    """``hidden`` [B, L, H] at ``mask_positions`` [B, M] -> [B, M, H]; a -1 (padding slot) reads position 0.

    The MLM head is position-wise, so predicting only where it is asked (pretraining's masked positions, an
    export's [MASK] tokens) computes M x vocab logits per row instead of L x vocab, as keras-hub's
    ``MaskedLMHead(mask_positions)`` does.
    """
    if mask_positions is None:
        return hidden
    index = ops.maximum(ops.cast(mask_positions, "int32"), 0)
    return ops.take_along_axis(hidden, ops.expand_dims(index, -1), axis=1)


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
    """Masked-LM + sentence-order heads; the loss needs both `labels` and `sentence_order_label`.

    Beyond HF's arguments, ``mask_positions`` ([batch, M] token indices, -1 for padding slots) makes
    ``prediction_logits`` [batch, M, vocab]: the MLM head runs at those positions only, and ``labels`` are
    then per position ([batch, M], -100 ignored).
    """

    label_names = ("labels", "sentence_order_label")
    primary_outputs = ("prediction_logits", "sop_logits")
    extra_inputs = ("mask_positions",)

    def _make_head(self):
        self.predictions = AlbertMLMHead(self.config, name="predictions", dtype=self.dtype_policy)
        self.sop_classifier = AlbertSOPHead(self.config, name="sop_classifier", dtype=self.dtype_policy)

    def _build_head(self):
        self.predictions.build()
        self.sop_classifier.build()

    def call(self, input_ids=None, attention_mask=None, token_type_ids=None, position_ids=None, head_mask=None,
             inputs_embeds=None, output_attentions=None, output_hidden_states=None, return_dict=None,
             labels=None, sentence_order_label=None, mask_positions=None, training=None, **kwargs):
        v = self._parse_inputs(input_ids, dict(
            attention_mask=attention_mask, token_type_ids=token_type_ids, position_ids=position_ids,
            head_mask=head_mask, inputs_embeds=inputs_embeds, output_attentions=output_attentions,
            output_hidden_states=output_hidden_states, return_dict=return_dict, labels=labels,
            sentence_order_label=sentence_order_label, mask_positions=mask_positions, **kwargs))
        out = self._backbone(v, training)
        prediction_logits = self.predictions(
            _at_mask_positions(out["last_hidden_state"], v["mask_positions"]),
            self.albert.embeddings.word_embeddings.embeddings,
        )
        sop_logits = self.sop_classifier(out["pooler_output"], training=training)
        result = AlbertForPreTrainingOutput(
            prediction_logits=prediction_logits, sop_logits=sop_logits,
            hidden_states=out.get("hidden_states"), attentions=out.get("attentions"),
        )
        if v["labels"] is not None and v["sentence_order_label"] is not None:
            result["loss"] = self.hf_compute_loss(v, result)
            result = AlbertForPreTrainingOutput(**result)  # restore field order: loss first
        return self._finish(result, v["return_dict"])

    def hf_compute_loss(self, labels, output, sample_weight=None):
        missing = [k for k in self.label_names if labels.get(k) is None]
        if missing:
            raise ValueError(f"TFAlbertForPreTraining's loss needs both labels; missing: {missing}")
        return losses.pretraining_loss(
            labels["labels"], labels["sentence_order_label"], output["prediction_logits"], output["sop_logits"],
            sample_weight,
        )


@_register
class TFAlbertForMaskedLM(AlbertPreTrainedModel):
    """Masked-LM head tied to the word embeddings. `labels` of -100 are ignored.

    Beyond HF's arguments, ``mask_positions`` ([batch, M] token indices, -1 for padding slots) makes
    ``logits`` [batch, M, vocab], computed at those positions only; ``labels`` are then [batch, M].

    Example:
        >>> from albert_tf import AlbertConfig, TFAlbertForMaskedLM
        >>> model = TFAlbertForMaskedLM(AlbertConfig(vocab_size=99, embedding_size=8, hidden_size=16,
        ...     num_hidden_layers=1, num_attention_heads=2, intermediate_size=32))
        >>> tuple(model(input_ids=[[2, 4, 4, 3]], mask_positions=[[1, -1]]).logits.shape)
        (1, 2, 99)
    """

    add_pooling_layer = False
    extra_inputs = ("mask_positions",)

    def _make_head(self):
        self.predictions = AlbertMLMHead(self.config, name="predictions", dtype=self.dtype_policy)

    def _build_head(self):
        self.predictions.build()

    def call(self, input_ids=None, attention_mask=None, token_type_ids=None, position_ids=None, head_mask=None,
             inputs_embeds=None, output_attentions=None, output_hidden_states=None, return_dict=None,
             labels=None, mask_positions=None, training=None, **kwargs):
        v = self._parse_inputs(input_ids, dict(
            attention_mask=attention_mask, token_type_ids=token_type_ids, position_ids=position_ids,
            head_mask=head_mask, inputs_embeds=inputs_embeds, output_attentions=output_attentions,
            output_hidden_states=output_hidden_states, return_dict=return_dict, labels=labels,
            mask_positions=mask_positions, **kwargs))
        out = self._backbone(v, training)
        logits = self.predictions(_at_mask_positions(out["last_hidden_state"], v["mask_positions"]),
                                  self.albert.embeddings.word_embeddings.embeddings)
        loss = None if v["labels"] is None else losses.masked_lm_loss(v["labels"], logits)
        return self._finish(MaskedLMOutput(
            loss=loss, logits=logits, hidden_states=out.get("hidden_states"), attentions=out.get("attentions")
        ), v["return_dict"])

    def hf_compute_loss(self, labels, output, sample_weight=None):
        return losses.masked_lm_loss(labels["labels"], output["logits"], sample_weight)


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
            loss=loss, logits=logits, hidden_states=out.get("hidden_states"), attentions=out.get("attentions")
        ), v["return_dict"])

    def hf_compute_loss(self, labels, output, sample_weight=None):
        return losses.sequence_classification_loss(labels["labels"], output["logits"], sample_weight)


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
            loss=loss, logits=logits, hidden_states=out.get("hidden_states"), attentions=out.get("attentions")
        ), v["return_dict"])

    def hf_compute_loss(self, labels, output, sample_weight=None):
        return losses.token_classification_loss(labels["labels"], output["logits"], sample_weight)


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
            loss=loss, logits=logits, hidden_states=out.get("hidden_states"), attentions=out.get("attentions")
        ), v["return_dict"])

    def hf_compute_loss(self, labels, output, sample_weight=None):
        return losses.multiple_choice_loss(labels["labels"], output["logits"], sample_weight)


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
            hidden_states=out.get("hidden_states"), attentions=out.get("attentions"),
        )
        if v["start_positions"] is not None and v["end_positions"] is not None:
            result = QuestionAnsweringModelOutput(loss=self.hf_compute_loss(v, result), **result)
        return self._finish(result, v["return_dict"])

    def hf_compute_loss(self, labels, output, sample_weight=None):
        missing = [k for k in self.label_names if labels.get(k) is None]
        if missing:
            raise ValueError(f"TFAlbertForQuestionAnswering's loss needs both positions; missing: {missing}")
        return losses.question_answering_loss(
            labels["start_positions"], labels["end_positions"], output["start_logits"], output["end_logits"],
            sample_weight,
        )
