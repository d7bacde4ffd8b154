"""Each pipeline's results equal `transformers.pipeline(..., framework="tf")` on the same weights.

The oracle runs HF's TF models (random init, saved to the directories our `pipeline` loads). Fill-mask,
feature-extraction and text-classification use HF's slow `AlbertTokenizer`, the reference for ids.
Question-answering and token-classification use `AlbertTokenizerFast` converted from the same
spiece.model: it is what `transformers.pipeline` loads by default, and the only one HF takes character
offsets from (with the slow one HF's NER has no start/end and refuses first/average/max, and its QA
takes another, word-split path). The test texts are plain sentences on which slow and fast ids agree;
`_same_ids` asserts it for every text used with the fast tokenizer.

Structure, key names and order, tokens, labels, words and offsets must be identical; scores may differ
by float32 rounding (batching pads rows; HF's TF pipelines ran one input at a time).
"""

import pytest
import transformers

from albert_tf.pipelines import pipeline
from tests.pipelines._compare import assert_same
from tests.pipelines.conftest import MAX_LENGTH, wiki_sentences


# The oracle's own notices about its deprecated or heuristic paths, which these tests use on purpose.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Tokenizer does not support real words"),
    pytest.mark.filterwarnings("ignore:Passing a list of SQuAD examples"),
    pytest.mark.filterwarnings("ignore:`return_all_scores` is now deprecated"),
]


def _same_ids(hf_slow_tokenizer, hf_fast_tokenizer, *texts):
    for text in texts:
        slow = hf_slow_tokenizer(text, add_special_tokens=False)["input_ids"]
        fast = hf_fast_tokenizer(text, add_special_tokens=False)["input_ids"]
        assert slow == fast, f"slow and fast tokenizers disagree on the test text {text!r}"


def _hf(task, model_dirs, head, tokenizer, **kwargs):
    return transformers.pipeline(task, model=model_dirs[head][0], tokenizer=tokenizer, framework="tf", **kwargs)


@pytest.fixture(scope="module")
def sentences():
    return wiki_sentences(max_words=20, limit=200)  # two of them fit the model's 64 tokens


@pytest.fixture(scope="module")
def long_text(sentences):
    return " ".join(sentences[:12])


# ---------------------------------------------------------------------------------------------- fill-mask
def _masked(sentence, word_index):
    words = sentence.split(" ")
    words[word_index] = "[MASK]"
    return " ".join(words)


def test_fill_mask_single_batched_and_parameters(model_dirs, hf_slow_tokenizer, sentences):
    hf = _hf("fill-mask", model_dirs, "masked_lm", hf_slow_tokenizer)
    ours = pipeline("fill-mask", model=model_dirs["masked_lm"][1], batch_size=3)
    texts = ["Hello I'm a [MASK] model."] + [_masked(s, k % 5 + 1) for k, s in enumerate(sentences[:6])]
    assert_same(ours(texts[0]), hf(texts[0]))
    assert_same(ours(texts), hf(texts))  # 7 inputs of different lengths: padded batches of 3
    assert_same(ours([texts[1]]), hf([texts[1]]))  # a one-element list is unwrapped, as in HF
    assert_same(ours(texts[2], top_k=2), hf(texts[2], top_k=2))
    targets = ["\u2581the", "\u2581of", "\u2581anarchism", "nonsenseword"]
    assert_same(ours(texts[3], targets=targets), hf(texts[3], targets=targets))
    assert_same(ours(texts[3], targets=targets, top_k=2), hf(texts[3], targets=targets, top_k=2))
    two_masks = "The [MASK] of the [MASK] is here."
    assert_same(ours(two_masks), hf(two_masks))
    init_top_k = pipeline("fill-mask", model=model_dirs["masked_lm"][1], top_k=3)
    assert_same(init_top_k(texts[4]), _hf("fill-mask", model_dirs, "masked_lm", hf_slow_tokenizer, top_k=3)(texts[4]))


def test_fill_mask_long_input_truncated_like_hf(model_dirs, hf_slow_tokenizer, long_text):
    hf = _hf("fill-mask", model_dirs, "masked_lm", hf_slow_tokenizer)
    ours = pipeline("fill-mask", model=model_dirs["masked_lm"][1])
    text = "The [MASK] " + long_text
    assert len(hf_slow_tokenizer(text)["input_ids"]) > 2 * MAX_LENGTH
    kwargs = {"tokenizer_kwargs": {"truncation": True}}
    assert_same(ours(text, **kwargs), hf(text, **kwargs))
    assert_same(ours([text, "A [MASK] day."], **kwargs), hf([text, "A [MASK] day."], **kwargs))


# ---------------------------------------------------------------------------------------- feature-extraction
def test_feature_extraction_single_batched_long_and_tensors(model_dirs, hf_slow_tokenizer, sentences, long_text):
    hf = _hf("feature-extraction", model_dirs, "base", hf_slow_tokenizer)
    ours = pipeline("feature-extraction", model=model_dirs["base"][1], batch_size=2)
    assert_same(ours(sentences[0]), hf(sentences[0]))
    assert_same(ours(sentences[:5]), hf(sentences[:5]))
    assert_same(ours(long_text, truncation=True), hf(long_text, truncation=True))
    assert_same(ours(sentences[1], return_tensors=True), hf(sentences[1], return_tensors=True))
    assert_same(ours(sentences[2], tokenize_kwargs={"max_length": 7, "truncation": True}),
                hf(sentences[2], tokenize_kwargs={"max_length": 7, "truncation": True}))


# -------------------------------------------------------------------------------------- text-classification
def test_text_classification_top_k_and_functions(model_dirs, hf_slow_tokenizer, sentences, long_text):
    hf = _hf("text-classification", model_dirs, "sequence", hf_slow_tokenizer)
    ours = pipeline("sentiment-analysis", model=model_dirs["sequence"][1], batch_size=4)
    batch = sentences[10:19]
    pair = {"text": sentences[20], "text_pair": sentences[21]}
    cases = [
        ((sentences[10],), {}),
        ((batch,), {}),
        ((sentences[11],), {"top_k": None}),
        ((batch,), {"top_k": 2}),
        ((sentences[12],), {"top_k": 1}),
        ((sentences[13],), {"function_to_apply": "sigmoid", "top_k": None}),
        ((batch,), {"function_to_apply": "none"}),
        ((pair,), {}),
        (([pair, sentences[22]],), {"top_k": None}),
        ((long_text,), {"truncation": True}),
    ]
    for args, kwargs in cases:
        assert_same(ours(*args, **kwargs), hf(*args, **kwargs), f"text-classification{kwargs}")
    # Parameters given when the pipeline is made act as defaults, including HF's extra list around a string.
    ours_all = pipeline("text-classification", model=model_dirs["sequence"][1], top_k=None)
    hf_all = _hf("text-classification", model_dirs, "sequence", hf_slow_tokenizer, top_k=None)
    assert_same(ours_all(sentences[14]), hf_all(sentences[14]))
    with pytest.warns(UserWarning, match="return_all_scores"):
        legacy = ours(sentences[15], return_all_scores=True)
    assert_same(legacy, hf(sentences[15], return_all_scores=True))


# ------------------------------------------------------------------------------------- token-classification
@pytest.mark.parametrize("strategy", ["none", "simple", "first", "average", "max"])
def test_token_classification_strategies(model_dirs, hf_slow_tokenizer, hf_fast_tokenizer, sentences, strategy):
    texts = sentences[30:36]
    _same_ids(hf_slow_tokenizer, hf_fast_tokenizer, *texts)
    hf = _hf("ner", model_dirs, "token", hf_fast_tokenizer, aggregation_strategy=strategy)
    ours = pipeline("ner", model=model_dirs["token"][1], aggregation_strategy=strategy, batch_size=4)
    assert_same(ours(texts[0]), hf(texts[0]))
    assert_same(ours(texts), hf(texts))
    keep_all = {"ignore_labels": []}
    assert_same(ours(texts[1], **keep_all), hf(texts[1], **keep_all))


def test_token_classification_long_text_truncated_or_strided(model_dirs, hf_slow_tokenizer, hf_fast_tokenizer,
                                                             long_text, sentences):
    _same_ids(hf_slow_tokenizer, hf_fast_tokenizer, long_text)
    assert len(hf_fast_tokenizer(long_text)["input_ids"]) > 3 * MAX_LENGTH
    hf = _hf("token-classification", model_dirs, "token", hf_fast_tokenizer)
    ours = pipeline("token-classification", model=model_dirs["token"][1])
    assert_same(ours(long_text), hf(long_text))  # truncated to the model's length
    for strategy, stride in (("simple", 16), ("first", 5), ("max", 0)):
        kwargs = {"aggregation_strategy": strategy, "stride": stride, "ignore_labels": []}
        expected = hf([long_text, sentences[40]], **kwargs)
        assert_same(ours([long_text, sentences[40]], **kwargs), expected, f"stride {kwargs}")


def test_token_classification_pre_split_words(model_dirs, hf_slow_tokenizer, hf_fast_tokenizer, sentences):
    texts = sentences[41:44]
    _same_ids(hf_slow_tokenizer, hf_fast_tokenizer, *texts)
    hf = _hf("ner", model_dirs, "token", hf_fast_tokenizer)
    ours = pipeline("ner", model=model_dirs["token"][1])
    words = [t.split(" ") for t in texts]
    for kwargs in ({"is_split_into_words": True, "ignore_labels": []},
                   {"is_split_into_words": True, "aggregation_strategy": "first"},
                   {"is_split_into_words": True, "delimiter": "  ", "aggregation_strategy": "simple"}):
        assert_same(ours(words[0], **kwargs), hf(words[0], **kwargs), f"one list of words {kwargs}")
        assert_same(ours(words, **kwargs), hf(words, **kwargs), f"batch of word lists {kwargs}")


# --------------------------------------------------------------------------------------- question-answering
def test_question_answering_offsets_and_parameters(model_dirs, hf_slow_tokenizer, hf_fast_tokenizer, sentences):
    contexts = [" ".join(sentences[50 + 3 * k:53 + 3 * k]) for k in range(4)]
    questions = ["What is this about?", "Who wrote the text?", "Where did it happen?", "Why is that so?"]
    _same_ids(hf_slow_tokenizer, hf_fast_tokenizer, *contexts, *questions)
    hf = _hf("question-answering", model_dirs, "qa", hf_fast_tokenizer)
    ours = pipeline("question-answering", model=model_dirs["qa"][1], batch_size=3)
    single = {"question": questions[0], "context": contexts[0]}
    expected = hf(**single)
    assert_same(ours(**single), expected)
    assert_same(ours(single), expected)  # HF's other input forms
    assert_same(ours(questions[0], contexts[0]), expected)
    assert_same(ours([single]), expected)
    assert_same(ours(question=questions, context=contexts), hf(question=questions, context=contexts))
    assert_same(ours(question=questions[:2], context=contexts[1]), hf(question=questions[:2], context=contexts[1]))
    as_dicts = [{"question": q, "context": c} for q, c in zip(questions, contexts)]
    assert_same(ours(as_dicts, top_k=3), hf(as_dicts, top_k=3))
    for kwargs in ({"top_k": 5, "max_answer_len": 3}, {"handle_impossible_answer": True, "top_k": 2},
                   {"align_to_words": False, "top_k": 4}):
        assert_same(ours(**single, **kwargs), hf(**single, **kwargs), f"question-answering{kwargs}")
    for answer in ours(**single, top_k=3):
        assert contexts[0][answer["start"]:answer["end"]] == answer["answer"]


def test_question_answering_long_context_windows(model_dirs, hf_slow_tokenizer, hf_fast_tokenizer, sentences):
    context = " ".join(sentences[60:67])
    question = "What did the authors describe?"
    _same_ids(hf_slow_tokenizer, hf_fast_tokenizer, context, question)
    assert len(hf_fast_tokenizer(context)["input_ids"]) > 2 * MAX_LENGTH
    hf = _hf("question-answering", model_dirs, "qa", hf_fast_tokenizer)
    ours = pipeline("question-answering", model=model_dirs["qa"][1])
    for kwargs in ({}, {"doc_stride": 5, "top_k": 4, "handle_impossible_answer": True},
                   {"max_seq_len": 40, "doc_stride": 12, "top_k": 2}):
        expected = hf(question=question, context=context, **kwargs)
        assert_same(ours(question=question, context=context, **kwargs), expected, f"long context {kwargs}")
    batch = {"question": [question, "Which one?"], "context": [context, sentences[80]]}
    assert_same(ours(**batch, top_k=2), hf(**batch, top_k=2))
