"""ALBERT's masked-LM recipe in Python: whole-word n-gram masking with 80/10/10 replacement.

This is the google-research ``create_pretraining_data.py`` recipe (ALBERT paper, section 4.1):

- words are SentencePiece pieces grouped by their start piece (:func:`is_word_start_piece`);
- a sequence of ``L`` tokens gets ``min(max_predictions, max(1, round(masked_lm_prob * L)))`` predictions;
- word n-grams (n = 1..``max_ngram``) are visited in random order; each draws its length with
  p(n) ∝ 1/n (6/11, 3/11, 2/11 for n ≤ 3), falls back to shorter n-grams when the longer one would
  exceed the prediction budget, and is skipped if it overlaps an n-gram already chosen;
- each chosen token becomes ``[MASK]`` with p = 0.8, stays itself with p = 0.1, and becomes a random
  token with p = 0.1.

Two deliberate differences from the reference script, both about determinism and hygiene: every random
draw comes from the one seeded ``random.Random`` (the script draws n-gram lengths from numpy's global
generator, so its output is not reproducible), and random replacement tokens are drawn from ordinary
pieces only (the script may insert ``<pad>`` or ``[CLS]``).

Example:
    >>> import random
    >>> ids = [2, 10, 11, 12, 3]              # [CLS] a b c [SEP]
    >>> starts = [True, True, False, True, True]
    >>> out = mask_sequence(ids, starts, special=[True, False, False, False, True], mask_id=4,
    ...                     random_ids=range(5, 20), max_predictions=20, rng=random.Random(0))
    >>> out.positions, out.labels, len(out.ngram_lengths)
    ([3], [12], 1)
"""

from __future__ import annotations

import dataclasses
import random
import string
from typing import Sequence

# Punctuation a piece may consist of and still continue a word, as in the reference `_is_start_piece_sp`.
_PUNCTUATION = frozenset(string.punctuation)
_ENGLISH_LETTERS = frozenset(string.ascii_lowercase)
_WORD_CHARACTERS = _ENGLISH_LETTERS | _PUNCTUATION
WORD_START_MARKER = "\u2581"


def is_word_start_piece(piece: str) -> bool:
    """True if a SentencePiece piece begins a new word for whole-word masking.

    The google-research rule: a piece starts a word if it begins with '▁', is a special ``<...>`` piece,
    is a single punctuation character, or holds any character outside ``a-z`` and ASCII punctuation
    (digits and non-English characters are treated as words of their own).

    >>> [is_word_start_piece(p) for p in ["▁anarch", "ism", ",", "7", "é"]]
    [True, False, True, True, True]
    """
    if piece.startswith(WORD_START_MARKER) or piece.startswith("<") or piece in _PUNCTUATION:
        return True
    return not all(c.lower() in _WORD_CHARACTERS for c in piece)


def ngram_probabilities(max_ngram: int) -> list[float]:
    """p(n) ∝ 1/n for n = 1..max_ngram.

    >>> [round(p * 11) for p in ngram_probabilities(3)]
    [6, 3, 2]
    """
    if max_ngram < 1:
        raise ValueError(f"max_ngram must be >= 1, got {max_ngram}")
    weights = [1.0 / n for n in range(1, max_ngram + 1)]
    total = sum(weights)
    return [w / total for w in weights]


def num_predictions(sequence_length: int, masked_lm_prob: float, max_predictions: int) -> int:
    """``min(max_predictions, max(1, round(masked_lm_prob * sequence_length)))`` (Python's round)."""
    return min(max_predictions, max(1, int(round(sequence_length * masked_lm_prob))))


@dataclasses.dataclass
class MaskedSequence:
    """The result of masking one sequence.

    Attributes:
        input_ids: the ids after replacement.
        positions: masked positions, ascending.
        labels: the original ids at ``positions``.
        ngram_lengths: words per chosen n-gram, as finally used. The recipe tilts these towards short
            n-grams: long draws fall back to shorter ones near the budget, and overlap more often.
        drawn_ngram_lengths: every length drawn from p(n) ∝ 1/n while all ``max_ngram`` lengths were
            possible (chosen or not): these follow 1/n exactly (6/11, 3/11, 2/11 for n ≤ 3).
        replacement: per position, "mask", "keep" or "random".
    """

    input_ids: list[int]
    positions: list[int]
    labels: list[int]
    ngram_lengths: list[int]
    drawn_ngram_lengths: list[int]
    replacement: list[str]


def _draw_ngram_length(probabilities: Sequence[float], available: int, rng: random.Random) -> int:
    weights = probabilities[:available]
    threshold = rng.random() * sum(weights)
    cumulative = 0.0
    for n, weight in enumerate(weights, start=1):
        cumulative += weight
        if threshold < cumulative:
            return n
    return available


def mask_sequence(
    input_ids: Sequence[int],
    word_starts: Sequence[bool],
    special: Sequence[bool],
    *,
    mask_id: int,
    random_ids: Sequence[int],
    max_predictions: int,
    rng: random.Random,
    masked_lm_prob: float = 0.15,
    max_ngram: int = 3,
) -> MaskedSequence:
    """Applies the n-gram whole-word masking recipe to one sequence.

    Args:
        input_ids: token ids including ``[CLS]``/``[SEP]``.
        word_starts: per token, whether it starts a word (:func:`is_word_start_piece`).
        special: per token, whether it is ``[CLS]``/``[SEP]`` (never masked).
        mask_id: id of ``[MASK]``.
        random_ids: ids to draw random replacements from.
        max_predictions: the cap on predictions per sequence.
        rng: the only source of randomness.
    """
    if not (len(input_ids) == len(word_starts) == len(special)):
        raise ValueError("input_ids, word_starts and special must have the same length")
    words: list[list[int]] = []
    for index, (start, is_special) in enumerate(zip(word_starts, special)):
        if is_special:
            continue
        if words and not start and words[-1][-1] == index - 1:
            words[-1].append(index)
        else:
            words.append([index])

    budget = num_predictions(len(input_ids), masked_lm_prob, max_predictions)
    probabilities = ngram_probabilities(max_ngram)
    # Each word may start an n-gram of 1..max_ngram words (fewer at the end of the sequence).
    starts = list(range(len(words)))
    rng.shuffle(starts)

    covered: set[int] = set()
    chosen: list[tuple[list[int], int]] = []  # (token indexes, n used)
    drawn: list[int] = []
    num_masked = 0
    for first_word in starts:
        if num_masked >= budget:
            break
        available = min(max_ngram, len(words) - first_word)
        n = _draw_ngram_length(probabilities, available, rng)
        if available == max_ngram:
            drawn.append(n)
        tokens = [i for word in words[first_word:first_word + n] for i in word]
        # Fall back to shorter n-grams while the longer one would exceed the budget.
        while num_masked + len(tokens) > budget and n > 1:
            n -= 1
            tokens = [i for word in words[first_word:first_word + n] for i in word]
        if num_masked + len(tokens) > budget:
            continue
        if any(i in covered for i in tokens):
            continue
        covered.update(tokens)
        num_masked += len(tokens)
        chosen.append((tokens, n))

    output = list(input_ids)
    replacement_of: dict[int, str] = {}
    for tokens, _ in chosen:
        for index in tokens:
            if rng.random() < 0.8:
                output[index] = mask_id
                replacement_of[index] = "mask"
            elif rng.random() < 0.5:
                replacement_of[index] = "keep"
            else:
                output[index] = random_ids[rng.randrange(len(random_ids))]
                replacement_of[index] = "random"
    positions = sorted(covered)
    return MaskedSequence(
        input_ids=output,
        positions=positions,
        labels=[int(input_ids[i]) for i in positions],
        ngram_lengths=[n for _, n in chosen],
        drawn_ngram_lengths=drawn,
        replacement=[replacement_of[i] for i in positions],
    )
