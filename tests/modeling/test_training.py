"""model.fit for every head (HF label conventions and Keras losses), mixed precision, XLA, and save/load."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.modeling.conftest import make_inputs, make_labels

# The backend-neutral cases (numpy inputs) run here on TensorFlow too; the tests below are tf.data, XLA
# and tf.distribute ones.
from tests.backends.test_training import (  # noqa: F401  (pytest collects them from this module)
    HEADS,
    _features,
    _model,
    test_bare_model_trains_with_a_keras_loss_on_its_outputs,
    test_compile_with_keras_loss_uses_logits,
    test_keras_save_load_round_trip_in_safe_mode,
    test_mixed_precision_fit,
    test_save_pretrained_round_trip_keeps_predictions,
)

def _dataset(name, repeats=4):
    """The backend tests' learnable batch as tf.data (labels in the features, HF style)."""
    return tf.data.Dataset.from_tensor_slices(_features(name, repeats)).batch(6)


def _mean_loss(model, ds):
    return float(np.mean([float(np.mean(model(batch, training=False).loss)) for batch in ds]))


@pytest.mark.parametrize("name", HEADS)
def test_fit_with_labels_in_features_lowers_loss(name):
    model = _model(name)
    ds = _dataset(name)
    before = _mean_loss(model, ds)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = model.fit(ds, epochs=8, verbose=0)
    after = _mean_loss(model, ds)
    assert np.isfinite(history.history["loss"]).all()
    assert after < 0.8 * before, (before, after)


def test_fit_with_labels_as_y_and_metrics():
    name = "TFAlbertForSequenceClassification"
    model = _model(name)
    inputs = make_inputs(name)
    labels = make_labels(name, inputs, 3)["labels"]
    ds = tf.data.Dataset.from_tensor_slices((inputs, labels)).repeat(4).batch(6)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), metrics=["accuracy"])
    history = model.fit(ds, epochs=6, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["accuracy"][-1] >= history.history["accuracy"][0]


def test_regression_head_trains_with_mse():
    model = _model("TFAlbertForSequenceClassification", num_labels=1)
    inputs = make_inputs("TFAlbertForSequenceClassification")
    features = {**inputs, "labels": np.array([0.5, -1.0, 2.0], np.float32)}
    ds = tf.data.Dataset.from_tensor_slices(features).repeat(4).batch(6)
    before = _mean_loss(model, ds)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    model.fit(ds, epochs=8, verbose=0)
    assert _mean_loss(model, ds) < 0.8 * before


def test_jit_compile_fit_matches_eager_numerics():
    name = "TFAlbertForTokenClassification"
    model = _model(name)
    inputs = make_inputs(name)
    eager = model(inputs).logits
    compiled = tf.function(lambda x: model(x).logits, jit_compile=True)(inputs)
    np.testing.assert_allclose(np.asarray(compiled), np.asarray(eager), atol=1e-5)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), jit_compile=True)
    history = model.fit(_dataset(name), epochs=6, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_predict_returns_output_objects():
    name = "TFAlbertForQuestionAnswering"
    model = _model(name)
    inputs = make_inputs(name)
    predicted = model.predict(tf.data.Dataset.from_tensor_slices(inputs).batch(2), verbose=0)
    assert set(predicted.keys()) == {"start_logits", "end_logits"}
    np.testing.assert_allclose(predicted.start_logits, np.asarray(model(inputs).start_logits), atol=1e-6)


def test_mirrored_strategy_loss_equals_single_device_loss():
    """The built-in HF loss is scaled per replica like Keras losses: same reported loss on 1 or 2 replicas."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        import numpy as np, tensorflow as tf, keras
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from albert_tf import AlbertConfig, TFAlbertForSequenceClassification
        from tests.modeling.conftest import SMALL_CONFIGS, make_inputs, make_labels
        inputs = make_inputs("TFAlbertForSequenceClassification")
        features = {**inputs, **make_labels("TFAlbertForSequenceClassification", inputs, 3)}
        features = {k: np.concatenate([v, v]) for k, v in features.items()}
        losses = []
        for devices in (["/cpu:0"], ["/cpu:0", "/cpu:1"]):
            keras.utils.set_random_seed(0)
            strategy = tf.distribute.MirroredStrategy(devices)
            with strategy.scope():
                model = TFAlbertForSequenceClassification(AlbertConfig(**SMALL_CONFIGS["released_layout"], num_labels=3,
                                                          classifier_dropout_prob=0.0))
                model.compile(optimizer=keras.optimizers.SGD(0.0))
            ds = tf.data.Dataset.from_tensor_slices(features).batch(6)
            losses.append(model.evaluate(ds, verbose=0))
        print(repr(losses))
        assert abs(losses[0] - losses[1]) < 1e-4 * max(1.0, abs(losses[0])), losses
    """)
    import os

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    result = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
