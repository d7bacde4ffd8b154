"""Weights written on one Keras backend load on another: `.keras` archives and save_pretrained directories.

`make test-jax`'s environment has JAX and torch (jax <-> torch here); `make test`'s has TensorFlow and JAX
(TF <-> JAX). A child process on the other backend loads what this one wrote, or writes what this one
loads, and the predictions must be equal.
"""

import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest

from albert_tf import AlbertConfig
from albert_tf.modeling import ALL_MODELS
from tests.backends.conftest import BACKEND, subprocess_env
from tests.modeling.conftest import SMALL_CONFIGS, make_inputs, num_labels_for

OURS = {cls.__name__: cls for cls in ALL_MODELS}
OTHER = {"jax": "torch", "torch": "jax", "tensorflow": "jax"}[BACKEND]
ROOT = pathlib.Path(__file__).resolve().parents[2]
KINDS = ("keras", "pretrained")

# argv: save|load, model class name, directory. Saves (seeded) or loads <directory>/model.keras and
# <directory>/pretrained, and writes each one's outputs to <directory>/<kind>.npz.
_CHILD = """
import sys
import keras, numpy as np
from albert_tf import AlbertConfig
from albert_tf.modeling import ALL_MODELS
from tests.modeling.conftest import SMALL_CONFIGS, make_inputs, num_labels_for
action, name, directory = sys.argv[1:]
cls = {c.__name__: c for c in ALL_MODELS}[name]
for kind in ("keras", "pretrained"):
    path = f"{directory}/model.keras" if kind == "keras" else f"{directory}/pretrained"
    if action == "save":
        keras.utils.set_random_seed(1)
        model = cls(AlbertConfig(**SMALL_CONFIGS["groups2_inner2"], num_labels=num_labels_for(name)))
        model.save(path) if kind == "keras" else model.save_pretrained(path)
    else:
        model = keras.models.load_model(path, safe_mode=True) if kind == "keras" else cls.from_pretrained(path)
    assert type(model) is cls, type(model).__name__
    outputs = model(make_inputs(name))
    np.savez(f"{directory}/{kind}.npz", backend=keras.backend.backend(),
             **{k: keras.ops.convert_to_numpy(v) for k, v in outputs.items()})
"""


def _on_other_backend(action, name, directory):
    subprocess.run([sys.executable, "-c", _CHILD, action, name, str(directory)], check=True,
                   env=subprocess_env(OTHER), cwd=ROOT, timeout=300)
    results = {kind: np.load(directory / f"{kind}.npz") for kind in KINDS}
    assert {str(r["backend"]) for r in results.values()} == {OTHER}
    return results


def _assert_equal(numpy_outputs, outputs):
    assert set(numpy_outputs.files) - {"backend"} == set(outputs.keys())
    for key in outputs.keys():
        np.testing.assert_allclose(numpy_outputs[key], keras.ops.convert_to_numpy(outputs[key]), atol=1e-5)


@pytest.mark.parametrize("name", ["TFAlbertForMultipleChoice"])
def test_what_this_backend_saves_loads_on_the_other(tmp_path, name):
    keras.utils.set_random_seed(0)
    model = OURS[name](AlbertConfig(**SMALL_CONFIGS["groups2_inner2"], num_labels=num_labels_for(name)))
    expected = model(make_inputs(name))
    model.save(str(tmp_path / "model.keras"))
    model.save_pretrained(tmp_path / "pretrained")
    for loaded in _on_other_backend("load", name, tmp_path).values():
        _assert_equal(loaded, expected)


@pytest.mark.parametrize("name", ["TFAlbertForPreTraining"])
def test_what_the_other_backend_saves_loads_here(tmp_path, name):
    written = _on_other_backend("save", name, tmp_path)
    from_keras = keras.models.load_model(str(tmp_path / "model.keras"), safe_mode=True)
    from_pretrained = OURS[name].from_pretrained(tmp_path / "pretrained")
    for kind, model in (("keras", from_keras), ("pretrained", from_pretrained)):
        assert type(model) is OURS[name]
        _assert_equal(written[kind], model(make_inputs(name)))
