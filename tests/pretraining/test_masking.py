"""The masking recipe on synthetic sequences, checked against the google-research rules (pure Python)."""

import collections
import math
import random
import string

import pytest

from albert_tf.pretraining.masking import is_word_start_piece, mask_sequence, ngram_probabilities, num_predictions


def _reference_is_start_piece(piece: str) -> bool:
    # google-research/albert create_pretraining_data._is_start_piece_sp, restated.
    special = set(string.punctuation)
    english = set(string.ascii_lowercase)
    return (piece.startswith("\u2581") or piece.startswith("<") or piece in special
            or not all(c.lower() in english | special for c in piece))


@pytest.mark.parametrize("piece", ["\u2581the", "the", "ing", ",", ".,", "7", "12", "é", "\u2581", "<unk>", "a-b",
                                   "Zürich", "'s"])
def test_word_start_rule_is_the_reference_rule(piece):
    assert is_word_start_piece(piece) == _reference_is_start_piece(piece)


def test_ngram_probabilities_are_one_over_n():
    assert [round(p * 11, 9) for p in ngram_probabilities(3)] == [6, 3, 2]
    assert math.isclose(sum(ngram_probabilities(5)), 1.0)


@pytest.mark.parametrize("length,expected", [(5, 1), (64, 10), (100, 15), (130, 20), (512, 20)])
def test_prediction_budget_formula(length, expected):
    assert num_predictions(length, 0.15, 20) == expected == min(20, max(1, round(0.15 * length)))


def _synthetic(rng, length):
    """[CLS] words [SEP] words [SEP] with 1-3 piece words; ids 10+."""
    ids, starts, special = [2], [True], [True]
    sep_at = length // 2
    while len(ids) < length - 1:
        if len(ids) == sep_at:
            ids.append(3), starts.append(True), special.append(True)
            continue
        pieces = rng.randint(1, 3)
        for k in range(pieces):
            if len(ids) >= length - 1 or len(ids) == sep_at:
                break
            ids.append(rng.randint(10, 99)), starts.append(k == 0), special.append(False)
    ids.append(3), starts.append(True), special.append(True)
    return ids, starts, special


def test_masking_follows_the_recipe_on_many_sequences():
    rng = random.Random(0)
    replacement = collections.Counter()
    drawn = collections.Counter()
    for seed in range(1500):
        ids, starts, special = _synthetic(rng, rng.choice([32, 64, 128]))
        out = mask_sequence(ids, starts, special, mask_id=4, random_ids=range(10, 100), max_predictions=20,
                            rng=random.Random(seed))
        budget = min(20, max(1, round(0.15 * len(ids))))
        assert len(out.positions) <= budget
        assert out.positions == sorted(set(out.positions))
        assert not any(special[p] for p in out.positions), "[CLS]/[SEP] are never predicted"
        assert out.labels == [ids[p] for p in out.positions]
        masked = set(out.positions)
        for p in out.positions:  # whole words: a masked piece's word is masked from its start to its end
            if not starts[p]:
                assert p - 1 in masked
            if p + 1 < len(ids) and not starts[p + 1] and not special[p + 1]:
                assert p + 1 in masked
        for i, token in enumerate(out.input_ids):
            if i not in masked:
                assert token == ids[i]
        for p, kind in zip(out.positions, out.replacement):
            assert kind != "mask" or out.input_ids[p] == 4
            assert kind != "keep" or out.input_ids[p] == ids[p]
        replacement.update(out.replacement)
        drawn.update(out.drawn_ngram_lengths)
    total = sum(replacement.values())
    for kind, share in (("mask", 0.8), ("keep", 0.1), ("random", 0.1)):
        sigma = math.sqrt(share * (1 - share) / total)
        assert abs(replacement[kind] / total - share) < 4 * sigma, (kind, replacement)
    total = sum(drawn.values())
    for n, share in zip((1, 2, 3), ngram_probabilities(3)):
        sigma = math.sqrt(share * (1 - share) / total)
        assert abs(drawn[n] / total - share) < 4 * sigma, (n, drawn)


def test_same_rng_seed_gives_same_mask():
    rng = random.Random(1)
    ids, starts, special = _synthetic(rng, 64)
    runs = [mask_sequence(ids, starts, special, mask_id=4, random_ids=range(10, 100), max_predictions=20,
                          rng=random.Random(42)) for _ in range(2)]
    assert runs[0] == runs[1]


def test_mismatched_lengths_are_rejected():
    with pytest.raises(ValueError, match="same length"):
        mask_sequence([2, 5, 3], [True, True], [True, False, True], mask_id=4, random_ids=[5],
                      max_predictions=2, rng=random.Random(0))
