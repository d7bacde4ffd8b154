"""`PretrainingStep`: the distributed MLM + SOP train and eval step, and the per-batch sums it reduces.

The forward pass gathers the masked positions before the vocabulary projection (`pretraining_logits`);
`pretraining_sums` are what replicas add up, so losses and accuracies come out exactly as on one device.
"""

from __future__ import annotations

from typing import Mapping

import keras
import tensorflow as tf

from albert_tf.modeling import TFAlbertForPreTraining

# The per-batch sums (pretraining_sums' keys) that the train and eval loops accumulate.
_SUM_KEYS = ("mlm_loss_sum", "mlm_weight", "mlm_correct", "sop_loss_sum", "sop_correct", "examples")


def pretraining_logits(model: TFAlbertForPreTraining, features: Mapping[str, tf.Tensor], training: bool):
    """(MLM logits at the masked positions [B, P, V], SOP logits [B, 2]), both float32.

    ``mask_positions`` makes the model compute the vocabulary projection for the P predicted positions
    only, not all S tokens.
    """
    out = model(
        input_ids=features["input_ids"], attention_mask=features["input_mask"],
        token_type_ids=features["segment_ids"], mask_positions=features["masked_lm_positions"], training=training,
    )
    return tf.cast(out.prediction_logits, tf.float32), tf.cast(out.sop_logits, tf.float32)


def pretraining_sums(features, mlm_logits, sop_logits) -> dict[str, tf.Tensor]:
    """Per-batch sums the losses and accuracies are made of (float32 scalars)."""
    weights = tf.cast(features["masked_lm_weights"], tf.float32)
    labels = features["masked_lm_ids"]
    mlm_ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=mlm_logits)
    mlm_hit = tf.cast(tf.equal(tf.argmax(mlm_logits, -1, output_type=labels.dtype), labels), tf.float32)
    sop_labels = features["sentence_order_label"]
    sop_ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=sop_labels, logits=sop_logits)
    sop_hit = tf.cast(tf.equal(tf.argmax(sop_logits, -1, output_type=sop_labels.dtype), sop_labels), tf.float32)
    return {
        "mlm_loss_sum": tf.reduce_sum(mlm_ce * weights),
        "mlm_weight": tf.reduce_sum(weights),
        "mlm_correct": tf.reduce_sum(mlm_hit * weights),
        "sop_loss_sum": tf.reduce_sum(sop_ce),
        "sop_correct": tf.reduce_sum(sop_hit),
        "examples": tf.cast(tf.shape(sop_labels)[0], tf.float32),
    }


class PretrainingStep:
    """The distributed train and eval functions for one model, optimizer and strategy.

    ``train(iterator, num_steps)`` runs ``num_steps`` steps in one ``tf.function`` call (steps per
    execution) and returns the summed statistics; ``evaluate(iterator, num_steps)`` likewise without
    updates (``optimizer`` and ``global_step`` may then be None).
    """

    def __init__(self, model, optimizer, strategy: tf.distribute.Strategy, global_batch_size: int,
                 global_step: tf.Variable | None, jit_compile: bool = False):
        self.model = model
        self.optimizer = optimizer
        self.strategy = strategy
        self.global_batch_size = global_batch_size
        self.global_step = global_step
        self.loss_scaled = isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
        compute = tf.function(self._compute, jit_compile=True) if jit_compile else self._compute
        self._compiled_compute = compute
        self.train = tf.function(self._train_loop)
        self.evaluate = tf.function(self._eval_loop)

    def _compute(self, features, mlm_scale):
        variables = self.model.trainable_variables
        with tf.GradientTape() as tape:
            mlm_logits, sop_logits = pretraining_logits(self.model, features, training=True)
            sums = pretraining_sums(features, mlm_logits, sop_logits)
            # This replica's share of the global loss (MLM mean + SOP mean over the global batch).
            loss = sums["mlm_loss_sum"] * mlm_scale + sums["sop_loss_sum"] / float(self.global_batch_size)
            scaled = self.optimizer.scale_loss(loss) if self.loss_scaled else loss
        grads = tape.gradient(scaled, variables)
        # Embedding gradients arrive as IndexedSlices; dense tensors all-reduce and clip uniformly.
        grads = [tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g for g in grads]
        return grads, sums

    def _replica_train_step(self, features):
        context = tf.distribute.get_replica_context()
        global_weight = context.all_reduce(tf.distribute.ReduceOp.SUM,
                                           tf.reduce_sum(tf.cast(features["masked_lm_weights"], tf.float32)))
        mlm_scale = 1.0 / tf.maximum(global_weight, 1.0)
        grads, sums = self._compiled_compute(features, mlm_scale)
        grads = context.all_reduce(tf.distribute.ReduceOp.SUM, grads)
        self.optimizer.apply(grads, self.model.trainable_variables)
        return sums

    def _replica_eval_step(self, features):
        mlm_logits, sop_logits = pretraining_logits(self.model, features, training=False)
        return pretraining_sums(features, mlm_logits, sop_logits)

    def _reduce(self, per_replica):
        return {k: self.strategy.reduce(tf.distribute.ReduceOp.SUM, v, axis=None) for k, v in per_replica.items()}

    def _train_loop(self, iterator, num_steps):
        totals = {k: tf.constant(0.0) for k in _SUM_KEYS}
        for _ in tf.range(num_steps):
            sums = self._reduce(self.strategy.run(self._replica_train_step, args=(next(iterator),)))
            totals = {k: totals[k] + sums[k] for k in _SUM_KEYS}
            self.global_step.assign_add(1)
        return totals

    def _eval_loop(self, iterator, num_steps):
        totals = {k: tf.constant(0.0) for k in _SUM_KEYS}
        for _ in tf.range(num_steps):
            sums = self._reduce(self.strategy.run(self._replica_eval_step, args=(next(iterator),)))
            totals = {k: totals[k] + sums[k] for k in _SUM_KEYS}
        return totals
