"""Warmup records follow TF Serving's contract (TFRecord of PredictionLog, <= 1000, every one replayable),
and acceptance 4: QA answers are exact substrings of the original (accented) context; fill-mask returns k
tokens per [MASK] whose scores sum to at most 1."""

import os

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

from albert_tf.export import warmup
from albert_tf.export.signatures import signature_specs


@pytest.mark.parametrize("key", ["masked_lm", "sequence_classification", "regression", "multiple_choice",
                                 "question_answering", "ids_only"])
def test_warmup_records_replay_like_tf_serving(exports, loaded, key):
    exp = exports[key]
    path = os.path.join(exp.path, "assets.extra", "tf_serving_warmup_requests")
    records = [bytes(r.numpy()) for r in tf.data.TFRecordDataset(path)]
    assert 0 < len(records) <= 1000
    logs = [prediction_log_pb2.PredictionLog.FromString(r) for r in records]
    specs = signature_specs(exp.task, num_labels=exp.model.config.num_labels, text_pair=exp.text_pair,
                            ids_only=exp.ids_only)
    kinds = {}
    for log in logs:
        kind = log.WhichOneof("log_type")
        request = getattr(log, kind).request
        assert request.model_spec.name == key  # BASE/NAME -> NAME
        kinds.setdefault(request.model_spec.signature_name, set()).add(kind)
    expected = {name: {"classify_log" if name == "classify" else "regress_log" if name == "regress" else "predict_log"}
                for name in specs}
    assert kinds == expected
    model = loaded(key)
    for log in logs:
        name, inputs = warmup.request_to_signature_call(log)
        outputs = model.signatures[name](**inputs)
        assert set(outputs) == set(specs[name].output_names)


QA_ROWS = [
    ("Where is the café?", "Le café de Renée est à Montréal, près de l'église Saint-Édouard."),
    ("Who stars?", "Zoë Saldaña et Penélope Cruz jouent à São Paulo; ¿qué más?"),
    ("What?", "naïve coöperation and façades — über-résumés"),
]


def test_qa_answers_are_exact_substrings_of_accented_context(loaded):
    model = loaded("question_answering")
    questions, contexts = zip(*QA_ROWS)
    out = model.signatures["serving_default"](question=tf.constant(questions), context=tf.constant(contexts))
    for context, answer, start, end in zip(contexts, out["answer"].numpy(), out["start"].numpy(), out["end"].numpy()):
        answer = answer.decode("utf-8")
        assert 0 <= start < end <= len(context)
        assert answer == context[start:end]  # character offsets into the original string
        assert answer and answer in context


def test_fill_mask_returns_k_tokens_with_scores_summing_to_at_most_one(loaded, tokenizer):
    model = loaded("masked_lm")
    out = model.signatures["serving_default"](text=tf.constant(["Hello I'm a [MASK] model."]))
    scores, ids = out["top_k_scores"].numpy(), out["top_k_ids"].numpy()
    tokens = out["top_k_tokens"].numpy()
    assert scores.shape == ids.shape == tokens.shape == (1, 1, 5)
    assert np.all(scores > 0) and scores.sum() <= 1.0 + 1e-6
    assert np.all(np.diff(scores[0, 0]) <= 0)  # best first, like HF's fill-mask
    assert [t.decode("utf-8") for t in tokens[0, 0]] == [tokenizer.decode([int(i)]) for i in ids[0, 0]]
    position = int(out["mask_positions"].numpy()[0, 0])
    assert tokenizer("Hello I'm a [MASK] model.")["input_ids"][position] == tokenizer.mask_token_id
