"""tests/backends: albert_tf on Keras' JAX and torch backends, in an environment without TensorFlow.

`make test-jax` runs this directory twice, with KERAS_BACKEND=jax and KERAS_BACKEND=torch, in `.venv-jax`
(no TensorFlow installed). On the TensorFlow backend the same behaviour is covered by tests/modeling,
tests/tokenization and tests/pipelines, so `make test` collects only test_cross_backend.py here.
"""

import os
import pathlib
import sys

import keras
import pytest

BACKEND = keras.backend.backend()

if BACKEND == "tensorflow":
    # On TensorFlow only the cross-backend round trips run (TF <-> JAX; the main environment has jax).
    collect_ignore = sorted(p.name for p in pathlib.Path(__file__).parent.glob("test_*.py")
                            if p.name != "test_cross_backend.py")
else:
    # A module of one backend only is not collected on the other.
    collect_ignore_glob = [f"test_{other}_*.py" for other in ("jax", "torch") if other != BACKEND]


@pytest.fixture(autouse=True)
def _no_tensorflow():
    """Every test here must pass without TensorFlow: importing it would hide a TF dependency."""
    yield
    if BACKEND != "tensorflow":
        assert "tensorflow" not in sys.modules, "a backend-neutral code path imported tensorflow"


def subprocess_env(backend: str) -> dict:
    """The environment for a child process on another Keras backend."""
    return dict(os.environ, KERAS_BACKEND=backend)


def pytest_configure(config):
    # Keras' variables and torch 2.13's tensors implement __array__ without numpy 2's `copy` keyword;
    # numpy warns on every conversion (thousands per run), about code that is not ours.
    config.addinivalue_line(
        "filterwarnings", "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
