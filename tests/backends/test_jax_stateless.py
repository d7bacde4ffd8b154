"""JAX's own way of running a Keras model: `jax.jit` of `stateless_call`, and gradients through it."""

import jax
import keras
import numpy as np
import pytest

from albert_tf import AlbertConfig
from albert_tf.modeling import ALL_MODELS
from tests.modeling.conftest import SMALL_CONFIGS, make_inputs, make_labels, num_labels_for

OURS = {cls.__name__: cls for cls in ALL_MODELS}


def _model(name):
    keras.utils.set_random_seed(0)
    return OURS[name](AlbertConfig(**SMALL_CONFIGS["groups2_inner2"], num_labels=num_labels_for(name)))


def _state(model):
    return [v.value for v in model.trainable_variables], [v.value for v in model.non_trainable_variables]


@pytest.mark.parametrize("name", sorted(OURS))
def test_jit_of_stateless_call_equals_the_eager_call(name):
    model = _model(name)
    inputs = make_inputs(name)
    trainable, non_trainable = _state(model)
    jitted = jax.jit(lambda t, n, x: model.stateless_call(t, n, x, output_hidden_states=True)[0])
    out = jitted(trainable, non_trainable, inputs)
    expected = model(inputs, output_hidden_states=True)
    assert type(out) is type(expected)  # the output object survives jit (a registered pytree node)
    assert set(out.keys()) == set(expected.keys())
    for got, want in zip(jax.tree_util.tree_leaves(out), jax.tree_util.tree_leaves(expected)):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=1e-5)


def test_a_jitted_gradient_step_lowers_the_loss():
    name = "TFAlbertForTokenClassification"
    model = _model(name)
    inputs = make_inputs(name)
    features = {**inputs, **make_labels(name, inputs, num_labels_for(name))}
    trainable, non_trainable = _state(model)

    def loss_fn(t, n, x):
        out, _ = model.stateless_call(t, n, x, training=False)
        return out.loss.mean()

    @jax.jit
    def step(t, n, x):
        loss, grads = jax.value_and_grad(loss_fn)(t, n, x)
        return loss, [w - 0.05 * g for w, g in zip(t, grads)]

    first, trainable = step(trainable, non_trainable, features)
    for _ in range(10):
        loss, trainable = step(trainable, non_trainable, features)
    assert float(loss) < 0.8 * float(first), (float(first), float(loss))
