"""Optimizer and schedule against the google-research recipe (optimization.py of google-research/albert)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from albert_tf import AlbertConfig, TFAlbertForPreTraining
from albert_tf.training.optimization import WarmupLinearDecay, create_optimizer, no_decay_variables
from tests.pretraining.conftest import TINY_CONFIG


def _reference_learning_rate(step, init_lr, warmup, total):
    # polynomial_decay(init_lr, step, total, end=0, power=1) overridden by init_lr * step / warmup.
    decayed = init_lr * (1 - min(step, total) / total)
    return init_lr * step / warmup if warmup and step < warmup else decayed


@pytest.mark.parametrize("warmup", [0, 7, 30])
def test_schedule_is_linear_warmup_then_linear_decay(warmup):
    schedule = WarmupLinearDecay(0.00176, warmup, 100)
    for step in (0, 1, 6, 7, 8, 29, 30, 31, 50, 99, 100, 120):
        assert float(schedule(step)) == pytest.approx(_reference_learning_rate(step, 0.00176, warmup, 100), abs=1e-9)


def test_schedule_round_trips_through_keras_serialization():
    schedule = WarmupLinearDecay(1e-3, 10, 100)
    again = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
    assert float(again(55)) == pytest.approx(float(schedule(55)))


def _model():
    keras.utils.set_random_seed(0)
    return TFAlbertForPreTraining(AlbertConfig(vocab_size=100, **TINY_CONFIG))


def test_layer_norm_and_biases_do_not_decay():
    model = _model()
    excluded = {v.path for v in no_decay_variables(model)}
    for variable in model.trainable_variables:
        is_norm_or_bias = variable.name in ("gamma", "beta", "bias")
        assert (variable.path in excluded) == is_norm_or_bias, variable.path
    assert any("LayerNorm" in p for p in excluded) and any(p.endswith("predictions/bias") for p in excluded)


@pytest.mark.parametrize("name", ["lamb", "adamw"])
def test_weight_decay_applies_only_where_the_recipe_says(name):
    """With zero gradients the Adam/LAMB step is zero, so only decoupled decay moves the weights."""
    model = _model()
    optimizer = create_optimizer(model, learning_rate=0.1, num_train_steps=10, warmup_steps=0, optimizer=name,
                                 weight_decay=0.01)
    before = {v.path: v.numpy().copy() for v in model.trainable_variables}
    optimizer.apply([tf.zeros_like(v) for v in model.trainable_variables], model.trainable_variables)
    excluded = {v.path for v in no_decay_variables(model)}
    for variable in model.trainable_variables:
        factor = 1.0 if variable.path in excluded else 1.0 - 0.1 * 0.01
        np.testing.assert_allclose(variable.numpy(), before[variable.path] * factor, rtol=1e-6, atol=1e-9,
                                   err_msg=variable.path)


def test_global_norm_clipping_and_lamb_update_equal_keras_lamb():
    """Our optimizer (gradients pre-summed by the training step) is keras.optimizers.Lamb on one device."""
    grads_scale = 50.0  # far above clip norm 1.0
    results = []
    for ours in (True, False):
        model = _model()
        if ours:
            optimizer = create_optimizer(model, learning_rate=0.01, num_train_steps=10, warmup_steps=0)
        else:
            optimizer = keras.optimizers.Lamb(learning_rate=WarmupLinearDecay(0.01, 0, 10), beta_1=0.9,
                                              beta_2=0.999, epsilon=1e-6, weight_decay=0.01, global_clipnorm=1.0)
            optimizer.exclude_from_weight_decay(var_list=no_decay_variables(model))
        rng = np.random.default_rng(0)
        for _ in range(3):
            grads = [tf.constant(rng.normal(size=v.shape) * grads_scale, tf.float32)
                     for v in model.trainable_variables]
            optimizer.apply(grads, model.trainable_variables)
        results.append([v.numpy() for v in model.trainable_variables])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_unknown_optimizer_and_bad_schedule_are_rejected():
    with pytest.raises(ValueError, match="optimizer must be one of"):
        create_optimizer(_model(), learning_rate=1e-3, num_train_steps=10, warmup_steps=1, optimizer="sgd")
    with pytest.raises(ValueError, match="num_train_steps"):
        WarmupLinearDecay(1e-3, 0, 0)
