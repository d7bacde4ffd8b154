"""ALBERT's optimizer: LAMB (or AdamW), weight decay 0.01 without LayerNorm and biases, global-norm
clipping at 1.0, linear warmup then linear decay to zero.

The schedule is the reference one: ``lr * step / warmup`` during warmup, otherwise
``lr * (1 - step / num_train_steps)`` (polynomial decay of power 1 over the whole run, with warmup
overriding its first steps).

Keras clips gradients inside ``apply`` *before* its tf.distribute all-reduce, i.e. per replica. Our
training step all-reduces the gradients itself and hands the optimizer the global gradient, so the
optimizers made here skip Keras's second all-reduce (:class:`GlobalGradientsMixin`); global-norm clipping
then sees the same gradient on every replica count, and a run on N replicas equals one on one device.

Example:
    >>> schedule = WarmupLinearDecay(1e-3, warmup_steps=10, num_train_steps=100)
    >>> [round(float(schedule(s)), 6) for s in (0, 5, 10, 55, 100)]
    [0.0, 0.0005, 0.0009, 0.00045, 0.0]
"""

from __future__ import annotations

import keras
from keras import ops

OPTIMIZERS = ("lamb", "adamw")
# Layers whose weights never decay (the recipe excludes LayerNorm and bias).
_NO_DECAY_LAYER_TYPES = (keras.layers.LayerNormalization,)


@keras.saving.register_keras_serializable(package="albert_tf")
class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """``lr * step / warmup`` for step < warmup, then ``lr * max(0, 1 - step / num_train_steps)``."""

    def __init__(self, learning_rate: float, warmup_steps: int, num_train_steps: int):
        if num_train_steps < 1:
            raise ValueError(f"num_train_steps must be positive, got {num_train_steps}")
        if warmup_steps < 0:
            raise ValueError(f"warmup_steps must be >= 0, got {warmup_steps}")
        self.learning_rate = float(learning_rate)
        self.warmup_steps = int(warmup_steps)
        self.num_train_steps = int(num_train_steps)

    def __call__(self, step):
        # keras.ops, not tf: fine-tuning on the JAX and torch backends uses this schedule without TensorFlow
        # (on the TF backend these are the same tf.cast / tf.maximum / tf.where).
        step = ops.cast(step, "float32")
        decayed = self.learning_rate * ops.maximum(0.0, 1.0 - step / float(self.num_train_steps))
        if self.warmup_steps == 0:
            return decayed
        warmup = self.learning_rate * step / float(self.warmup_steps)
        return ops.where(step < float(self.warmup_steps), warmup, decayed)

    def get_config(self):
        return {"learning_rate": self.learning_rate, "warmup_steps": self.warmup_steps,
                "num_train_steps": self.num_train_steps}


class GlobalGradientsMixin:
    """For optimizers fed gradients that are already summed over replicas: skip Keras's all-reduce.

    Keras's TF optimizer sums gradients across replicas inside ``apply`` after clipping them; our
    training step sums them first (so clipping is global) and this mixin makes ``apply`` use them as is.
    """

    def _all_reduce_sum_gradients(self, grads_and_vars):
        return list(grads_and_vars)


def _check_keras_internals(base: type) -> None:
    if not hasattr(base, "_all_reduce_sum_gradients"):
        raise RuntimeError(
            f"{base.__name__} has no _all_reduce_sum_gradients: this Keras version distributes optimizer "
            "updates differently from the Keras 3.x that albert_tf's training step was written against")


def _global_gradient_class(base: type) -> type:
    _check_keras_internals(base)
    return type(f"Global{base.__name__}", (GlobalGradientsMixin, base), {})


def no_decay_variables(model) -> list:
    """The LayerNorm weights and every bias: the variables the recipe excludes from weight decay."""
    excluded = {}
    for layer in model._flatten_layers(include_self=True):
        if isinstance(layer, _NO_DECAY_LAYER_TYPES):
            for variable in layer.weights:
                excluded[id(variable)] = variable
    for variable in model.trainable_variables:
        if variable.name == "bias":
            excluded[id(variable)] = variable
    return list(excluded.values())


def create_optimizer(
    model,
    *,
    learning_rate: float,
    num_train_steps: int,
    warmup_steps: int,
    optimizer: str = "lamb",
    weight_decay: float = 0.01,
    clip_norm: float | None = 1.0,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-6,
    loss_scale: bool = False,
    all_reduce_in_step: bool = True,
):
    """The recipe's optimizer for ``model`` (call inside ``strategy.scope()``).

    Args:
        optimizer: "lamb" (keras.optimizers.Lamb, the paper's choice) or "adamw" (keras.optimizers.AdamW).
        loss_scale: wrap in ``keras.optimizers.LossScaleOptimizer`` (float16 mixed precision).
        all_reduce_in_step: the caller's training step sums gradients over replicas before ``apply``
            (what :mod:`albert_tf.pretraining.step` does); set False to let Keras sum them.

    Example:
        >>> from albert_tf import AlbertConfig, TFAlbertForPreTraining
        >>> model = TFAlbertForPreTraining(AlbertConfig(vocab_size=50, embedding_size=8, hidden_size=16,
        ...     num_attention_heads=2, intermediate_size=32, num_hidden_layers=1))
        >>> opt = create_optimizer(model, learning_rate=1e-3, num_train_steps=100, warmup_steps=10)
        >>> type(opt).__name__, opt.global_clipnorm
        ('GlobalLamb', 1.0)
    """
    name = optimizer.lower()
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    base = keras.optimizers.Lamb if name == "lamb" else keras.optimizers.AdamW
    cls = _global_gradient_class(base) if all_reduce_in_step else base
    schedule = WarmupLinearDecay(learning_rate, warmup_steps, num_train_steps)
    instance = cls(
        learning_rate=schedule, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
        # Lamb takes None for "no decay"; AdamW insists on a float.
        weight_decay=(weight_decay or None) if name == "lamb" else float(weight_decay),
        global_clipnorm=clip_norm if clip_norm else None,
    )
    if weight_decay:
        instance.exclude_from_weight_decay(var_list=no_decay_variables(model))
    if loss_scale:
        instance = keras.optimizers.LossScaleOptimizer(instance)
    return instance
