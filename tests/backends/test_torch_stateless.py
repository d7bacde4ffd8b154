"""torch's way of running a Keras model: `stateless_call` with the variables' tensors, and autograd through it."""

import keras
import numpy as np
import pytest
import torch

from albert_tf import AlbertConfig
from albert_tf.modeling import ALL_MODELS
from tests.modeling.conftest import SMALL_CONFIGS, make_inputs, make_labels, num_labels_for

OURS = {cls.__name__: cls for cls in ALL_MODELS}


def _model(name):
    keras.utils.set_random_seed(0)
    return OURS[name](AlbertConfig(**SMALL_CONFIGS["groups2_inner2"], num_labels=num_labels_for(name)))


@pytest.mark.parametrize("name", sorted(OURS))
def test_stateless_call_equals_the_call_and_keeps_the_output_object(name):
    model = _model(name)
    inputs = make_inputs(name)
    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]
    with torch.no_grad():
        out, _ = model.stateless_call(trainable, non_trainable, inputs, output_hidden_states=True)
        expected = model(inputs, output_hidden_states=True)
    assert type(out) is type(expected)
    leaves, spec = torch.utils._pytree.tree_flatten(out)  # a registered torch pytree node
    assert spec.type is type(out)
    for got, want in zip(leaves, torch.utils._pytree.tree_leaves(expected)):
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-5)


def test_autograd_through_stateless_call_lowers_the_loss():
    name = "TFAlbertForQuestionAnswering"
    model = _model(name)
    inputs = make_inputs(name)
    features = {**inputs, **make_labels(name, inputs, num_labels_for(name))}
    weights = [v.value.detach().clone().requires_grad_(True) for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]
    losses = []
    for _ in range(12):
        out, _ = model.stateless_call(weights, non_trainable, features, training=False)
        loss = out.loss.mean()
        grads = torch.autograd.grad(loss, weights)
        with torch.no_grad():
            weights = [(w - 0.05 * g).requires_grad_(True) for w, g in zip(weights, grads)]
        losses.append(float(loss))
    assert losses[-1] < 0.8 * losses[0], losses
