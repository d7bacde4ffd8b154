"""Weights written on one Keras backend load on another: `.keras` archives and save_pretrained directories.

This environment has JAX and torch; a child process on the other backend loads what this one wrote and
its predictions must equal this backend's.
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
OTHER = {"jax": "torch", "torch": "jax"}[BACKEND]
ROOT = pathlib.Path(__file__).resolve().parents[2]

_LOADER = """
import sys
import keras, numpy as np
from albert_tf.modeling import ALL_MODELS
from tests.modeling.conftest import make_inputs
path, kind, name, out = sys.argv[1:]
if kind == "keras":
    model = keras.models.load_model(path, safe_mode=True)
else:
    model = {c.__name__: c for c in ALL_MODELS}[name].from_pretrained(path)
assert type(model).__name__ == name, type(model).__name__
result = model(make_inputs(name))
np.savez(out, backend=keras.backend.backend(), **{k: keras.ops.convert_to_numpy(v) for k, v in result.items()})
"""


def _load_on_other_backend(path, kind, name, out):
    subprocess.run([sys.executable, "-c", _LOADER, str(path), kind, name, str(out)], check=True,
                   env=subprocess_env(OTHER), cwd=ROOT, timeout=300)
    return np.load(out)


@pytest.mark.parametrize("name", ["TFAlbertForPreTraining", "TFAlbertForMultipleChoice"])
@pytest.mark.parametrize("kind", ["keras", "pretrained"])
def test_what_this_backend_saves_loads_on_the_other(tmp_path, name, kind):
    keras.utils.set_random_seed(0)
    model = OURS[name](AlbertConfig(**SMALL_CONFIGS["groups2_inner2"], num_labels=num_labels_for(name)))
    expected = model(make_inputs(name))
    path = tmp_path / ("model.keras" if kind == "keras" else "pretrained")
    model.save(str(path)) if kind == "keras" else model.save_pretrained(path)
    loaded = _load_on_other_backend(path, kind, name, tmp_path / "out.npz")
    assert str(loaded["backend"]) == OTHER
    for key in expected.keys():
        np.testing.assert_allclose(loaded[key], keras.ops.convert_to_numpy(expected[key]), atol=1e-5)
