"""The five pipelines on the active Keras backend (JAX or torch) equal HF 4.x's PyTorch
``transformers.pipeline(..., framework="pt")`` on the same weights, and ``model(BatchEncoding)`` takes the
tokenizer's numpy / torch / JAX tensors.

Our random-init models are saved with ``save_pretrained`` (HF PyTorch naming) and loaded by HF's PyTorch
classes, so the oracle runs the very weights ours do. As in tests/pipelines, fill-mask, feature-extraction
and text-classification compare with HF's slow tokenizer, question-answering and token-classification
with HF's default fast one (the one HF takes character offsets from); the texts are plain sentences on
which both give the same ids (asserted). Labels, tokens, words and offsets must be identical, scores
within float32 rounding (we pad batches; HF's PyTorch pipelines run one input at a time).
"""

import os
import shutil

import keras
import numpy as np
import pytest
import torch
import transformers

import albert_tf
from albert_tf.pipelines import pipeline
from albert_tf.tokenization import AlbertTokenizer
from tests.hf_oracle import as_numpy, hf_pt_class
from tests.pipelines._compare import SCORE_TOLERANCE, assert_same
from tests.pipelines.conftest import (HEADS, MAX_LENGTH, TINY_CONFIG, hf_fast_tokenizer,  # noqa: F401 (fixtures)
                                      hf_slow_tokenizer, spm_dir, wiki_sentences)

BACKEND = keras.backend.backend()
TENSOR_TYPE = {"jax": "jax", "torch": "pt"}[BACKEND]

pytestmark = [
    pytest.mark.filterwarnings("ignore:Tokenizer does not support real words"),
    pytest.mark.filterwarnings("ignore:Passing a list of SQuAD examples"),
]


def _backend_tensor_class():
    if BACKEND == "jax":
        import jax

        return jax.Array
    return torch.Tensor


@pytest.fixture(scope="module")
def models(spm_dir, tmp_path_factory):  # noqa: F811
    """head -> (our model loaded from its directory, HF's PyTorch model from the same files, directory)."""
    out = {}
    for seed, (head, (class_name, extra)) in enumerate(sorted(HEADS.items())):
        config = albert_tf.AlbertConfig(**TINY_CONFIG, **extra)
        keras.utils.set_random_seed(seed)
        model = getattr(albert_tf, class_name)(config)
        model(input_ids=np.array([[2, 10, 11, 3]], np.int32))  # build the weights
        directory = str(tmp_path_factory.mktemp(f"backend_model_{head}"))
        model.save_pretrained(directory)
        for name in ("spiece.model", "tokenizer_config.json", "special_tokens_map.json"):
            shutil.copy(os.path.join(spm_dir, name), directory)
        hf = hf_pt_class(class_name).from_pretrained(directory).eval()
        out[head] = (getattr(albert_tf, class_name).from_pretrained(directory), hf, directory)
    return out


@pytest.fixture(scope="module")
def sentences():
    return wiki_sentences(max_words=20, limit=120)


def _pair(models, head, task, hf_tokenizer, batch_size, **kwargs):
    """(ours, HF's) pipelines on one model; ours shares the loaded model, so JAX compiles each shape once.
    Only ours batches: HF's batch_size > 1 would pad feature-extraction's per-token outputs."""
    ours_model, hf_model, directory = models[head]
    ours = pipeline(task, model=ours_model, tokenizer=directory, batch_size=batch_size, **kwargs)
    return ours, transformers.pipeline(task, model=hf_model, tokenizer=hf_tokenizer, framework="pt", **kwargs)


def _same_ids(hf_slow_tokenizer, hf_fast_tokenizer, *texts):  # noqa: F811
    for text in texts:
        slow = hf_slow_tokenizer(text, add_special_tokens=False)["input_ids"]
        assert slow == hf_fast_tokenizer(text, add_special_tokens=False)["input_ids"], text


def test_fill_mask(models, hf_slow_tokenizer, sentences):  # noqa: F811
    # Loaded by pipeline() from the directory, the way users call it.
    ours = pipeline("fill-mask", model=models["masked_lm"][2], batch_size=3)
    hf = transformers.pipeline("fill-mask", model=models["masked_lm"][1], tokenizer=hf_slow_tokenizer,
                               framework="pt")
    texts = ["Hello I'm a [MASK] model."] + [" ".join("[MASK]" if i == k % 5 + 1 else w
                                                      for i, w in enumerate(s.split(" ")))
                                             for k, s in enumerate(sentences[:5])]
    assert_same(ours(texts[0]), hf(texts[0]))
    assert_same(ours(texts), hf(texts))  # padded batches of 3
    assert_same(ours(texts[2], top_k=2), hf(texts[2], top_k=2))
    targets = ["\u2581the", "\u2581of", "nonsenseword"]
    assert_same(ours(texts[3], targets=targets), hf(texts[3], targets=targets))
    assert_same(ours("The [MASK] of the [MASK] is here."), hf("The [MASK] of the [MASK] is here."))


def test_feature_extraction(models, hf_slow_tokenizer, sentences):  # noqa: F811
    ours, hf = _pair(models, "base", "feature-extraction", hf_slow_tokenizer, batch_size=2)
    assert_same(ours(sentences[:3]), hf(sentences[:3]))
    long_text = " ".join(sentences[:8])
    assert_same(ours(long_text, truncation=True), hf(long_text, truncation=True))
    # return_tensors=True: the backend's tensor where HF gives a torch one.
    assert_same(ours(sentences[3], return_tensors=True), hf(sentences[3], return_tensors=True),
                tensor_type=_backend_tensor_class())


def test_text_classification(models, hf_slow_tokenizer, sentences):  # noqa: F811
    ours, hf = _pair(models, "sequence", "text-classification", hf_slow_tokenizer, batch_size=4)
    batch = sentences[10:16]
    pair = {"text": sentences[20], "text_pair": sentences[21]}
    for args, kwargs in (((batch,), {}), ((sentences[11],), {"top_k": None}), ((batch,), {"top_k": 2}),
                         ((sentences[13],), {"function_to_apply": "sigmoid", "top_k": None}), ((pair,), {})):
        assert_same(ours(*args, **kwargs), hf(*args, **kwargs), f"text-classification{kwargs}")


@pytest.mark.parametrize("strategy", ["none", "simple", "first", "max"])
def test_token_classification(models, hf_slow_tokenizer, hf_fast_tokenizer, sentences, strategy):  # noqa: F811
    texts = sentences[30:34]
    long_text = " ".join(sentences[:12])
    _same_ids(hf_slow_tokenizer, hf_fast_tokenizer, *texts, long_text)
    assert len(hf_fast_tokenizer(long_text)["input_ids"]) > 2 * MAX_LENGTH
    ours, hf = _pair(models, "token", "ner", hf_fast_tokenizer, aggregation_strategy=strategy, batch_size=3)
    assert_same(ours(texts), hf(texts))
    assert_same(ours(texts[1], ignore_labels=[]), hf(texts[1], ignore_labels=[]))
    if strategy != "none":  # HF strides only with an aggregation
        kwargs = {"stride": 8, "ignore_labels": []}
        assert_same(ours(long_text, **kwargs), hf(long_text, **kwargs), "strided windows")


def test_question_answering(models, hf_slow_tokenizer, hf_fast_tokenizer, sentences):  # noqa: F811
    contexts = [" ".join(sentences[50 + 3 * k:53 + 3 * k]) for k in range(3)]
    questions = ["What is this about?", "Who wrote the text?", "Where did it happen?"]
    long_context = " ".join(sentences[60:67])
    _same_ids(hf_slow_tokenizer, hf_fast_tokenizer, *contexts, *questions, long_context)
    assert len(hf_fast_tokenizer(long_context)["input_ids"]) > 2 * MAX_LENGTH
    ours, hf = _pair(models, "qa", "question-answering", hf_fast_tokenizer, batch_size=3)
    assert_same(ours(question=questions[0], context=contexts[0]), hf(question=questions[0], context=contexts[0]))
    assert_same(ours(question=questions, context=contexts, top_k=2), hf(question=questions, context=contexts, top_k=2))
    for kwargs in ({"top_k": 3, "max_answer_len": 3}, {"handle_impossible_answer": True, "top_k": 2}):
        assert_same(ours(question=questions[1], context=contexts[1], **kwargs),
                    hf(question=questions[1], context=contexts[1], **kwargs), f"question-answering{kwargs}")
    kwargs = {"doc_stride": 12, "max_seq_len": 40, "top_k": 2}  # several windows of one context
    assert_same(ours(question=questions[2], context=long_context, **kwargs),
                hf(question=questions[2], context=long_context, **kwargs), "long context")


def test_device_and_framework_arguments(models, hf_slow_tokenizer):  # noqa: F811
    directory = models["masked_lm"][2]
    text = "A [MASK] day."
    default = pipeline("fill-mask", model=models["masked_lm"][0], tokenizer=directory)(text)
    for device in (-1, "cpu"):
        on_cpu = pipeline("fill-mask", model=models["masked_lm"][0], tokenizer=directory, device=device)
        assert_same(on_cpu(text), default)
    hf = transformers.pipeline("fill-mask", model=models["masked_lm"][1], tokenizer=hf_slow_tokenizer,
                               framework="pt", device=-1)
    assert_same(default, hf(text))
    framework = "pt" if BACKEND == "torch" else "jax"
    assert_same(pipeline("fill-mask", model=directory, framework=framework)(text), default)
    with pytest.raises(ValueError, match="framework='tf'"):
        pipeline("fill-mask", model=directory, framework="tf")
    gpus = torch.cuda.device_count() if BACKEND == "torch" else _jax_gpus()
    if not gpus:  # a GPU index the backend does not have is a one-line error, not a CPU fallback
        with pytest.raises(ValueError, match=r"^device=0 asks for GPU 0, but \w+ sees 0 GPU\(s\); use device=-1"):
            pipeline("fill-mask", model=models["masked_lm"][0], tokenizer=directory, device=0)
    with pytest.raises(ValueError, match="not understood"):
        pipeline("fill-mask", model=models["masked_lm"][0], tokenizer=directory, device="tpu-ish")


def _jax_gpus() -> int:
    import jax

    try:
        return len(jax.devices("gpu"))
    except RuntimeError:
        return 0


@pytest.mark.parametrize("tensor_type", ["np", TENSOR_TYPE])
def test_model_takes_a_batch_encoding(models, spm_dir, sentences, tensor_type):  # noqa: F811
    tokenizer = AlbertTokenizer.from_pretrained(spm_dir)
    hf_tokenizer = transformers.AlbertTokenizer.from_pretrained(spm_dir)
    texts = sentences[:3]
    for head in ("base", "qa"):
        ours_model, hf_model, _ = models[head]
        encoded_input = tokenizer(texts, padding=True, return_tensors=tensor_type)
        output = ours_model(encoded_input)
        with torch.no_grad():
            expected = hf_model(**hf_tokenizer(texts, padding=True, return_tensors="pt"))
        assert list(output.keys()) == list(expected.keys())
        for key in expected.keys():
            assert isinstance(output[key], _backend_tensor_class()), (key, type(output[key]))
            np.testing.assert_allclose(keras.ops.convert_to_numpy(output[key]), as_numpy(expected[key]),
                                       atol=SCORE_TOLERANCE, err_msg=f"{head}.{key}")
