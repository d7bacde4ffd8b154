"""The in-graph token classification (albert_tf/tasks/token_classification.py), and the export with its
``aggregation_strategy``/``stride`` options, equal HF 4.57's TF
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


STRATEGIES = [("simple", STRIDE), ("first", STRIDE), ("average", STRIDE), ("max", STRIDE), ("none", None),
              ("simple", None)]


@pytest.fixture(scope="module")
def graph_outputs(setup, tokenizer):
    """(strategy, stride) -> the graph's outputs on the rows: one traced function for every case (windows
    and the model once per stride), so the tokenizer graph is traced and run once."""
    import tensorflow as tf

    from albert_tf.tasks.token_classification import TokenClassificationGraph
    from albert_tf.tokenization import AlbertPreprocessor

    model, _, rows = setup
    pre = AlbertPreprocessor.from_tokenizer(tokenizer, max_length=MAX_LENGTH, return_offsets=True,
                                            offset_unit="char")
    graphs = {case: TokenClassificationGraph(tokenizer, labels=LABELS, max_length=MAX_LENGTH, stride=case[1],
                                             aggregation_strategy=case[0]) for case in STRATEGIES}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def run(text):
        out, windows = {}, {}
        for (strategy, stride), graph in graphs.items():
            if stride not in windows:
                features, meta = graph.windows(pre, text)
                windows[stride] = features, meta, {"logits": model(**features, training=False).logits}
            features, meta, raw = windows[stride]
            out[f"{strategy}/{stride}"] = graph.outputs(raw, features, meta, text)
        return out

    result = run(tf.constant(rows))
    outputs = {}
    for case, graph in graphs.items():
        out = {k: v.numpy() for k, v in result[f"{case[0]}/{case[1]}"].items()}
        assert set(out) == {d.name for d in graph.output_docs()}
        outputs[case] = out
    return outputs


def _assert_equals_hf(hf, rows, out, strategy, stride):
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


@pytest.mark.parametrize("strategy,stride", STRATEGIES)
def test_equals_hf_pipeline(setup, graph_outputs, strategy, stride):
    _, hf, rows = setup
    _assert_equals_hf(hf, rows, graph_outputs[(strategy, stride)], strategy, stride)


def test_export_with_stride_and_aggregation_equals_hf_pipeline(setup, tokenizer, tmp_path):
    """The exported SavedModel (``aggregation_strategy`` and ``stride`` export options) on the same rows;
    ``predict_ids`` keeps the per-token outputs."""
    import tensorflow as tf

    from albert_tf.export import export_saved_model
    from albert_tf.export.signatures import signature_specs

    model, hf, rows = setup
    path = export_saved_model(model, tokenizer, str(tmp_path / "ner"), task="token_classification",
                              max_length=MAX_LENGTH, aggregation_strategy="average", stride=STRIDE,
                              verify_warmup=False)
    loaded = tf.saved_model.load(path)
    out = {k: v.numpy() for k, v in loaded.signatures["serving_default"](text=tf.constant(rows)).items()}
    _assert_equals_hf(hf, rows, out, "average", STRIDE)
    ids = tokenizer(rows[1:2], return_tensors="np")
    per_token = loaded.signatures["predict_ids"](**{k: tf.constant(ids[k], tf.int32) for k in
                                                    ("input_ids", "attention_mask", "token_type_ids")})
    names = signature_specs("token_classification", num_labels=len(LABELS))["predict_ids"].output_names
    assert sorted(per_token) == sorted(names)
    logits = model(**{k: ids[k] for k in ("input_ids", "attention_mask", "token_type_ids")}, training=False).logits
    np.testing.assert_array_equal(per_token["label_ids"].numpy()[0, 1:-1], np.argmax(logits[0, 1:-1], axis=-1))


@pytest.mark.parametrize("values,message", [
    ({"stride": 4}, "stride needs aggregation_strategy"),
    ({"aggregation_strategy": "none", "stride": 4}, "please select another one"),
    ({"aggregation_strategy": "simple", "stride": MAX_LENGTH - 2}, "must be less than"),
    ({"aggregation_strategy": "simple", "ids_only": True}, "drop ids_only"),
    ({"aggregation_strategy": "loudest"}, "loudest"),
])
def test_entity_options_get_one_line_errors(values, message):
    from albert_tf import modeling
    from albert_tf.export.options import ExportOptions

    config = modeling.AlbertConfig(**dict(TINY, vocab_size=100, id2label=dict(enumerate(LABELS))))
    options = ExportOptions.from_values("token_classification", max_length=MAX_LENGTH, **values)
    with pytest.raises(ValueError, match=message) as error:
        options.for_model(config).validate(config)
    assert "\n" not in str(error.value)


def test_entity_options_belong_to_token_classification():
    from albert_tf import modeling
    from albert_tf.export.options import ExportOptions

    config = modeling.AlbertConfig(**dict(TINY, vocab_size=100))
    options = ExportOptions(task="sequence_classification", aggregation_strategy="simple").for_model(config)
    with pytest.raises(ValueError, match="token_classification only"):
        options.validate(config)
