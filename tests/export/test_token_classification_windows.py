"""The in-graph token classification (albert_tf/tasks/token_classification.py) equals HF 4.57's TF
``pipeline("token-classification", stride=S, aggregation_strategy=X)`` with the fast tokenizer.

Oracle: HF's TFAlbertForTokenClassification loaded from our save_pretrained (tf_model.h5) and
AlbertTokenizerFast converted from our spiece.model. The batch holds a real wiki text about 3x max_length
tokens, two short rows and an empty string; the graph runs in-process (windows -> model -> outputs).
"""

import numpy as np
import pytest
import transformers

from tests.export.conftest import TINY
from tests.pipelines.conftest import wiki_sentences

MAX_LENGTH = 32
STRIDE = 8
LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
SCORE_ATOL = 1e-5

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module", autouse=True)
def no_grappler():
    """Grappler spends seconds on each first call of a tokenizer graph and changes no result."""
    import tensorflow as tf

    previous = tf.config.optimizer.get_experimental_options().get("disable_meta_optimizer", False)
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    yield
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": previous})


@pytest.fixture(scope="module")
def setup(tokenizer, tmp_path_factory):
    import keras

    from albert_tf import modeling

    keras.utils.set_random_seed(5)
    config = modeling.AlbertConfig(**dict(TINY, vocab_size=tokenizer.vocab_size,
                                          id2label=dict(enumerate(LABELS))))
    model = modeling.TFAlbertForTokenClassification(config)
    directory = str(tmp_path_factory.mktemp("ner_model"))
    model.save_pretrained(directory, weights_format="h5")
    tokenizer.save_pretrained(directory)
    fast = transformers.AlbertTokenizerFast.from_pretrained(directory, from_slow=True, model_max_length=MAX_LENGTH)
    hf_model = transformers.TFAlbertForTokenClassification.from_pretrained(directory)
    hf = transformers.pipeline("token-classification", model=hf_model, tokenizer=fast, framework="tf")
    plain = [s for s in wiki_sentences(max_words=25, limit=80)
             if tokenizer(s, add_special_tokens=False)["input_ids"] == fast(s, add_special_tokens=False)["input_ids"]]
    long_text = ""
    for sentence in plain:
        long_text = (long_text + " " + sentence).strip()
        if len(fast(long_text, add_special_tokens=False)["input_ids"]) > 3 * MAX_LENGTH:
            break
    windows = len(fast(long_text, truncation=True, stride=STRIDE, return_overflowing_tokens=True)["input_ids"])
    assert windows >= 4, windows  # the merge across windows is exercised
    rows = [long_text, min(plain, key=len), "", plain[3]]
    return model, hf, rows


def _graph_outputs(model, tokenizer, rows, **kwargs):
    import tensorflow as tf

    from albert_tf.tasks.token_classification import TokenClassificationGraph
    from albert_tf.tokenization import AlbertPreprocessor

    pre = AlbertPreprocessor.from_tokenizer(tokenizer, max_length=MAX_LENGTH, return_offsets=True,
                                            offset_unit="char")
    graph = TokenClassificationGraph(tokenizer, labels=LABELS, max_length=MAX_LENGTH, **kwargs)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def run(text):
        features, meta = graph.windows(pre, text)
        logits = model(**features, training=False).logits
        return graph.outputs({"logits": logits}, features, meta, text)

    out = {k: v.numpy() for k, v in run(tf.constant(rows)).items()}
    assert set(out) == {d.name for d in graph.output_docs()}
    return out


@pytest.mark.parametrize("strategy,stride", [("simple", STRIDE), ("first", STRIDE), ("average", STRIDE),
                                             ("max", STRIDE), ("none", None), ("simple", None)])
def test_equals_hf_pipeline(setup, tokenizer, strategy, stride):
    model, hf, rows = setup
    out = _graph_outputs(model, tokenizer, rows, stride=stride, aggregation_strategy=strategy)
    kwargs = {"aggregation_strategy": strategy} if stride is None else {"aggregation_strategy": strategy,
                                                                         "stride": stride}
    label = "entity" if strategy == "none" else "entity_group"
    keys = [label, "word", "start", "end"] + (["index"] if strategy == "none" else [])
    for b, text in enumerate(rows):
        want = hf(text, **kwargs) if text else []
        n = int(out["num_entities"][b])
        got = [{k: (out[k][b, e].decode() if out[k].dtype == object else int(out[k][b, e])) for k in keys}
               for e in range(n)]
        assert got == [{k: w[k] for k in keys} for w in want], (strategy, b)
        np.testing.assert_allclose(out["score"][b, :n], [w["score"] for w in want], atol=SCORE_ATOL)
        assert (out["score"][b, n:] == 0).all() and (out["start"][b, n:] == -1).all()
    assert int(out["num_entities"][2]) == 0 and int(out["num_entities"][0]) > 0
