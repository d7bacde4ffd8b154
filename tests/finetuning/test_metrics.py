"""Metrics against numbers worked out by hand (the arithmetic is in the comments), following the
definitions of the official SQuAD v1.1 / v2.0 evaluation scripts and CoNLL's conlleval chunking."""

import json

import numpy as np
import pytest

from albert_tf.finetuning import metrics
from albert_tf.tasks.question_answering import QuestionAnsweringTask
from albert_tf.tasks.squad import squad_dataset
from tests.finetuning.conftest import fixture

# Predictions for tests/fixtures/finetuning/squad_eval_v1.1.json.
V1_PREDICTIONS = {
    # gold "Neil Armstrong" / "Armstrong": the second matches exactly -> EM 1, F1 1
    "v1-armstrong": "Armstrong",
    # gold "July 20, 1969" -> "july 20 1969" (3 tokens); prediction "on july 20 1969" (4 tokens).
    # EM 0; overlap 3: P = 3/4, R = 3/3, F1 = 2 * (3/4) * 1 / (3/4 + 1) = 6/7
    "v1-date": "on July 20 1969",
    # "The Gulf of Mexico." -> lowercase, drop ".", drop "the" -> "gulf of mexico" = gold -> EM 1, F1 1
    "v1-gulf": "The Gulf of Mexico.",
    # gold "Tennessee": no overlap -> EM 0, F1 0
    "v1-north": "Georgia",
    # gold "ants and termites" (3 tokens), prediction 1 token, overlap 1: P = 1, R = 1/3,
    # F1 = 2 * (1/3) / (4/3) = 1/2; EM 0
    "v1-food": "termites",
    # gold "a long pig-like snout" -> drop "-" -> "a long piglike snout" -> drop "a" -> "long piglike snout"
    # = prediction -> EM 1, F1 1
    "v1-snout": "long piglike snout",
}
# EM = 100 * (1 + 0 + 1 + 0 + 0 + 1) / 6 = 50
# F1 = 100 * (1 + 6/7 + 1 + 0 + 1/2 + 1) / 6 = 100 * (61/14) / 6 = 100 * 61/84 = 72.6190476...
V1_EXPECTED = {"exact_match": 50.0, "f1": 100 * 61 / 84}

# Predictions for tests/fixtures/finetuning/squad_eval_v2.0.json.
V2_PREDICTIONS = {
    "v2-russia": "Russia",  # exact 1, F1 1
    # both golds normalize to "bering strait"; overlap 1 of 2: P = 1, R = 1/2, F1 = 2/3; exact 0
    "v2-strait": "Bering",
    # an empty prediction for an answerable question: exact 0, and v2.0's F1 rule for an empty side:
    # int(gold_tokens == pred_tokens) = int(["anchorage"] == []) = 0
    "v2-anchorage": "",
    # the only gold, "the", normalizes to "" and is dropped, so the gold list becomes [""]:
    # exact 1, F1 int([] == []) = 1 (the question still counts as HasAns: its answers list is not empty)
    "v2-article": "",
    "v2-none-empty": "",  # no answer, none predicted: exact 1, F1 1
    "v2-none-wrong": "Russia",  # no answer, one predicted: exact 0, F1 int([] == ["russia"]) = 0
}
V2_EXPECTED = {
    "exact": 100 * 3 / 6,  # (1 + 0 + 0 + 1 + 1 + 0) / 6
    "f1": 100 * 11 / 18,  # (1 + 2/3 + 0 + 1 + 1 + 0) / 6 = (11/3) / 6
    "total": 6,
    "HasAns_exact": 100 * 2 / 4,  # russia, strait, anchorage, article: (1 + 0 + 0 + 1) / 4
    "HasAns_f1": 100 * 2 / 3,  # (1 + 2/3 + 0 + 1) / 4 = (8/3) / 4
    "HasAns_total": 4,
    "NoAns_exact": 50.0,  # (1 + 0) / 2
    "NoAns_f1": 50.0,
    "NoAns_total": 2,
}


def _load(name):
    with open(fixture(name), encoding="utf-8") as f:
        return json.load(f)


def _assert_same(got, expected):
    assert list(got) == list(expected)  # the official scripts' keys, in their order
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-9), key


def test_squad_v1_matches_hand_computed_official_values():
    _assert_same(metrics.squad_v1_evaluate(_load("squad_eval_v1.1.json")["data"], V1_PREDICTIONS), V1_EXPECTED)


def test_squad_v2_matches_hand_computed_official_values():
    _assert_same(metrics.squad_v2_evaluate(_load("squad_eval_v2.0.json")["data"], V2_PREDICTIONS), V2_EXPECTED)


@pytest.mark.parametrize("name,predictions,expected", [
    ("squad_eval_v1.1.json", V1_PREDICTIONS, V1_EXPECTED),
    ("squad_eval_v2.0.json", V2_PREDICTIONS, V2_EXPECTED),
])
def test_squad_metrics_through_our_reader(name, predictions, expected):
    examples = QuestionAnsweringTask().read(fixture(name))
    evaluate = metrics.squad_v2_evaluate if examples[0].version_2 else metrics.squad_v1_evaluate
    _assert_same(evaluate(squad_dataset(examples), predictions), expected)


def test_squad_v1_counts_a_missing_prediction_as_zero():
    partial = {k: v for k, v in V1_PREDICTIONS.items() if k != "v1-armstrong"}
    # EM (0 + 0 + 1 + 0 + 0 + 1) / 6; F1 (0 + 6/7 + 1 + 0 + 1/2 + 1) / 6 = (47/14) / 6
    _assert_same(metrics.squad_v1_evaluate(_load("squad_eval_v1.1.json")["data"], partial),
                 {"exact_match": 100 * 2 / 6, "f1": 100 * 47 / 84})


@pytest.mark.parametrize("text,expected", [
    ("The Eiffel Tower", "eiffel tower"),
    ("an apple, a pear and THE plum!", "apple pear and plum"),
    ("theatre anatomy", "theatre anatomy"),  # articles are whole words only
    ("  multiple\tspaces\n", "multiple spaces"),
    ("U.S. state", "us state"),
    ("a-an-the", "aanthe"),  # punctuation goes before articles: the hyphens join the words
    ("“curly” quotes", "“curly” quotes"),  # only ASCII punctuation is removed, as in the official script
])
def test_normalize_answer(text, expected):
    assert metrics.normalize_answer(text) == expected


def test_entity_scores_hand_computed():
    gold = [["B-PER", "I-PER", "O", "B-LOC", "O"], ["O", "B-ORG", "I-ORG", "I-ORG"], ["B-MISC", "O", "B-PER"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG", "O"], ["O", "B-ORG", "I-ORG", "O"], ["I-MISC", "O", "B-PER"]]
    m = metrics.token_classification_metrics(gold, pred)
    # entities gold: PER(0-1) LOC(3) | ORG(1-3) | MISC(0) PER(2) = 5; predicted: PER(0-1) ORG(3) | ORG(1-2) |
    # MISC(0) (I- after O opens a chunk) PER(2) = 5; correct: PER(0-1), MISC(0), PER(2) = 3
    assert m["precision"] == pytest.approx(3 / 5)
    assert m["recall"] == pytest.approx(3 / 5)
    assert m["f1"] == pytest.approx(3 / 5)
    # words: 4/5 + 3/4 + 2/3 right = 9 / 12
    assert m["accuracy"] == pytest.approx(9 / 12)
    assert m["per_type"]["PER"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}
    assert m["per_type"]["ORG"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert m["per_type"]["LOC"]["support"] == 1 and m["per_type"]["LOC"]["f1"] == 0.0


@pytest.mark.parametrize("tags,expected", [
    (["B-PER", "I-LOC"], [("PER", 0, 0), ("LOC", 1, 1)]),  # a type change closes and opens
    (["I-PER", "I-PER", "O", "I-PER"], [("PER", 0, 1), ("PER", 3, 3)]),  # IOB1
    (["B-PER", "B-PER"], [("PER", 0, 0), ("PER", 1, 1)]),
    (["S-LOC", "B-PER", "I-PER", "E-PER", "O"], [("LOC", 0, 0), ("PER", 1, 3)]),  # IOBES
    (["E-PER", "E-PER"], [("PER", 0, 0), ("PER", 1, 1)]),
    (["O", "O"], []),
    (["B-ORG"], [("ORG", 0, 0)]),  # a chunk open at the end is closed
])
def test_entity_chunking_rules(tags, expected):
    assert metrics.entities(tags) == expected


def test_macro_f1_and_accuracy_hand_computed():
    gold = ["a", "a", "b", "b", "c"]
    pred = ["a", "b", "b", "b", "a"]
    # a: TP 1, FP 1, FN 1 -> 2/4; b: TP 2, FP 1, FN 0 -> 4/5; c: TP 0 -> 0; mean = (0.5 + 0.8 + 0) / 3
    assert metrics.macro_f1(gold, pred) == pytest.approx(1.3 / 3)
    assert metrics.accuracy(gold, pred) == pytest.approx(3 / 5)


def test_regression_metrics_against_numpy():
    rng = np.random.default_rng(0)
    gold = rng.normal(size=50)
    pred = gold * 0.5 + rng.normal(size=50)
    m = metrics.regression_metrics(gold, pred)
    assert m["pearson"] == pytest.approx(np.corrcoef(gold, pred)[0, 1])
    assert m["mse"] == pytest.approx(np.mean((gold - pred) ** 2))
    assert metrics.regression_metrics([1.0, 2.0], [3.0, 3.0])["pearson"] is None  # constant prediction


def test_metric_input_errors():
    with pytest.raises(ValueError, match="differ in length"):
        metrics.accuracy([1, 2], [1])
    with pytest.raises(ValueError, match="sentence 0"):
        metrics.token_classification_metrics([["O", "O"]], [["O"]])
