"""The outside oracle: Hugging Face transformers 4.x (TF classes on tf-keras, PyTorch classes on torch).

Importing this module fails the test run loudly if the oracle is missing: CI installs it through the
`test` extra, so a missing oracle is a broken environment, not a reason to skip.
"""

import numpy as np
import transformers  # noqa: F401  (fail loudly: the oracle is a required test dependency)

assert transformers.__version__.startswith("4."), "the oracle is transformers 4.x (its TF classes)"


def hf_tf_class(name: str):
    return getattr(transformers, name)


def hf_pt_class(name: str):
    return getattr(transformers, name[2:])  # TFAlbertModel -> AlbertModel


def hf_config(**kwargs):
    return transformers.AlbertConfig(**kwargs)


def as_numpy(value):
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def max_abs_diff(expected, actual) -> dict:
    """Per-key max |a-b| over two HF-style outputs; nested tuples (hidden_states, attentions) included."""
    assert sorted(expected.keys()) == sorted(actual.keys()), (sorted(expected.keys()), sorted(actual.keys()))
    diffs = {}
    for key in expected.keys():
        a, b = expected[key], actual[key]
        if isinstance(a, (tuple, list)):
            assert len(a) == len(b), (key, len(a), len(b))
            diffs[key] = max(float(np.max(np.abs(as_numpy(x) - as_numpy(y)))) for x, y in zip(a, b))
        else:
            x, y = as_numpy(a), as_numpy(b)
            assert x.shape == y.shape, (key, x.shape, y.shape)
            diffs[key] = float(np.max(np.abs(x - y)))
    return diffs
