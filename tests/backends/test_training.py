"""fit / evaluate / predict and weight round trips for every head on the active backend (JAX or torch).

The same checks as tests/modeling/test_training.py, fed with numpy arrays (no tf.data: TensorFlow is
not installed here). Parity of the numbers with HF is in test_parity.py.
"""

import keras
import numpy as np
import pytest

from albert_tf import AlbertConfig
from albert_tf.modeling import ALL_MODELS
from tests.modeling.conftest import SMALL_CONFIGS, make_inputs, make_labels, num_labels_for

OURS = {cls.__name__: cls for cls in ALL_MODELS}
NAMES = sorted(OURS)
HEADS = [n for n in NAMES if n != "TFAlbertModel"]


def _model(name, **overrides):
    keras.utils.set_random_seed(0)
    config = {**SMALL_CONFIGS["released_layout"], "num_labels": num_labels_for(name), **overrides}
    return OURS[name](AlbertConfig(**config))


def _features(name, repeats=4):
    """A learnable task: the same small batch repeated, labels in the features (HF style)."""
    inputs = make_inputs(name)
    labels = make_labels(name, inputs, num_labels_for(name))
    return {k: np.concatenate([v] * repeats) for k, v in {**inputs, **labels}.items()}


def _numpy(value):
    return keras.ops.convert_to_numpy(value)


def _mean_loss(model, features):
    return float(np.mean(_numpy(model(features, training=False).loss)))


@pytest.mark.parametrize("name", HEADS)
def test_fit_with_labels_in_features_lowers_loss(name):
    model = _model(name)
    features = _features(name)
    before = _mean_loss(model, features)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = model.fit(features, batch_size=6, epochs=12, shuffle=False, verbose=0)
    after = _mean_loss(model, features)
    assert np.isfinite(history.history["loss"]).all()
    assert after < 0.8 * before, (before, after)


def test_fit_with_labels_as_y_metrics_and_evaluate():
    name = "TFAlbertForSequenceClassification"
    model = _model(name)
    features = _features(name)
    labels = features.pop("labels")
    model.compile(optimizer=keras.optimizers.Adam(3e-3), metrics=["accuracy"])
    history = model.fit(features, labels, batch_size=6, epochs=6, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["accuracy"][-1] >= history.history["accuracy"][0]
    result = model.evaluate(features, labels, batch_size=len(labels), verbose=0, return_dict=True)
    np.testing.assert_allclose(result["loss"], _mean_loss(model, {**features, "labels": labels}), rtol=1e-5)
    logits = _numpy(model(features).logits)
    assert result["accuracy"] == pytest.approx(float(np.mean(logits.argmax(-1) == labels)))


def test_compile_with_keras_loss_uses_logits():
    name = "TFAlbertForSequenceClassification"
    model = _model(name)
    features = _features(name)
    labels = features.pop("labels")
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(features, labels, batch_size=6, epochs=8, shuffle=False, verbose=0)
    assert history.history["loss"][-1] < 0.8 * history.history["loss"][0]


def test_bare_model_trains_with_a_keras_loss_on_its_outputs():
    model = _model("TFAlbertModel")
    inputs = {k: np.concatenate([v] * 4) for k, v in make_inputs("TFAlbertModel").items()}
    target = np.zeros((12, 8, 24), np.float32)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mse")
    history = model.fit(inputs, target, batch_size=6, epochs=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def _supported_policies():
    """XLA on CPU has no float16 matmul with float32 accumulation ('F16_F16_F32' is not supported by
    dot_general on CPU), so JAX on a CPU-only machine gets bfloat16 only; a GPU gets both."""
    if keras.backend.backend() == "jax":
        import jax

        if jax.default_backend() == "cpu":
            return ["mixed_bfloat16"]
    return ["mixed_float16", "mixed_bfloat16"]


@pytest.mark.parametrize("policy", _supported_policies())
def test_mixed_precision_fit(policy):
    name = "TFAlbertForMaskedLM"
    keras.mixed_precision.set_global_policy(policy)
    try:
        model = _model(name)
        out = model(make_inputs(name))
        assert keras.backend.standardize_dtype(out.logits.dtype) == "float32"  # cast back for a stable loss
        assert model.albert.encoder.embedding_hidden_mapping_in.compute_dtype == policy.split("_")[1]
        model.compile(optimizer=keras.optimizers.Adam(3e-3))
        history = model.fit(_features(name), batch_size=6, epochs=6, verbose=0)
        assert np.isfinite(history.history["loss"]).all()
        assert history.history["loss"][-1] < history.history["loss"][0]
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("name", NAMES)
def test_predict_returns_output_objects_equal_to_the_call(name):
    model = _model(name)
    inputs = make_inputs(name)
    predicted = model.predict(inputs, batch_size=2, verbose=0)
    expected = model(inputs)
    assert type(predicted) is type(expected)
    assert set(predicted.keys()) == set(expected.keys())
    for key in expected.keys():
        assert isinstance(predicted[key], np.ndarray)
        np.testing.assert_allclose(predicted[key], _numpy(expected[key]), atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_keras_save_load_round_trip_in_safe_mode(tmp_path, name):
    model = _model(name)
    inputs = make_inputs(name)
    expected = model(inputs)
    path = str(tmp_path / "model.keras")
    model.save(path)
    restored = keras.models.load_model(path, safe_mode=True)
    assert type(restored) is type(model)
    assert restored.config == model.config
    actual = restored(inputs)
    for key in expected.keys():
        np.testing.assert_array_equal(_numpy(actual[key]), _numpy(expected[key]))


@pytest.mark.parametrize("name", NAMES)
def test_save_pretrained_round_trip_keeps_predictions(tmp_path, name):
    model = _model(name)
    inputs = make_inputs(name)
    expected = model(inputs)
    model.save_pretrained(tmp_path, weights_format="both")
    for fmt_file in ("model.safetensors", "tf_model.h5"):
        directory = tmp_path / fmt_file.split(".")[0]
        directory.mkdir()
        (directory / "config.json").write_bytes((tmp_path / "config.json").read_bytes())
        (directory / fmt_file).write_bytes((tmp_path / fmt_file).read_bytes())
        actual = OURS[name].from_pretrained(directory)(inputs)
        for key in expected.keys():
            np.testing.assert_array_equal(_numpy(actual[key]), _numpy(expected[key]))


def test_dummy_inputs_run_and_tf_only_apis_say_so():
    model = _model("TFAlbertForMultipleChoice")
    assert tuple(model.dummy_inputs["input_ids"].shape) == (1, 2, 2)
    assert _numpy(model(model.dummy_inputs).logits).shape == (1, 2)
    with pytest.raises(RuntimeError, match="serving is TensorFlow's .*KERAS_BACKEND=tensorflow"):
        model.serving
