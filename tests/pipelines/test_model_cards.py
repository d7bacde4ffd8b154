"""The ALBERT model card's usage snippets run verbatim with only the import line changed.

Each snippet is kept as the card prints it (`from transformers import ...`, `'albert-base-v2'`); where the
card shows a REPL line (`>>> unmasker(...)`) its value is assigned to a variable. The test runs each
snippet twice: as printed, against transformers 4.x, and with the import line switched to `albert_tf`; in
both runs the hub id names a local directory holding the same random-init weights and tokenizer. Every
variable the snippet leaves behind must agree. The fill-mask and feature-extraction snippets load HF's
default (fast) tokenizer on the HF side, so they also check that our results equal what card users saw.
"""

import numpy as np
import pytest

from tests.pipelines._compare import assert_same

# albert-base-v2's card, "How to use" (PyTorch-free parts).
FILL_MASK_SNIPPET = """\
from transformers import pipeline
unmasker = pipeline('fill-mask', model='albert-base-v2')
result = unmasker("Hello I'm a [MASK] model.")
"""

# The same card, "Limitations and bias".
BIAS_SNIPPET = """\
from transformers import pipeline
unmasker = pipeline('fill-mask', model='albert-base-v2')
man = unmasker("The man worked as a [MASK].")
woman = unmasker("The woman worked as a [MASK].")
result = [man, woman]
"""

TF_FEATURES_SNIPPET = """\
from transformers import AlbertTokenizer, TFAlbertModel
tokenizer = AlbertTokenizer.from_pretrained('albert-base-v2')
model = TFAlbertModel.from_pretrained("albert-base-v2")
text = "Replace me by any text you'd like."
encoded_input = tokenizer(text, return_tensors='tf')
output = model(encoded_input)
"""

FEATURE_EXTRACTION_SNIPPET = """\
from transformers import pipeline
extractor = pipeline('feature-extraction', model='albert-base-v2')
result = extractor("Replace me by any text you'd like.")
"""


def _run(snippet: str, directory: str, ours: bool) -> dict:
    """Execute a card snippet with the hub id pointing at `directory`; optionally swap the import line."""
    lines = snippet.splitlines()
    assert lines[0].startswith("from transformers import ")
    if ours:
        lines[0] = lines[0].replace("from transformers import ", "from albert_tf import ", 1)
    code = "\n".join(lines).replace("'albert-base-v2'", repr(directory)).replace('"albert-base-v2"', repr(directory))
    assert code.count(repr(directory)) == snippet.count("albert-base-v2")
    namespace: dict = {}
    exec(compile(code, "<model card snippet>", "exec"), namespace)
    return namespace


def _hf_framework_tf(monkeypatch):
    # The oracle environment has torch installed, so transformers 4.57's `pipeline(...)` tries PyTorch
    # first and passes torch dtypes even to TF classes, failing on a TF-only directory. A TensorFlow
    # user's environment (no torch) gets TF; pin that here without touching the snippet.
    import transformers.pipelines as hf_pipelines

    original = hf_pipelines.pipeline

    def pipeline_tf(*args, **kwargs):
        kwargs.setdefault("framework", "tf")
        kwargs.setdefault("dtype", None)
        return original(*args, **kwargs)

    monkeypatch.setattr("transformers.pipeline", pipeline_tf)


@pytest.mark.parametrize("snippet,head", [(FILL_MASK_SNIPPET, "masked_lm"), (BIAS_SNIPPET, "masked_lm"),
                                          (FEATURE_EXTRACTION_SNIPPET, "base")], ids=["fill-mask", "bias",
                                                                                      "feature-extraction"])
def test_pipeline_snippets(snippet, head, model_dirs, monkeypatch):
    directory = model_dirs[head][1]
    ours = _run(snippet, directory, ours=True)
    _hf_framework_tf(monkeypatch)
    theirs = _run(snippet, directory, ours=False)
    assert type(ours["result"]) is list and ours["result"]
    assert_same(ours["result"], theirs["result"])


def test_tf_albert_model_snippet(model_dirs):
    directory = model_dirs["base"][1]
    ours = _run(TF_FEATURES_SNIPPET, directory, ours=True)
    theirs = _run(TF_FEATURES_SNIPPET, directory, ours=False)
    assert type(ours["model"]).__module__.startswith("albert_tf")
    assert {k: np.asarray(v).tolist() for k, v in ours["encoded_input"].items()} == \
        {k: np.asarray(v).tolist() for k, v in theirs["encoded_input"].items()}
    for key in ("last_hidden_state", "pooler_output"):
        np.testing.assert_allclose(np.asarray(ours["output"][key]), np.asarray(theirs["output"][key]), atol=1e-5)
    np.testing.assert_allclose(np.asarray(ours["output"][0]), np.asarray(theirs["output"][0]), atol=1e-5)
