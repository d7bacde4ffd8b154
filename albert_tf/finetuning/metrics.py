"""Evaluation metrics for the fine-tuning tasks, with no dependencies beyond numpy.

- classification: accuracy and macro F1 (per-class F1 averaged over the classes that occur in the gold
  or the predicted labels, like scikit-learn's ``f1_score(average="macro")``);
- regression: mean squared error and Pearson's r;
- token classification: token accuracy and entity-level precision / recall / F1 over IOB1, IOB2 or
  IOBES tags, with the chunk rules of CoNLL's ``conlleval`` (which seqeval's default mode follows);
- SQuAD: exact match and F1 exactly as the official ``evaluate-v1.1.py`` / ``evaluate-v2.0.py`` scripts
  compute them (same normalization: lowercase, drop ASCII punctuation, drop a/an/the, squash whitespace).

Example:
    >>> normalize_answer("The  Eiffel-Tower!")
    'eiffeltower'
    >>> squad_f1("in Paris, France", "Paris")  # precision 1/3, recall 1/1 -> 2 * (1/3) / (4/3) = 0.5
    0.5
    >>> entities(["B-PER", "I-PER", "O", "B-LOC"])
    [('PER', 0, 1), ('LOC', 3, 3)]
"""

from __future__ import annotations

import collections
import re
import string
from typing import Iterable, Mapping, Sequence

import numpy as np

# ---------------------------------------------------------------------------------------------------
# classification and regression


def accuracy(gold: Sequence, predicted: Sequence) -> float:
    """Fraction of positions where ``predicted`` equals ``gold``.

    >>> accuracy([0, 1, 1, 2], [0, 1, 2, 2])
    0.75
    """
    _same_length(gold, predicted)
    if len(gold) == 0:
        raise ValueError("accuracy of an empty set is undefined")
    return float(np.mean([g == p for g, p in zip(gold, predicted)]))


def macro_f1(gold: Sequence, predicted: Sequence) -> float:
    """Unweighted mean of per-class F1 over the classes seen in ``gold`` or ``predicted``.

    >>> round(macro_f1([0, 0, 1, 1], [0, 1, 1, 1]), 4)  # F1(0) = 2/3, F1(1) = 4/5
    0.7333
    """
    _same_length(gold, predicted)
    classes = sorted(set(gold) | set(predicted), key=repr)
    if not classes:
        raise ValueError("macro F1 of an empty set is undefined")
    scores = []
    for c in classes:
        tp = sum(1 for g, p in zip(gold, predicted) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, predicted) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, predicted) if g == c and p != c)
        # 2TP / (2TP + FP + FN) is F1 = 2PR / (P + R) without the 0/0 cases.
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores))


def classification_metrics(gold: Sequence, predicted: Sequence) -> dict:
    """``{"accuracy", "macro_f1"}``."""
    return {"accuracy": accuracy(gold, predicted), "macro_f1": macro_f1(gold, predicted)}


def regression_metrics(gold: Sequence[float], predicted: Sequence[float]) -> dict:
    """``{"mse", "pearson"}``; ``pearson`` is None when either side is constant (r is undefined).

    >>> regression_metrics([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])["mse"]
    1.3333333333333333
    """
    _same_length(gold, predicted)
    g = np.asarray(gold, dtype=np.float64)
    p = np.asarray(predicted, dtype=np.float64)
    if g.size == 0:
        raise ValueError("regression metrics of an empty set are undefined")
    mse = float(np.mean((g - p) ** 2))
    gc, pc = g - g.mean(), p - p.mean()
    denominator = float(np.sqrt(np.sum(gc**2) * np.sum(pc**2)))
    pearson = float(np.sum(gc * pc) / denominator) if denominator > 0 else None
    return {"mse": mse, "pearson": pearson}


def _same_length(a: Sequence, b: Sequence) -> None:
    if len(a) != len(b):
        raise ValueError(f"gold and predicted differ in length: {len(a)} vs {len(b)}")


# ---------------------------------------------------------------------------------------------------
# token classification

_ENTITY_TAG = re.compile(r"^([BIES])-(.+)$")


def is_entity_tag_set(tags: Iterable[str]) -> bool:
    """True if every tag is ``O`` or ``B-/I-/E-/S-<type>``, so entity-level scores are meaningful.

    >>> is_entity_tag_set(["O", "B-PER", "I-PER"]), is_entity_tag_set(["NN", "VB"])
    (True, False)
    """
    return all(t == "O" or _ENTITY_TAG.match(t) for t in tags)


def _split_tag(tag: str) -> tuple[str, str]:
    match = _ENTITY_TAG.match(tag)
    if match:
        return match.group(1), match.group(2)
    return "O", ""


def entities(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Entity chunks ``(type, first, last)`` (inclusive) of one tag sequence, with conlleval's rules.

    A chunk ends before tag ``t`` when the previous tag closed it (E, S), when ``t`` opens or leaves one
    (B, S, O after B or I), or when the type changes. A chunk starts at ``t`` when ``t`` is B or S, when
    it is I or E right after O, E or S (IOB1 style), or when the type changes. Tags that are not
    ``O``/``B-``/``I-``/``E-``/``S-`` count as ``O``.

    >>> entities(["I-ORG", "I-ORG", "B-ORG", "O", "S-LOC", "E-LOC"])
    [('ORG', 0, 1), ('ORG', 2, 2), ('LOC', 4, 4), ('LOC', 5, 5)]
    """
    found = []
    prev_prefix, prev_type, start = "O", "", None
    for i, tag in enumerate(list(tags) + ["O"]):  # the trailing O closes an open chunk
        prefix, kind = _split_tag(tag)
        ends = (
            prev_prefix in ("E", "S")
            or (prev_prefix in ("B", "I") and prefix in ("B", "S", "O"))
            or (prev_prefix != "O" and prev_type != kind)
        )
        if start is not None and ends:
            found.append((prev_type, start, i - 1))
            start = None
        starts = (
            prefix in ("B", "S")
            or (prefix in ("I", "E") and prev_prefix in ("O", "E", "S"))
            or (prefix != "O" and prev_type != kind)
        )
        if starts:
            start = i
        prev_prefix, prev_type = prefix, kind
    return found


def token_classification_metrics(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]],
                                 *, with_entities: bool = True) -> dict:
    """Word-level ``accuracy`` and micro-averaged entity ``precision``/``recall``/``f1`` (plus
    ``per_type``) over sentences of tags.

    >>> m = token_classification_metrics([["B-PER", "I-PER", "O"]], [["B-PER", "O", "O"]])
    >>> round(m["accuracy"], 4), m["precision"], m["f1"]
    (0.6667, 0.0, 0.0)
    """
    _same_length(gold, predicted)
    flat_gold, flat_pred = [], []
    for i, (g, p) in enumerate(zip(gold, predicted)):
        if len(g) != len(p):
            raise ValueError(f"sentence {i}: {len(g)} gold tags but {len(p)} predicted tags")
        flat_gold.extend(g)
        flat_pred.extend(p)
    result = {"accuracy": accuracy(flat_gold, flat_pred)}
    if not with_entities:
        return result
    gold_sets, pred_sets = set(), set()
    for i, (g, p) in enumerate(zip(gold, predicted)):
        gold_sets.update((i,) + e for e in entities(g))
        pred_sets.update((i,) + e for e in entities(p))
    result.update(_prf(len(gold_sets & pred_sets), len(pred_sets), len(gold_sets)))
    per_type = {}
    for kind in sorted({e[1] for e in gold_sets | pred_sets}):
        g = {e for e in gold_sets if e[1] == kind}
        p = {e for e in pred_sets if e[1] == kind}
        per_type[kind] = {**_prf(len(g & p), len(p), len(g)), "support": len(g)}
    result["per_type"] = per_type
    return result


def _prf(correct: int, predicted: int, gold: int) -> dict:
    precision = correct / predicted if predicted else 0.0
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


# ---------------------------------------------------------------------------------------------------
# SQuAD (the official scripts' definitions)

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = frozenset(string.punctuation)


def normalize_answer(text: str) -> str:
    """The official SQuAD normalization: lowercase, remove ASCII punctuation, remove the articles
    a/an/the, collapse whitespace (in that order)."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCTUATION)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def squad_exact(prediction: str, truth: str) -> int:
    """1 if the normalized strings are equal, else 0."""
    return int(normalize_answer(prediction) == normalize_answer(truth))


def squad_f1(prediction: str, truth: str, *, version: int = 1) -> float:
    """Bag-of-tokens F1 of the normalized answers. ``version=2`` adds v2.0's rule that an empty answer
    on either side scores 1 only if both are empty (v1.1 scores 0 whenever nothing overlaps)."""
    pred_tokens = normalize_answer(prediction).split()
    true_tokens = normalize_answer(truth).split()
    if version == 2 and (not pred_tokens or not true_tokens):
        return float(pred_tokens == true_tokens)
    overlap = sum((collections.Counter(pred_tokens) & collections.Counter(true_tokens)).values())
    if overlap == 0:
        return 0.0
    precision = overlap / len(pred_tokens)
    recall = overlap / len(true_tokens)
    return 2 * precision * recall / (precision + recall)


def squad_v1_evaluate(dataset: Sequence[Mapping], predictions: Mapping[str, str]) -> dict:
    """``evaluate-v1.1.py``: ``{"exact_match", "f1"}`` in percent; a question without a prediction
    scores 0 (the script says so and counts it).

    ``dataset`` is the ``data`` list of a SQuAD JSON file; ``predictions`` maps question id to text.
    """
    total = exact = f1 = 0.0
    for article in dataset:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                total += 1
                if qa["id"] not in predictions:
                    continue
                truths = [a["text"] for a in qa["answers"]]
                pred = predictions[qa["id"]]
                exact += max(squad_exact(pred, t) for t in truths)
                f1 += max(squad_f1(pred, t) for t in truths)
    if not total:
        raise ValueError("the SQuAD dataset has no questions")
    return {"exact_match": 100.0 * exact / total, "f1": 100.0 * f1 / total}


def squad_v2_evaluate(dataset: Sequence[Mapping], predictions: Mapping[str, str]) -> dict:
    """``evaluate-v2.0.py`` (without a no-answer probability file): ``exact``, ``f1``, ``total`` and the
    ``HasAns_*`` / ``NoAns_*`` breakdowns, in percent. Questions without a prediction are skipped, as
    the script does; gold answers that normalize to nothing count as "no answer"."""
    exact_scores, f1_scores, has_answer = {}, {}, {}
    for article in dataset:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                qid = qa["id"]
                has_answer[qid] = bool(qa["answers"])
                if qid not in predictions:
                    continue
                truths = [a["text"] for a in qa["answers"] if normalize_answer(a["text"])] or [""]
                pred = predictions[qid]
                exact_scores[qid] = max(squad_exact(pred, t) for t in truths)
                f1_scores[qid] = max(squad_f1(pred, t, version=2) for t in truths)

    def summary(ids: list[str]) -> dict:
        return {"exact": 100.0 * sum(exact_scores[q] for q in ids) / len(ids),
                "f1": 100.0 * sum(f1_scores[q] for q in ids) / len(ids), "total": len(ids)}

    scored = list(exact_scores)
    if not scored:
        raise ValueError("no SQuAD question has a prediction")
    result = summary(scored)
    for prefix, ids in (("HasAns", [q for q in scored if has_answer[q]]),
                        ("NoAns", [q for q in scored if not has_answer[q]])):
        if ids:
            result.update({f"{prefix}_{k}": v for k, v in summary(ids).items()})
    return result
