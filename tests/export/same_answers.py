"""Issue 12, acceptance 1: the same inputs through ``pipeline``, ``evaluate``'s decoding and the exported
SavedModel (run in a fresh tensorflow + tensorflow_text process by test_parity.py's ``fresh`` fixture) give
the same answers, labels and offsets, scores within 1e-5, for every head.

What each head has: HF has no multiple-choice pipeline and ours follows HF, so multiple choice compares
``evaluate`` with the export; the base model, masked LM and pre-training heads are not fine-tuned from data
files, so they have no ``evaluate`` and compare the pipeline (feature-extraction; fill-mask for the two MLM
heads, the pre-training head's sentence-order output having no pipeline) with the export.

The long cases: a question-answering context more than five times ``max_seq_len`` tokens whose answer lies
in a late window, and a token-classification text more than three times ``max_length`` tokens, windowed with
``stride`` (export), ``stride`` (pipeline) and ``token_decoding="pipeline"`` (evaluate).
"""

import json
import os

import numpy as np

from tests.export.conftest import MAX_LENGTH
from tests.pipelines.conftest import wiki_sentences

ATOL = 1e-5
STRIDE = 8  # token classification windows: 32 tokens, 8 shared
QA_STRIDE = MAX_LENGTH // 2  # the session QA export's doc_stride (HF: max_seq_len // 2)


def _strings(values) -> list:
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in np.asarray(values, object).ravel()]


def _plain_sentences(tokenizer, max_words):
    """Sentences whose pieces are the same tokenized whole and word by word (so a CoNLL file of its
    words and the text itself are the same input)."""
    from albert_tf.tasks.entities import encode_text, encode_words

    return [s for s in wiki_sentences(max_words=max_words, limit=200)
            if encode_text(tokenizer, s)[0] == encode_words(tokenizer, s.split(" "))[0]]


def _pieces(tokenizer, text) -> int:
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def token_texts(tokenizer) -> list[str]:
    """A text over three times MAX_LENGTH tokens, a medium and a short one."""
    plain = _plain_sentences(tokenizer, 25)
    long_text, k = "", 0
    while _pieces(tokenizer, long_text) <= 3 * MAX_LENGTH + 10:
        long_text = (long_text + " " + plain[k]).strip()
        k += 1
    return [long_text, " ".join(plain[k:k + 2]), plain[k + 2]]


def qa_cases(qa_pipeline, tokenizer) -> list[tuple[str, str]]:
    """(question, context) rows: a context over five times MAX_LENGTH tokens whose answer (by the pipeline)
    starts past three windows, a medium one and a one-window one."""
    plain = _plain_sentences(tokenizer, 20)
    question = "What did they build?"
    for shift in range(len(plain)):
        context = " ".join((plain[shift:] + plain[:shift])[:10])
        if _pieces(tokenizer, context) <= 5 * MAX_LENGTH:
            continue
        answer = qa_pipeline(question=question, context=context, max_seq_len=MAX_LENGTH, doc_stride=QA_STRIDE)
        if _pieces(tokenizer, context[:answer["start"]]) > 2 * MAX_LENGTH:
            break
    else:
        raise AssertionError("no rotation of the test sentences puts the answer in a late window")
    return [(question, context), ("Who was it?", " ".join(plain[40:43])), ("Where?", min(plain, key=len))]


def save_model(model, tokenizer, directory) -> str:
    """A fine-tuned model directory as `finetune` leaves it (what `evaluate` reads)."""
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def write_jsonl(path, rows) -> str:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    return path


def write_conll(path, texts) -> str:
    with open(path, "w", encoding="utf-8") as f:
        for text in texts:
            f.write("".join(f"{word} O\n" for word in text.split(" ")) + "\n")
    return path


def write_squad(path, cases) -> str:
    paragraphs = [{"context": c, "qas": [{"id": f"q{i}", "question": q,
                                          "answers": [{"text": c.split(" ")[0], "answer_start": 0}]}]}
                  for i, (q, c) in enumerate(cases)]
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"version": "1.1", "data": [{"title": "t", "paragraphs": paragraphs}]}, f)
    return path


def evaluated(task, model_dir, eval_file, **settings):
    """`evaluate`'s predictions (its decoding of the model's outputs) on ``eval_file``."""
    from albert_tf.finetuning import evaluate

    _, predictions = evaluate(task, model_dir, eval_file, max_seq_length=MAX_LENGTH, return_predictions=True,
                              **settings)
    return predictions


# ----------------------------------------------------------------------------------------- comparisons
def assert_entities(expected: list[dict], exported: dict, row: int, where: str):
    """Entity groups of one row: the same groups, words and offsets, scores within ATOL."""
    n = int(exported["num_entities"][row])
    got = [{"entity_group": g, "word": w, "start": int(s), "end": int(e)} for g, w, s, e in zip(
        _strings(exported["entity_group"][row][:n]), _strings(exported["word"][row][:n]),
        exported["start"][row][:n], exported["end"][row][:n])]
    want = [{k: e[k] for k in ("entity_group", "word", "start", "end")} for e in expected]
    assert got == want, (where, row)
    np.testing.assert_allclose(exported["score"][row][:n], [e["score"] for e in expected], atol=ATOL, rtol=0,
                               err_msg=where)


def assert_answer(expected: dict, exported: dict, row: int, where: str):
    got = {"answer": _strings(exported["answer"])[row], "start": int(exported["start"][row]),
           "end": int(exported["end"][row])}
    assert got == {k: expected[k] for k in ("answer", "start", "end")}, (where, row, got, expected)
    assert abs(float(exported["score"][row]) - expected["score"]) <= ATOL, (where, row)


def assert_top_k(fills: list[list[dict]], exported: dict, row: int, where: str):
    """fill-mask's candidates per mask of one row == the export's top-k ids, tokens and scores (ranks
    within 1e-6 of a neighbour's score may swap: a float32 tie)."""
    for m, candidates in enumerate(fills):
        scores = np.array([c["score"] for c in candidates])
        np.testing.assert_allclose(exported["top_k_scores"][row][m], scores, atol=ATOL, rtol=0, err_msg=where)
        gaps = np.minimum(np.abs(np.diff(scores, prepend=np.inf)), np.abs(np.diff(scores, append=-np.inf)))
        for k, candidate in enumerate(candidates):
            if gaps[k] > 1e-6:
                assert int(exported["top_k_ids"][row][m][k]) == candidate["token"], (where, row, m, k)
                assert _strings(exported["top_k_tokens"][row][m])[k] == candidate["token_str"], (where, row, m, k)
    assert int(np.sum(np.asarray(exported["mask_positions"][row]) >= 0)) == len(fills), where


def per_mask(result) -> list[list[dict]]:
    """fill-mask's result for one text as a list per mask (HF returns a flat list for a single mask)."""
    return result if result and isinstance(result[0], list) else [result]

