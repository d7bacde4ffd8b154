"""The question-answering export on long contexts answers as HF 4.x's TF ``pipeline("question-answering")``.

The oracle is HF's own pipeline: its TF ``TFAlbertForQuestionAnswering`` loaded from our
``save_pretrained`` (``tf_model.h5``) and its fast ``AlbertTokenizerFast`` converted from our
``spiece.model`` (what ``transformers.pipeline`` loads by default). Contexts are plain ASCII sentences on
which slow and fast ids agree (asserted), so a difference comes from the windows or the span rules.
One context is more than five times ``max_seq_len`` tokens with HF's answer in a late window.
"""

import numpy as np
import pytest
import transformers

from albert_tf.pipelines import pipeline
from tests.export.conftest import make_model
from tests.pipelines.conftest import wiki_sentences

SCORE_ATOL = 1e-5
MAX_SEQ_LEN = 40
DOC_STRIDE = 16
POSITIONS = 64  # the tiny model's max_position_embeddings (tests/export/conftest.py TINY)

pytestmark = pytest.mark.filterwarnings("ignore:Passing a list of SQuAD examples")


@pytest.fixture(scope="module")
def qa_dir(tokenizer, tmp_path_factory):
    """Our tiny random QA model and tokenizer, saved as an HF model directory (tf_model.h5 + spiece.model:
    HF TF reads safetensors only through torch)."""
    model = make_model("question_answering", tokenizer.vocab_size, seed=11)
    directory = str(tmp_path_factory.mktemp("qa_model"))
    model.save_pretrained(directory, weights_format="h5")
    tokenizer.save_pretrained(directory)
    return model, directory


@pytest.fixture(scope="module")
def hf_fast(qa_dir):
    return transformers.AlbertTokenizerFast.from_pretrained(qa_dir[1], from_slow=True, model_max_length=POSITIONS)


@pytest.fixture(scope="module")
def hf_qa(qa_dir, hf_fast):
    model = transformers.TFAlbertForQuestionAnswering.from_pretrained(qa_dir[1])
    return transformers.pipeline("question-answering", model=model, tokenizer=hf_fast, framework="tf")


def _exported(qa_dir, tokenizer, tmp_path_factory, name, **options):
    import tensorflow as tf

    from albert_tf.export import export_saved_model

    base = tmp_path_factory.mktemp(name)
    path = export_saved_model(qa_dir[0], tokenizer, str(base / "qa"), task="question_answering",
                              verify_warmup=False, **options)
    return tf.saved_model.load(path).signatures["serving_default"]


@pytest.fixture(scope="module")
def windowed(qa_dir, tokenizer, tmp_path_factory):
    return _exported(qa_dir, tokenizer, tmp_path_factory, "windowed", max_seq_len=MAX_SEQ_LEN,
                     doc_stride=DOC_STRIDE, handle_impossible_answer=False)


@pytest.fixture(scope="module")
def defaults(qa_dir, tokenizer, tmp_path_factory):
    # No QA option: max_seq_len = min(384, positions) = 64 and doc_stride = 32, HF's defaults for a
    # tokenizer with model_max_length 64.
    return _exported(qa_dir, tokenizer, tmp_path_factory, "defaults")


@pytest.fixture(scope="module")
def impossible(qa_dir, tokenizer, tmp_path_factory):
    return _exported(qa_dir, tokenizer, tmp_path_factory, "impossible", max_seq_len=MAX_SEQ_LEN,
                     doc_stride=DOC_STRIDE, handle_impossible_answer=True)


@pytest.fixture(scope="module")
def sentences():
    return wiki_sentences(max_words=20, limit=120)


def _first_window_chars(hf_fast, question, context, max_seq_len, doc_stride):
    enc = hf_fast(question, context, truncation="only_second", max_length=max_seq_len, stride=doc_stride,
                  return_overflowing_tokens=True, return_offsets_mapping=True)
    first = [o for o, s in zip(enc["offset_mapping"][0], enc.sequence_ids(0)) if s == 1]
    return len(enc["input_ids"]), first[-1][1]


@pytest.fixture(scope="module")
def cases(sentences, hf_fast, hf_qa, tokenizer):
    """[(question, context)]: a long context whose HF answer lies past the first two windows, a medium one,
    a one-window one (rows of different lengths); picked with HF's own answers (the oracle)."""
    question = "What did the people of the town build near the river?"
    plain = [s for s in sentences if tokenizer(s, add_special_tokens=False)["input_ids"]
             == hf_fast(s, add_special_tokens=False)["input_ids"]]
    for shift in range(len(plain)):
        context = " ".join((plain[shift:] + plain[:shift])[:24])
        windows, first_end = _first_window_chars(hf_fast, question, context, MAX_SEQ_LEN, DOC_STRIDE)
        tokens = len(hf_fast(context, add_special_tokens=False)["input_ids"])
        answer = hf_qa(question=question, context=context, max_seq_len=MAX_SEQ_LEN, doc_stride=DOC_STRIDE)
        if tokens > 5 * MAX_SEQ_LEN and answer["start"] > 3 * first_end and windows > 5:
            break
    else:
        raise AssertionError("no rotation of the test sentences puts HF's answer in a late window")
    medium = " ".join(plain[40:44])
    short = min(plain, key=len)  # one window
    return [(question, context), ("Who was it?", medium), ("Where?", short)]


def _same_ids(hf_fast, tokenizer, *texts):
    for text in texts:
        assert tokenizer(text, add_special_tokens=False)["input_ids"] == \
            hf_fast(text, add_special_tokens=False)["input_ids"], text


def _call(signature, rows):
    out = signature(question=np.array([q for q, _ in rows], object), context=np.array([c for _, c in rows], object))
    return {k: v.numpy() for k, v in out.items()}


def _assert_rows(out, expected, rows):
    for b, want in enumerate(expected):
        context = rows[b][1]
        got = {"answer": out["answer"][b].decode("utf-8"), "start": int(out["start"][b]), "end": int(out["end"][b])}
        assert got == {k: want[k] for k in ("answer", "start", "end")}, (b, got, want)
        assert got["answer"] == context[got["start"]:got["end"]]
        assert abs(float(out["score"][b]) - want["score"]) <= SCORE_ATOL, (b, float(out["score"][b]), want)


def test_long_contexts_equal_hf_pipeline(windowed, cases, hf_qa, hf_fast, tokenizer):
    _same_ids(hf_fast, tokenizer, *[t for case in cases for t in case])
    expected = [hf_qa(question=q, context=c, max_seq_len=MAX_SEQ_LEN, doc_stride=DOC_STRIDE) for q, c in cases]
    rows = cases + [cases[0]]  # the long row twice: rows of a batch do not interfere
    out = _call(windowed, rows)
    _assert_rows(out, expected + [expected[0]], rows)
    assert int(out["window"][0]) >= 3 and out["window"][2] == 0, out["window"]
    # start_token/end_token index the winning window's tokens: their HF offsets give the answer's ends.
    enc = hf_fast(cases[0][0], cases[0][1], truncation="only_second", max_length=MAX_SEQ_LEN, stride=DOC_STRIDE,
                  return_overflowing_tokens=True, return_offsets_mapping=True)
    window = int(out["window"][0])
    start_word = enc.token_to_word(window, int(out["start_token"][0]))
    assert enc.word_to_chars(window, start_word, sequence_index=1)[0] == expected[0]["start"]


def test_defaults_equal_hf_defaults(defaults, cases, hf_qa):
    expected = [hf_qa(question=q, context=c) for q, c in cases]
    _assert_rows(_call(defaults, cases), expected, cases)


def test_handle_impossible_answer_equals_hf(impossible, cases, hf_qa):
    expected = [hf_qa(question=q, context=c, max_seq_len=MAX_SEQ_LEN, doc_stride=DOC_STRIDE,
                      handle_impossible_answer=True) for q, c in cases]
    _assert_rows(_call(impossible, cases), expected, cases)


def test_equals_our_python_pipeline(windowed, cases, qa_dir):
    ours = pipeline("question-answering", model=qa_dir[1])
    expected = [ours(question=q, context=c, max_seq_len=MAX_SEQ_LEN, doc_stride=DOC_STRIDE) for q, c in cases]
    _assert_rows(_call(windowed, cases), expected, cases)


def test_empty_context_answers_nothing_and_fails_no_other_row(windowed, impossible, cases, hf_qa):
    rows = [cases[2], ("Who?", ""), cases[1]]
    out = _call(windowed, rows)
    assert (out["answer"][1], int(out["start"][1]), int(out["end"][1]), float(out["score"][1])) == (b"", 0, 0, 0.0)
    expected = [hf_qa(question=q, context=c, max_seq_len=MAX_SEQ_LEN, doc_stride=DOC_STRIDE) for q, c in rows[::2]]
    _assert_rows({k: v[::2] for k, v in out.items()}, expected, rows[::2])
    null = _call(impossible, rows)
    assert null["answer"][1] == b"" and 0.0 < float(null["score"][1]) <= 1.0


def test_bad_qa_options_are_one_line_errors(qa_dir, tokenizer, tmp_path):
    from albert_tf.export import export_saved_model

    for options, message in [({"doc_stride": 50, "max_seq_len": 40}, "is larger than `max_seq_len`"),
                             ({"max_seq_len": 65}, "max_seq_len must be in [4, 64]"),
                             ({"max_answer_len": 3, "max_answer_length": 5}, "disagree")]:
        with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("`", ".")):
            export_saved_model(qa_dir[0], tokenizer, str(tmp_path / "bad"), task="question_answering", **options)

